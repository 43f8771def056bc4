import FlotillaModel

/// What `flotilla plan --base` warns about before the daemon would hold it: per cluster, the works a change deletes
/// against those the cluster had, with the daemon's guard (an empty cluster, or more than `guardPercent` percent
/// deleted, is held until a commit carries the `Flotilla-Allow-Prune` trailer for the cluster). A pure function of
/// the plan comparison.
public enum PruneGuardCheck {
    /// A cluster whose deletions the daemon would hold.
    public struct Warning: Sendable, Hashable, CustomStringConvertible {
        public var cluster: String
        public var deleting: Int
        public var owned: Int
        /// The head commit carries the trailer that lets them through.
        public var allowed: Bool
        public var trailer: String

        public var description: String {
            let share = Int((Double(deleting) * 100 / Double(max(owned, 1))).rounded())
            let what = "\(cluster): the change deletes \(deleting) of \(owned) works (\(share)%)"
            return allowed ? "\(what); allowed by the commit's trailer `\(trailer)`"
                : "\(what); the daemon's prune guard would hold it until a commit carries `\(trailer)`"
        }
    }

    /// The clusters of `changes` whose deletions trip the guard, sorted by cluster. `trailer(cluster)` is the line that
    /// releases a cluster, `allowed(cluster)` whether the head commit carries it.
    public static func warnings(_ changes: [WorkChange], guardPercent: Double, trailer: (String) -> String,
                                allowed: (String) -> Bool) -> [Warning] {
        var owned: [String: Int] = [:]
        var deleting: [String: Int] = [:]
        var kept: [String: Int] = [:]
        for change in changes {
            switch change.action {
            case .create: kept[change.cluster, default: 0] += 1
            case .delete:
                owned[change.cluster, default: 0] += 1
                deleting[change.cluster, default: 0] += 1
            case .update, .unchanged:
                owned[change.cluster, default: 0] += 1
                kept[change.cluster, default: 0] += 1
            }
        }
        return deleting.keys.sorted().compactMap { cluster in
            let count = deleting[cluster] ?? 0
            let total = owned[cluster] ?? 0
            let emptied = (kept[cluster] ?? 0) == 0
            guard emptied || Double(count) * 100 / Double(max(total, 1)) > guardPercent else { return nil }
            return Warning(cluster: cluster, deleting: count, owned: total, allowed: allowed(cluster),
                           trailer: trailer(cluster))
        }
    }

    /// The warnings as plan text (an empty string when there are none).
    public static func text(_ warnings: [Warning]) -> String {
        warnings.isEmpty ? "" : "\nPrune guard:\n" + warnings.map { "  \($0)\n" }.joined()
    }

    /// The warnings as a pull request comment's section (an empty string when there are none).
    public static func markdown(_ warnings: [Warning]) -> String {
        warnings.isEmpty ? "" : "\n### Prune guard\n\n" + warnings.map { "- \($0)\n" }.joined()
    }

    /// The warnings as JSON.
    public static func json(_ warnings: [Warning]) -> JSONValue {
        .array(warnings.map { warning in
            .object(["cluster": .string(warning.cluster), "deleting": .int(Int64(warning.deleting)),
                     "owned": .int(Int64(warning.owned)), "allowed": .bool(warning.allowed),
                     "trailer": .string(warning.trailer), "message": .string(warning.description)])
        })
    }
}
