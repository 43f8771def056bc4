import FlotillaModel
import FlotillaPlacement

/// What a revision changes on one cluster for one template.
public struct WorkChange: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable {
        case create, update, delete, unchanged
    }

    public var template: ResourceIdentity
    public var apiVersion: String
    public var cluster: String
    public var action: Action
    public var replicasBefore: Int32?
    public var replicasAfter: Int32?
    /// The field paths that differ (updates only).
    public var fields: [String]
}

/// Compares the plans of two revisions, per template and cluster: clusters gained and lost, replicas before and
/// after, and the fields of each work that change. Deletions come first.
public enum PlanComparison {
    /// Annotations that change with every revision and say nothing about the work itself.
    static let ignoredFields: Set<String> = ["metadata.annotations.flotilla.dev/source"]

    public static func changes(from base: Plan, to head: Plan) -> [WorkChange] {
        let before = Dictionary(base.placements.map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(head.placements.map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [WorkChange] = []
        for identity in Set(before.keys).union(after.keys).sorted() {
            let old = before[identity]
            let new = after[identity]
            let apiVersion = (new ?? old)!.template.apiVersion
            let oldReplicas = Dictionary(old?.clusters.map { ($0.name, $0.replicas) } ?? [], uniquingKeysWith: +)
            let newReplicas = Dictionary(new?.clusters.map { ($0.name, $0.replicas) } ?? [], uniquingKeysWith: +)
            let clusters = Set(old?.works.keys.map { $0 } ?? []).union(new?.works.keys.map { $0 } ?? []).sorted()
            for cluster in clusters {
                let previous = old?.works[cluster]
                let next = new?.works[cluster]
                let action: WorkChange.Action
                var fields: [String] = []
                switch (previous, next) {
                case (nil, _?): action = .create
                case (_?, nil): action = .delete
                default:
                    fields = FieldDiff.paths(previous, next, ignoring: ignoredFields)
                    action = fields.isEmpty ? .unchanged : .update
                }
                changes.append(WorkChange(
                    template: identity, apiVersion: apiVersion, cluster: cluster, action: action,
                    replicasBefore: (old?.hasReplicas ?? false) && previous != nil ? oldReplicas[cluster] : nil,
                    replicasAfter: (new?.hasReplicas ?? false) && next != nil ? newReplicas[cluster] : nil,
                    fields: fields))
            }
        }
        return changes.filter { $0.action == .delete } + changes.filter { $0.action != .delete }
    }

    /// Whether any work is created, updated or deleted.
    public static func hasChanges(_ changes: [WorkChange]) -> Bool {
        changes.contains { $0.action != .unchanged }
    }
}
