import FlotillaModel
import FlotillaPlacement

/// In which order a change reaches the clusters when RolloutPolicies govern its templates: the changes of each stage's
/// clusters, stage by stage, with the gate before each and when the daemon applies it. (`plan --base` prints it under
/// the delta: of the governed changes, the daemon applies only the first changed stage's part at once.)
public enum RolloutOrder {
    /// One stage's part of a change.
    public struct Step: Sendable, Equatable {
        public var policy: String
        public var stage: String
        public var clusters: [String]
        /// The governed changes on the stage's clusters.
        public var changes: Int
        public var gates: String
        /// When the daemon applies the step: `now`, `after approval`, `after <stage> passes`, or `-` (no change).
        public var when: String
    }

    /// The steps of every RolloutPolicy of the head; empty without RolloutPolicies or without governed changes.
    public static func steps(_ changes: [WorkChange], head: Manifests, base: Manifests?) -> [Step] {
        let baseScopes = base.map(RolloutScope.of) ?? []
        var steps: [Step] = []
        for scope in RolloutScope.of(head) {
            let governed = scope.templates.union(baseScopes.first { $0.policy == scope.policy }?.templates ?? [])
            let relevant = changes.filter { $0.action != .unchanged && governed.contains($0.template) }
            var policySteps: [Step] = []
            var gated: String?
            for (index, stage) in scope.spec.stages.enumerated() {
                let members = Set(scope.clusters[index])
                let count = relevant.filter { members.contains($0.cluster) }.count
                // Stages without a change pass (the daemon still waits for their clusters to be reachable); the
                // first with one starts now, unless it waits for an approval; every later one after the one before.
                let when = count == 0 ? "-" : gated.map { "after \($0) passes" }
                    ?? (stage.needsApproval ? "after approval" : "now")
                if count > 0 { gated = stage.name }
                policySteps.append(Step(policy: scope.policy, stage: stage.name, clusters: scope.clusters[index],
                                        changes: count, gates: RolloutRendering.gates(stage), when: when))
            }
            if policySteps.contains(where: { $0.changes > 0 }) { steps += policySteps }
        }
        return steps
    }

    public static func text(_ steps: [Step]) -> String {
        guard !steps.isEmpty else { return "" }
        var text = "\nRollout order (when the daemon applies each stage's part of the change):\n"
        for step in steps {
            let clusters = step.clusters.isEmpty ? "(no cluster)" : step.clusters.joined(separator: ", ")
            text += "  \(step.policy)/\(step.stage): \(clusters): "
                + (step.changes == 0 ? "no change" : "\(step.changes) change(s), \(step.when)") + "  [\(step.gates)]\n"
        }
        return text + "  Changes to templates no RolloutPolicy governs, and on clusters in no stage, apply at once.\n"
    }

    public static func markdown(_ steps: [Step]) -> String {
        guard !steps.isEmpty else { return "" }
        var text = "\n### Rollout order\n\nWhen the daemon applies each stage's part of the change.\n\n"
            + "| RolloutPolicy | Stage | Clusters | Changes | When | Gates |\n|---|---|---|---|---|---|\n"
        for step in steps {
            text += "| \(step.policy) | \(step.stage) | \(step.clusters.joined(separator: ", ")) | \(step.changes) "
                + "| \(step.when) | \(step.gates) |\n"
        }
        return text
    }

    public static func json(_ steps: [Step]) -> JSONValue {
        .array(steps.map { step in
            .object(["policy": .string(step.policy), "stage": .string(step.stage),
                     "clusters": .array(step.clusters.map(JSONValue.string)), "changes": .int(Int64(step.changes)),
                     "when": .string(step.when), "gates": .string(step.gates)])
        })
    }
}
