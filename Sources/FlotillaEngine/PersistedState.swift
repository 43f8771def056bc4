import FlotillaModel
import FlotillaPlacement
import Foundation

/// What survives a restart, kept in the cache folder: the revision in force and each template's last successful
/// placement (sticky scheduling). Held deletions need no record of their own: the guard decides them again from
/// each cluster's inventory, which lives in the cluster. Written atomically; a missing or unreadable file is an
/// empty state (a cold start), never an error.
public struct PersistedState: Codable, Sendable, Equatable {
    /// The source the state belongs to (another repository, ref or path starts cold).
    public var source: String
    /// The last revision that validated and was handed to the clusters.
    public var revision: String?
    /// Template (`ResourceIdentity.description`) → clusters and replicas, sorted.
    public var placements: [String: [TargetCluster]]

    public init(source: String, revision: String?, placements: [String: [TargetCluster]]) {
        self.source = source
        self.revision = revision
        self.placements = placements
    }

    /// The file of an instance in a cache folder.
    public static func path(cacheRoot: String, instance: String) -> String {
        URL(fileURLWithPath: cacheRoot).appendingPathComponent("\(instance)-state.json").path
    }

    /// Reads the state for `source`; nil when there is none, it is unreadable, or it belongs to another source.
    public static func load(path: String, source: String) -> PersistedState? {
        guard let data = FileManager.default.contents(atPath: path),
              let state = try? JSONDecoder().decode(PersistedState.self, from: data), state.source == source
        else { return nil }
        return state
    }

    /// Writes the state (sorted keys: the same state gives the same bytes).
    public func save(path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try encoder.encode(self)
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The placements keyed by identity, for the scheduler's `previous`.
    public func previousPlacements(of templates: [ResourceIdentity]) -> [ResourceIdentity: [TargetCluster]] {
        var result: [ResourceIdentity: [TargetCluster]] = [:]
        for identity in templates { if let clusters = placements[identity.description] { result[identity] = clusters } }
        return result
    }
}
