import Foundation

/// The commit trailer that lets a revision's deletions through the mass-deletion guard on the clusters it names:
/// `Flotilla-Allow-Prune: <cluster>[, <cluster>...]` or `Flotilla-Allow-Prune: all`, on the commit that causes the
/// deletion (authorised by whoever may push to the branch, as every other change is). Pure.
public struct PruneAllowance: Sendable, Hashable {
    /// The trailer's key.
    public static let trailer = "Flotilla-Allow-Prune"

    /// The clusters named, or nil for `all`.
    public var clusters: Set<String>?

    /// The allowance of a commit message: the trailers of its last paragraph (git's rule), every
    /// `Flotilla-Allow-Prune` line; nil when there is none.
    public init?(message: String) {
        let paragraphs = message.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\n\n")
        guard paragraphs.count > 1, let last = paragraphs.last else { return nil }
        var named: Set<String> = []
        var all = false
        var found = false
        for line in last.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].caseInsensitiveCompare(Self.trailer) == .orderedSame else { continue }
            found = true
            for name in parts[1].split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                if name == "all" { all = true } else { named.insert(name) }
            }
        }
        guard found else { return nil }
        clusters = all ? nil : named
    }

    /// Whether the deletions on `cluster` may pass the guard.
    public func allows(_ cluster: String) -> Bool { clusters?.contains(cluster) ?? true }

    /// The trailer line that would release a hold on `cluster`.
    public static func line(for cluster: String) -> String { "\(trailer): \(cluster)" }
}
