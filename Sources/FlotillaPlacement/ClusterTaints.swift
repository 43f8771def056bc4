import FlotillaModel

/// Karmada's ClusterTaintPolicy controller as a pure function: from the policies, each cluster's conditions and the
/// taints the policies added before, the taints they hold now. A taint stays until a policy's remove conditions
/// match (conditions of one list are ANDed, additions are evaluated before removals), and a taint of a policy that
/// left the source stays (Karmada never removes a taint because its policy was deleted).
public enum ClusterTaints {
    /// A cluster's conditions as the daemon knows them: `Ready` from its probes (`Unknown` before the first).
    public static func conditions(_ state: ClusterState?) -> [String: String] {
        switch state?.ready {
        case true?: return ["Ready": "True"]
        case false?: return ["Ready": "False"]
        case nil: return ["Ready": "Unknown"]
        }
    }

    /// The taints each cluster carries from the policies after evaluating them once.
    public static func evaluate(_ policies: [ClusterTaintPolicy], clusters: [Cluster], states: [String: ClusterState],
                                current: [String: [Taint]]) -> [String: [Taint]] {
        var result = current
        for policy in policies.sorted(by: { $0.metadata.name < $1.metadata.name }) {
            for cluster in clusters where policy.spec.targetClusters?.matches(cluster) ?? true {
                let conditions = Self.conditions(states[cluster.name])
                var taints = result[cluster.name] ?? []
                let add = policy.spec.addOnConditions ?? []
                let remove = policy.spec.removeOnConditions ?? []
                if !add.isEmpty, add.allSatisfy({ $0.matches(conditions) }) {
                    for taint in policy.spec.taints
                    where !taints.contains(where: { $0.key == taint.key && $0.effect == taint.effect }) {
                        taints.append(Taint(key: taint.key, value: taint.value, effect: taint.effect))
                    }
                } else if !remove.isEmpty, remove.allSatisfy({ $0.matches(conditions) }) {
                    taints.removeAll { taint in
                        policy.spec.taints.contains { $0.key == taint.key && $0.effect == taint.effect }
                    }
                }
                result[cluster.name] = taints.isEmpty ? nil : taints
            }
        }
        return result
    }
}
