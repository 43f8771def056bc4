import FlotillaModel

/// Renders an explanation for a terminal (text), a pull request (markdown) or a program (JSON). Sorted as the
/// explanation is, so byte-for-byte stable; it holds no Secret value (only field paths of overrides).
public enum ExplanationRendering {
    static func header(_ explanation: Explanation) -> (title: String, location: String) {
        (PlanRendering.title(explanation.template), explanation.template.location.description)
    }

    /// The estimator's figure; Karmada's "no estimate" (the int32 maximum) reads as no limit.
    static func availableText(_ value: Int64) -> String { value >= Int64(Int32.max) ? "no limit" : "\(value)" }

    static func replicasText(_ count: Int32) -> String { "\(count) replica\(count == 1 ? "" : "s")" }

    static func filterLine(_ verdict: FilterVerdict) -> String {
        "\(verdict.filter): \(verdict.passed ? "pass" : "FAIL") — \(verdict.detail)"
    }

    static func overrideLine(_ step: OverrideStep) -> String {
        let overriders = step.overriders.isEmpty ? "" : " (\(step.overriders.joined(separator: ", ")))"
        let fields = step.fields.isEmpty ? "no field changed" : step.fields.joined(separator: ", ")
        return "\(step.rule)\(overriders): \(fields)"
    }

    static func shareLine(_ share: DivisionExplanation.Share) -> [String] {
        [share.cluster, share.weight.map { "\($0) (\(share.weightSource))" } ?? share.weightSource,
         "\(share.kept)", share.ideal ?? "—", "\(share.replicas)"]
    }

