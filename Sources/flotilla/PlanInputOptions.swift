import ArgumentParser
import FlotillaDiff
import FlotillaEngine
import FlotillaModel
import FlotillaPlacement
import Foundation

/// What `plan` and `explain` start from besides the source: the clusters' state and the previous placement, from
/// files or, by default, from what the daemon recorded on its status branch.
struct PlanInputOptions: ParsableArguments {
    @Option(name: .customLong("cluster-state"),
            help: "YAML or JSON file with each cluster's readiness, APIs and capacity; `none` for no state (default: what the daemon recorded on the status branch).")
    var clusterState: String?

    @Option(help: "A previous plan JSON: placement is sticky, so replicas stay where they were when they can; `none` for a first placement (default: the placement the daemon recorded on the status branch).")
    var previous: String?

    @Option(name: .customLong("status-branch"),
            help: "The branch the daemon writes its status to (`none`: do not read it).")
    var statusBranch: String = "flotilla/status"

    @Option(name: .customLong("status-prefix"), help: "The folder of the status branch the daemon writes to.")
    var statusPrefix: String = "status"

    /// The previous placement and the clusters' state to plan with: the files given, else what the daemon recorded
    /// on the status branch (so the plan is the daemon's), else none.
    func inputs(_ sourceOptions: SourceOptions) async throws -> PlanInputs {
        var inputs = PlanInputs()
        let recorded = statusBranch == "none" ? nil
            : await StatusBranchInputs.read(sourceOptions, branch: statusBranch, prefix: statusPrefix)
        switch clusterState {
        case "none": break
        case let path?: inputs.states = try Self.readClusterState(path)
        case nil: inputs.states = recorded?.clusters ?? [:]
        }
        switch previous {
        case "none": inputs.given = [:]
        case let path?: inputs.given = try Self.readPreviousPlan(path)
        case nil: break
        }
        inputs.recorded = recorded?.state
        if let recorded {
            var used: [String] = []
            if recorded.state != nil {
                if previous == nil { used.append("placement") }
                used += ["autoscaled replicas", "evictions", "taints"]
            }
            if clusterState == nil, recorded.clusters != nil { used.append("cluster state") }
            inputs.note = "planning as the daemon does, with what it recorded on \(statusBranch) at "
                + "\(recorded.commit.prefix(12)): \(used.joined(separator: ", "))"
        }
        return inputs
    }

    /// What a plan starts from besides the source.
    struct PlanInputs {
        var states: [String: ClusterState] = [:]
        /// A previous plan given on the command line (`none`: empty).
        var given: [ResourceIdentity: [TargetCluster]]?
        /// The daemon's recorded state.
        var recorded: PersistedState?
        var note: String?

        /// The head planned as the daemon reaches it from the base (the base's placement in force: placement is
        /// sticky from there), and what changes per cluster.
        func delta(base: Manifests, baseRevision: String?, head: Manifests, headRevision: String?,
                   source: String) -> (plan: Plan, changes: [WorkChange]) {
            let baseScheduler = scheduler(for: base, source: source)
            let basePlan = baseScheduler.plan(revision: baseRevision)
            let previous = LastGoodWorks.placements(plan: basePlan, previous: baseScheduler.previous)
            let plan = scheduler(for: head, previous: previous, source: source).plan(revision: headRevision)
            return (plan, PlanComparison.changes(from: basePlan, to: plan))
        }

        /// The scheduler for `manifests`: the daemon's, when it recorded its state; `previous` replaces the previous
        /// placement.
        func scheduler(for manifests: Manifests, previous: [ResourceIdentity: [TargetCluster]]? = nil,
                       source: String) -> Scheduler {
            let previous = previous ?? given
            if let recorded {
                return recorded.scheduler(manifests: manifests, states: states, previous: previous, source: source)
            }
            return Scheduler(manifests: manifests, states: states, previous: previous ?? [:], source: source)
        }
    }

    /// Reads `--cluster-state`.
    static func readClusterState(_ path: String) throws -> [String: ClusterState] {
        let value = try readDocument(path)
        do {
            return try JSONDecoder().decode(ClusterStateFile.self, from: Data(value.canonicalJSON().utf8)).clusters
        } catch {
            throw CommandError("\(path): not a cluster state file (clusters: {NAME: {ready, availableReplicas, "
                               + "allocatable, allocated, allocating, apiEnablements}}): \(error)")
        }
    }

    /// Reads the placements of a previous plan JSON.
    static func readPreviousPlan(_ path: String) throws -> [ResourceIdentity: [TargetCluster]] {
        let value = try readDocument(path)
        var result: [ResourceIdentity: [TargetCluster]] = [:]
        for placement in value["placements"]?.arrayValue ?? [] {
            guard let template = placement["template"], let kind = template["kind"]?.stringValue,
                  let name = template["name"]?.stringValue else { continue }
            let identity = ResourceIdentity(group: ResourceIdentity.group(ofAPIVersion: template["apiVersion"]?.stringValue ?? ""),
                                            kind: kind, namespace: template["namespace"]?.stringValue, name: name)
            result[identity] = (placement["clusters"]?.arrayValue ?? []).compactMap { cluster in
                guard let clusterName = cluster["name"]?.stringValue else { return nil }
                return TargetCluster(name: clusterName, replicas: Int32(clamping: cluster["replicas"]?.intValue ?? 0))
            }
        }
        return result
    }

    static func readDocument(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CommandError("cannot read \(path)")
        }
        let documents = try YAMLDocumentReader.read(text, file: path)
        guard let first = documents.first else { throw CommandError("\(path) is empty") }
        return first.value
    }
}
