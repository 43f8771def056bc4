import FlotillaModel
import FlotillaPlacement
import Foundation

/// Karmada's WorkloadRebalancer as Flotilla runs it: each workload a rebalancer in the source names is placed afresh
/// once — its previous placement (sticky scheduling) is left out of that one plan — and the result is recorded, so
/// neither the next commit nor a restart runs it again. Removing the rebalancer from the source forgets the record
/// (adding it again is a new run, as creating a new object is in Karmada). Pure.
public enum RebalanceRuns {
    /// What became of one workload of one rebalancer.
    public struct Record: Sendable, Hashable {
        public var finishedAt: Date
        /// `Successful` or `Failed`, as Karmada's `observedWorkloads[].result`.
        public var result: String
        /// Why it failed (`ReferencedBindingNotFound` when no template of that name is in the source).
        public var reason: String?

        public init(finishedAt: Date, result: String, reason: String? = nil) {
            self.finishedAt = finishedAt
            self.result = result
            self.reason = reason
        }
    }

    /// One workload to place afresh now, and the run it belongs to.
    public struct Run: Sendable, Hashable {
        public var key: String
        public var workload: ResourceIdentity
    }

    /// The runs not done yet.
    public static func due(_ rebalancers: [WorkloadRebalancer], done: [String: Record]) -> [Run] {
        var runs: [Run] = []
        for rebalancer in rebalancers.sorted(by: { $0.metadata.name < $1.metadata.name }) {
            for workload in rebalancer.spec.workloads where done[rebalancer.runKey(for: workload)] == nil {
                runs.append(Run(key: rebalancer.runKey(for: workload), workload: workload.identity))
            }
        }
        return runs
    }

    /// `previous` without the placements of the workloads due (they are placed as if for the first time).
    public static func previous(_ previous: [ResourceIdentity: [TargetCluster]], without runs: [Run])
        -> [ResourceIdentity: [TargetCluster]] {
        var result = previous
        for run in runs { result[run.workload] = nil }
        return result
    }

    /// The records after a plan made the due runs: each run's result, and only the records of rebalancers and
    /// workloads still in the source.
    public static func recorded(_ runs: [Run], plan: Plan, rebalancers: [WorkloadRebalancer], done: [String: Record],
                                at now: Date) -> [String: Record] {
        // Whole seconds, as the state records them: the status reads the same before and after a restart.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        var placements: [ResourceIdentity: TemplatePlacement] = [:]
        for placement in plan.placements { placements[placement.identity] = placement }
        var result = done
        for run in runs {
            guard let placement = placements[run.workload] else {
                result[run.key] = Record(finishedAt: now, result: "Failed", reason: "ReferencedBindingNotFound")
                continue
            }
            result[run.key] = placement.error.map { Record(finishedAt: now, result: "Failed", reason: $0) }
                ?? Record(finishedAt: now, result: "Successful")
        }
        let present = Set(rebalancers.flatMap { rebalancer in rebalancer.spec.workloads.map(rebalancer.runKey) })
        return result.filter { present.contains($0.key) }
    }
}