    /// The explanation for a terminal.
    public static func text(_ explanation: Explanation) -> String {
        let (title, location) = header(explanation)
        var lines = ["\(title)  (\(location))", "Placed by: \(explanation.placedBy)"]
        if let strategy = explanation.strategy {
            let replicas = explanation.replicas.map { ", \(replicasText($0))" } ?? ""
            lines.append("Replica scheduling: \(strategy.rawValue)\(replicas)")
        }
        if let term = explanation.affinityTerm { lines.append("Cluster affinity term in force: \"\(term)\"") }
        if let error = explanation.error { lines.append("Error: \(error)") }
        if let rollout = explanation.rollout {
            lines.append("Rollout: RolloutPolicy \(rollout) promotes changes stage by stage (stage of each cluster below)")
        }
        lines.append("")
        lines.append("Policies:")
        if explanation.policies.isEmpty { lines.append("  (none in the template's namespace or cluster-wide)") }
        for policy in explanation.policies {
            let selector = policy.selector.map { ", \($0)" } ?? ""
            lines.append("  \(policy.chosen ? "*" : "-") \(policy.policy.description)  priority "
                         + "\(policy.explicitPriority), \(Scheduler.describe(policy.match))\(selector)")
            lines.append("      \(policy.verdict)")
        }
        lines.append("")
        lines.append("Clusters:")
        for cluster in explanation.clusters {
            let state = cluster.selected ? "+ \(cluster.cluster)" + (cluster.replicas.map { "  \(replicasText($0))" }
                                                                      ?? "  placed")
                : "- \(cluster.cluster)"
            let stage = explanation.stages[cluster.cluster].map { "  [stage \($0)]" } ?? ""
            lines.append("  \(state)\(stage)  \(cluster.outcome.joined(separator: "; "))")
            if let had = cluster.previousReplicas { lines.append("      previously: \(replicasText(had))") }
            for verdict in cluster.filters { lines.append("      \(filterLine(verdict))") }
            if let available = cluster.availableReplicas {
                lines.append("      available replicas: \(availableText(available))")
                for step in cluster.arithmetic { lines.append("        \(step)") }
            }
            for step in cluster.overrides { lines.append("      override \(overrideLine(step))") }
        }
        if let division = explanation.division {
            lines.append("")
            lines.append("Division: \(division.strategy.rawValue), \(replicasText(division.replicas))")
            lines.append("  \(division.method)")
            let rows = [["cluster", "weight", "kept", "ideal", "replicas"]] + division.shares.map(shareLine)
            let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let padded = row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ",
                                                                       startingAt: 0) }
                lines.append(("  " + padded.joined(separator: "  ")).trimmingTrailingSpaces())
            }
            if let ties = division.tieBreak { lines.append("  Ties: \(ties)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The explanation for a pull request comment.
    public static func markdown(_ explanation: Explanation) -> String {
        let escape = PlanRendering.escape
        let (title, location) = header(explanation)
        var lines = ["## Why `\(title)` goes where it does", "", "Source: `\(location)`. Placed by: "
                     + escape(explanation.placedBy) + "."]
        if let strategy = explanation.strategy {
            lines.append("Replica scheduling: \(strategy.rawValue)"
                         + (explanation.replicas.map { ", \(replicasText($0))" } ?? "") + ".")
        }
        if let term = explanation.affinityTerm { lines.append("Cluster affinity term in force: `\(term)`.") }
        if let error = explanation.error { lines += ["", "❌ \(escape(error))"] }
        if let rollout = explanation.rollout {
            lines.append("Rollout: RolloutPolicy `\(rollout)` promotes changes stage by stage; stages: "
                         + explanation.stages.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }
                            .joined(separator: ", ") + ".")
        }
        lines += ["", "### Policies", "", "| | Policy | Priority | Match | Verdict |", "|---|---|---|---|---|"]
        for policy in explanation.policies {
            lines.append("| \(policy.chosen ? "✅" : "") | \(escape(policy.policy.description)) | "
                         + "\(policy.explicitPriority) | \(Scheduler.describe(policy.match))"
                         + (policy.selector.map { " (`\($0)`)" } ?? "") + " | \(escape(policy.verdict)) |")
        }
        lines += ["", "### Clusters", "", "| Cluster | Replicas | Filters | Available | Why |", "|---|---|---|---|---|"]
        for cluster in explanation.clusters {
            let replicas = cluster.selected ? (cluster.replicas.map(String.init) ?? "✓") : "—"
            let filters = cluster.filters.map { "\($0.passed ? "✓" : "✗") \($0.filter)"
                + ($0.passed ? "" : ": \(escape($0.detail))") }.joined(separator: "<br>")
            let available = cluster.availableReplicas.map { "\(availableText($0))<br>" + cluster.arithmetic.map(escape)
                .joined(separator: "<br>") } ?? "—"
            lines.append("| \(cluster.cluster) | \(replicas) | \(filters) | \(available) | "
                         + escape(cluster.outcome.joined(separator: "; ")) + " |")
        }
        if let division = explanation.division {
            lines += ["", "### Division", "", escape(division.method), "",
                      "| Cluster | Weight | Kept | Ideal | Replicas |", "|---|---|---|---|---|"]
            for share in division.shares {
                lines.append("| " + shareLine(share).map(escape).joined(separator: " | ") + " |")
            }
            if let ties = division.tieBreak { lines += ["", "Ties: " + escape(ties)] }
        }
        let overrides = explanation.clusters.filter { !$0.overrides.isEmpty }
        if !overrides.isEmpty {
            lines += ["", "### Overrides", ""]
            for cluster in overrides {
                for step in cluster.overrides {
                    lines.append("- **\(cluster.cluster)**: " + escape(overrideLine(step)))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The explanation as one JSON object (keys sorted).
    public static func json(_ explanation: Explanation) -> String {
        func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        var document: [String: JSONValue] = [
            "template": PlanRendering.templateJSON(explanation.template),
            "location": .string(explanation.template.location.description),
            "placedBy": .string(explanation.placedBy),
            "strategy": optional(explanation.strategy?.rawValue),
            "replicas": explanation.replicas.map { .int(Int64($0)) } ?? .null,
            "affinityTerm": optional(explanation.affinityTerm),
            "error": optional(explanation.error),
        ]
        document["policies"] = .array(explanation.policies.map { policy in
            .object(["kind": .string(policy.policy.kind), "namespace": optional(policy.policy.namespace),
                     "name": .string(policy.policy.name), "explicitPriority": .int(Int64(policy.explicitPriority)),
                     "match": .string(policy.match.description), "selector": optional(policy.selector),
                     "chosen": .bool(policy.chosen), "verdict": .string(policy.verdict)])
        })
        document["clusters"] = .array(explanation.clusters.map { cluster in
            .object([
                "name": .string(cluster.cluster), "selected": .bool(cluster.selected),
                "replicas": cluster.replicas.map { .int(Int64($0)) } ?? .null,
                "previousReplicas": cluster.previousReplicas.map { .int(Int64($0)) } ?? .null,
                "filters": .array(cluster.filters.map {
                    .object(["filter": .string($0.filter), "passed": .bool($0.passed), "detail": .string($0.detail)])
                }),
                "availableReplicas": cluster.availableReplicas.map(JSONValue.int) ?? .null,
                "arithmetic": .array(cluster.arithmetic.map(JSONValue.string)),
                "outcome": .array(cluster.outcome.map(JSONValue.string)),
                "overrides": .array(cluster.overrides.map {
                    .object(["rule": .string($0.rule), "overriders": .array($0.overriders.map(JSONValue.string)),
                             "fields": .array($0.fields.map(JSONValue.string))])
                }),
            ])
        })
        document["division"] = explanation.division.map { division in
            .object([
                "strategy": .string(division.strategy.rawValue), "replicas": .int(Int64(division.replicas)),
                "method": .string(division.method), "divided": .int(Int64(division.divided)),
                "tieBreak": optional(division.tieBreak),
                "shares": .array(division.shares.map { share in
                    .object(["cluster": .string(share.cluster), "weight": share.weight.map(JSONValue.int) ?? .null,
                             "weightSource": .string(share.weightSource), "kept": .int(Int64(share.kept)),
                             "ideal": optional(share.ideal), "replicas": .int(Int64(share.replicas))])
                }),
            ])
        } ?? .null
        if let rollout = explanation.rollout {
            document["rollout"] = .object(["policy": .string(rollout),
                                           "stages": .object(explanation.stages.mapValues(JSONValue.string))])
        }
        return JSONValue.object(document).prettyJSON() + "\n"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
