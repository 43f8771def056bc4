import FlotillaModel

/// Renders the changes between two revisions for `plan --base`.
public enum ChangeRendering {
    static func title(_ change: WorkChange) -> String {
        let kind = change.template.group.isEmpty ? change.template.kind : "\(change.template.kind).\(change.template.group)"
        return change.template.namespace.map { "\(kind) \($0)/\(change.template.name)" }
            ?? "\(kind) \(change.template.name)"
    }

    static func replicas(_ change: WorkChange) -> String {
        guard change.replicasBefore != nil || change.replicasAfter != nil else { return "" }
        let before = change.replicasBefore.map(String.init) ?? "-"
        let after = change.replicasAfter.map(String.init) ?? "-"
        return before == after ? before : "\(before) → \(after)"
    }

    static let symbols: [WorkChange.Action: String] = [.create: "+", .update: "~", .delete: "-", .unchanged: "="]

    /// Lines for a terminal: deletions first, unchanged works left out.
    public static func text(_ changes: [WorkChange], base: String) -> String {
        let shown = changes.filter { $0.action != .unchanged }
        var lines = ["", "Changes against \(base): \(shown.count == 0 ? "none" : "\(shown.count)")"]
        for change in shown {
            var line = "  \(symbols[change.action]!) \(change.action.rawValue) \(title(change)) on \(change.cluster)"
            let count = replicas(change)
            if !count.isEmpty { line += "  replicas \(count)" }
            if !change.fields.isEmpty { line += "  fields: \(change.fields.joined(separator: ", "))" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A table for a pull request.
    public static func markdown(_ changes: [WorkChange], base: String) -> String {
        let shown = changes.filter { $0.action != .unchanged }
        var lines = ["", "### Changes against `\(base)`", ""]
        if shown.isEmpty {
            lines.append("No work changes on any cluster.")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append("| Action | Template | Cluster | Replicas | Fields |")
        lines.append("|---|---|---|---|---|")
        for change in shown {
            let fields = change.fields.map { "`\($0)`" }.joined(separator: ", ")
            lines.append("| \(change.action.rawValue) | \(title(change)) | \(change.cluster) | \(replicas(change)) | \(fields) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The `changes` array of the plan JSON.
    public static func json(_ changes: [WorkChange]) -> JSONValue {
        .array(changes.map { change in
            .object([
                "template": .object(["apiVersion": .string(change.apiVersion), "kind": .string(change.template.kind),
                                     "namespace": change.template.namespace.map(JSONValue.string) ?? .null,
                                     "name": .string(change.template.name)]),
                "cluster": .string(change.cluster),
                "action": .string(change.action.rawValue),
                "replicas": .object(["before": change.replicasBefore.map { .int(Int64($0)) } ?? .null,
                                     "after": change.replicasAfter.map { .int(Int64($0)) } ?? .null]),
                "fields": .array(change.fields.map(JSONValue.string)),
            ])
        })
    }
}
