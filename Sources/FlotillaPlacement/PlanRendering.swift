import FlotillaModel

/// Renders a plan for people (text, markdown for pull requests) and for programs (JSON, the schema of DESIGN.md
/// section 7). Secret values never appear: they are redacted. Output is sorted, so it is byte-for-byte stable.
public enum PlanRendering {
    /// What a Secret's values are replaced with.
    public static let redacted = "<redacted>"

    /// The object with Secret `data` and `stringData` values redacted.
    public static func redactingSecrets(_ object: JSONValue) -> JSONValue {
        guard object["kind"]?.stringValue == "Secret", (object["apiVersion"]?.stringValue ?? "") == "v1" else {
            return object
        }
        var result = object
        for field in ["data", "stringData"] {
            if let members = result[field]?.objectValue {
                result[field] = .object(members.mapValues { _ in .string(redacted) })
            }
        }
        return result
    }

    static func templateJSON(_ template: KubernetesObject) -> JSONValue {
        var members: [String: JSONValue] = ["apiVersion": .string(template.apiVersion), "kind": .string(template.kind),
                                            "name": .string(template.name)]
        members["namespace"] = template.namespace.map(JSONValue.string) ?? .null
        return .object(members)
    }

    static func identityJSON(_ identity: ResourceIdentity) -> JSONValue {
        .object(["group": .string(identity.group), "kind": .string(identity.kind),
                 "namespace": identity.namespace.map(JSONValue.string) ?? .null, "name": .string(identity.name)])
    }

    /// The plan as one JSON object.
    /// `extra` members (another check's findings) join the document's top level.
    public static func json(_ plan: Plan, errors: [ManifestError] = [], changes: JSONValue? = nil,
                            quotaViolations: [QuotaCheck.Violation] = [], extra: [String: JSONValue] = [:]) -> String {
        var placements: [JSONValue] = []
        for placement in plan.placements {
            var members: [String: JSONValue] = ["template": templateJSON(placement.template)]
            members["policy"] = placement.policy.map { policy in
                .object(["kind": .string(policy.kind), "namespace": policy.namespace.map(JSONValue.string) ?? .null,
                         "name": .string(policy.name)])
            } ?? .null
            members["clusters"] = .array(placement.clusters.map { target in
                .object(["name": .string(target.name),
                         "replicas": placement.hasReplicas ? .int(Int64(target.replicas)) : .null])
            })
            members["decisions"] = .array(placement.decisions.map { decision in
                .object(["cluster": .string(decision.cluster), "selected": .bool(decision.selected),
                         "replicas": decision.replicas.map { .int(Int64($0)) } ?? .null,
                         "reasons": .array(decision.reasons.map(JSONValue.string))])
            })
            members["overrides"] = .object(placement.overrides.mapValues { rules in
                .array(rules.map { .string(describe($0)) })
            })
            members["works"] = .object(placement.works.mapValues(redactingSecrets))
            members["error"] = placement.error.map(JSONValue.string) ?? .null
            if let priority = placement.priority { members["priority"] = .int(priority) }
            placements.append(.object(members))
        }
        let document: JSONValue = .object([
            "revision": plan.revision.map(JSONValue.string) ?? .null,
            "errors": .array(errors.map { error in
                .object(["file": .string(error.location.file), "line": .int(Int64(error.location.line)),
                         "message": .string(error.message)])
            }),
            "placements": .array(placements),
            "unplaced": .array(plan.unplaced.map(identityJSON)),
            "quotaViolations": .array(quotaViolations.map { violation in
                .object(["quota": .string(violation.quota), "resource": .string(violation.resource),
                         "used": .int(violation.used), "allowed": .int(violation.allowed),
                         "message": .string(violation.description)])
            }),
        ])
        var withChanges = document
        if let changes { withChanges["changes"] = changes }
        for (key, value) in extra { withChanges[key] = value }
        return withChanges.prettyJSON() + "\n"
    }

    static func describe(_ rule: AppliedOverride) -> String {
        let scope = rule.policyNamespace.map { "\($0)/" } ?? ""
        return "\(rule.policyKind) \(scope)\(rule.policyName) rule \(rule.ruleIndex)"
    }

    static func title(_ template: KubernetesObject) -> String {
        let kind = template.group.isEmpty ? template.kind : "\(template.kind).\(template.group)"
        return template.namespace.map { "\(kind) \($0)/\(template.name)" } ?? "\(kind) \(template.name)"
    }

    /// The plan for a terminal: one block per template, one line per cluster with replicas or the reason.
    public static func text(_ plan: Plan) -> String {
        var lines: [String] = []
        lines.append("Revision: \(plan.revision.map { String($0.prefix(12)) } ?? "(working tree)")")
        let failed = plan.placements.filter { $0.error != nil }.count
        lines.append("\(plan.placements.count) templates placed, \(failed) failed, \(plan.unplaced.count) not selected by any policy")
        let width = plan.placements.flatMap(\.decisions).map(\.cluster.count).max() ?? 0
        for placement in plan.placements {
            lines.append("")
            let policy = placement.policy.map { "  (\($0.description))" } ?? ""
            lines.append(title(placement.template) + policy)
            if let error = placement.error { lines.append("  error: \(error)") }
            if let priority = placement.priority { lines.append("  schedule priority: \(priority)") }
            for decision in placement.decisions {
                let name = decision.cluster.padding(toLength: width, withPad: " ", startingAt: 0)
                if decision.selected {
                    let replicas = decision.replicas.map { "\($0) replica\($0 == 1 ? "" : "s")" } ?? "placed"
                    lines.append("  + \(name)  \(replicas)  \(decision.reasons.joined(separator: "; "))")
                } else {
                    lines.append("  - \(name)  \(decision.reasons.joined(separator: "; "))")
                }
            }
            for cluster in placement.overrides.keys.sorted() {
                let rules = placement.overrides[cluster]!.map(describe).joined(separator: ", ")
                lines.append("  overrides on \(cluster): \(rules)")
            }
        }
        if !plan.unplaced.isEmpty {
            lines.append("")
            lines.append("Not selected by any policy (not propagated):")
            for identity in plan.unplaced { lines.append("  \(identity)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The plan for a pull request comment: a table per namespace (app), a row per template and cluster.
    public static func markdown(_ plan: Plan) -> String {
        var lines = ["## Flotilla plan" + (plan.revision.map { " for `\($0.prefix(12))`" } ?? "")]
        let groups = Dictionary(grouping: plan.placements) { $0.template.namespace ?? "" }
        for namespace in groups.keys.sorted() {
            lines.append("")
            lines.append(namespace.isEmpty ? "### Cluster-scoped" : "### `\(namespace)`")
            lines.append("")
            lines.append("| Template | Cluster | Replicas | Why |")
            lines.append("|---|---|---|---|")
            for placement in groups[namespace]! {
                let name = placement.template.group.isEmpty ? placement.template.kind
                    : "\(placement.template.kind).\(placement.template.group)"
                if let error = placement.error {
                    lines.append("| \(name) `\(placement.template.name)` | — | — | ❌ \(escape(error)) |")
                }
                for decision in placement.decisions {
                    let replicas = decision.selected ? (decision.replicas.map(String.init) ?? "✓") : "—"
                    lines.append("| \(name) `\(placement.template.name)` | \(decision.cluster) | \(replicas) | "
                                 + escape(decision.reasons.joined(separator: "; ")) + " |")
                }
            }
        }
        if !plan.unplaced.isEmpty {
            lines.append("")
            lines.append("Not selected by any policy: " + plan.unplaced.map { "`\($0)`" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
}
