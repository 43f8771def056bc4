import FlotillaModel

/// The stages of a source's RolloutPolicies as `plan` prints them: which stage each cluster belongs to, and the
/// gates between stages. Empty when the source has no RolloutPolicy.
public enum RolloutRendering {
    /// The gates of a stage, as `plan` prints them (`manual approval, bake 60 s`), or `-`.
    public static func gates(_ stage: RolloutStageSpec) -> String {
        var parts: [String] = []
        if stage.needsApproval { parts.append("manual approval") }
        if let bake = stage.bakeSeconds, bake > 0 { parts.append("bake \(bake) s") }
        if let batch = stage.maxUnavailableClusters { parts.append("\(batch) cluster(s) at a time") }
        return parts.isEmpty ? "-" : parts.joined(separator: ", ")
    }

    private static func rows(_ manifests: Manifests) -> [(policy: String, stage: String, clusters: [String], gates: String,
                                                         templates: Int)] {
        RolloutScope.of(manifests).flatMap { scope in
            scope.spec.stages.enumerated().map { index, stage in
                (scope.policy, stage.name, scope.clusters[index], gates(stage), scope.templates.count)
            }
        }
    }

    /// Lines for the text plan.
    public static func text(_ manifests: Manifests) -> String {
        let rows = rows(manifests)
        guard !rows.isEmpty else { return "" }
        var text = "\nRollout stages (changes to the templates a RolloutPolicy governs reach one stage after another):\n"
        for row in rows {
            text += "  \(row.policy)/\(row.stage): \(row.clusters.isEmpty ? "(no cluster)" : row.clusters.joined(separator: ", "))"
                + "  [\(row.gates)]\n"
        }
        return text
    }

    /// A section for the markdown plan.
    public static func markdown(_ manifests: Manifests) -> String {
        let rows = rows(manifests)
        guard !rows.isEmpty else { return "" }
        var text = "\n### Rollout stages\n\n| RolloutPolicy | Stage | Clusters | Gates | Templates governed |\n"
        text += "|---|---|---|---|---|\n"
        for row in rows {
            text += "| \(row.policy) | \(row.stage) | \(row.clusters.joined(separator: ", ")) | \(row.gates) "
                + "| \(row.templates) |\n"
        }
        return text
    }

    /// The stages as JSON (`[{policy, stage, clusters, gates}]`), or nil without RolloutPolicies.
    public static func json(_ manifests: Manifests) -> JSONValue? {
        let rows = rows(manifests)
        guard !rows.isEmpty else { return nil }
        return .array(rows.map { row in
            .object(["policy": .string(row.policy), "stage": .string(row.stage),
                     "clusters": .array(row.clusters.map(JSONValue.string)), "gates": .string(row.gates)])
        })
    }
}
