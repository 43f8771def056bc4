import FlotillaModel
import FlotillaPlacement
import Foundation

/// What survives a restart, kept in the cache folder: the revision in force and each template's last successful
/// placement (sticky scheduling). Held deletions need no record of their own: the guard decides them again from
/// each cluster's inventory, which lives in the cluster. Written atomically; a missing or unreadable file is an
/// empty state (a cold start), never an error.
public struct PersistedState: Sendable, Equatable {
    /// The source the state belongs to (another repository, ref or path starts cold).
    public var source: String
    /// The last revision that validated and was handed to the clusters.
    public var revision: String?
    /// Template (`ResourceIdentity.description`) → clusters and replicas, sorted.
    public var placements: [String: [TargetCluster]]
    /// The WorkloadRebalancer runs done, by run key (a rebalancer's name and workload).
    public var rebalanced: [String: RebalanceRuns.Record] = [:]
    /// The taints ClusterTaintPolicies put on each cluster (they stay until a policy's remove conditions match, as
    /// on Karmada's Cluster objects, across restarts too).
    public var taints: [String: [Taint]] = [:]
    /// The replicas FederatedHPAs and cron rules set on templates (so a restart does not fall back to the source's).
    public var autoscaled: [String: ScaledTemplate] = [:]
    /// Application failover's eviction tasks (the evicted workload stays off its cluster across restarts).
    public var evictions: [PersistedEviction] = []
    /// RolloutPolicies' progress (which revision each stage's clusters have), by policy name.
    public var rollouts: [String: RolloutProgress] = [:]

    public init(source: String, revision: String?, placements: [String: [TargetCluster]],
                rebalanced: [String: RebalanceRuns.Record] = [:], taints: [String: [Taint]] = [:],
                autoscaled: [String: ScaledTemplate] = [:], evictions: [PersistedEviction] = [],
                rollouts: [String: RolloutProgress] = [:]) {
        self.rollouts = rollouts
        self.evictions = evictions
        self.autoscaled = autoscaled
        self.taints = taints
        self.source = source
        self.revision = revision
        self.placements = placements
        self.rebalanced = rebalanced
    }

    /// The file of an instance in a cache folder.
    public static func path(cacheRoot: String, instance: String) -> String {
        URL(fileURLWithPath: cacheRoot).appendingPathComponent("\(instance)-state.txt").path
    }

    /// Reads the state for `source`; nil when there is none, it is unreadable, or it belongs to another source.
    public static func load(path: String, source: String) -> PersistedState? {
        guard let data = FileManager.default.contents(atPath: path), let state = decode(String(decoding: data, as: UTF8.self)),
              state.source == source else { return nil }
        return state
    }

    /// Writes the state atomically.
    public func save(path: String) throws {
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        try Data(encoded().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// A line-based text (thousands of templates encode in milliseconds, and the same state gives the same bytes):
    /// a header, `source`, `revision`, then one line per template, `<template>\t<cluster>=<replicas>,...`, sorted.
    public func encoded() -> String {
        var lines = [Self.header, "source\t\(source)", "revision\t\(revision ?? "")"]
        for (template, clusters) in placements.sorted(by: { $0.key < $1.key }) {
            lines.append("\(template)\t" + clusters.map { "\($0.name)=\($0.replicas)" }.joined(separator: ","))
        }
        // Rebalancer runs: `!rebalanced <name> <workload> <finished, unix seconds> <result> <reason>`.
        for (key, record) in rebalanced.sorted(by: { $0.key < $1.key }) {
            let reason = (record.reason ?? "").map { $0 == "\t" || $0 == "\n" ? " " : $0 }
            let finished = Int(record.finishedAt.timeIntervalSince1970)
            lines.append("\(Self.rebalancedPrefix)\(key)\t\(finished)\t\(record.result)\t" + String(reason))
        }
        // Policy taints: `!taint <cluster> <key> <value> <effect> <timeAdded>`.
        for cluster in taints.keys.sorted() {
            for taint in taints[cluster] ?? [] {
                lines.append("\(Self.taintPrefix)\(cluster)\t\(taint.key)\t\(taint.value ?? "")\t\(taint.effect.rawValue)\t"
                             + (taint.timeAdded ?? ""))
            }
        }
        // Autoscaled templates: `!autoscaled <template> <replicas> <by>`.
        for (template, scaled) in autoscaled.sorted(by: { $0.key < $1.key }) {
            lines.append("\(Self.autoscaledPrefix)\(template)\t\(scaled.replicas)\t\(scaled.by)")
        }
        // Eviction tasks: `!evicted <template> <cluster> <reason> <purgeMode> <grace or -> <created> <fingerprint>`.
        for task in evictions.sorted(by: { ($0.template, $0.cluster) < ($1.template, $1.cluster) }) {
            lines.append("\(Self.evictedPrefix)\(task.template)\t\(task.cluster)\t\(task.reason)\t\(task.purgeMode)\t"
                         + "\(task.gracePeriodSeconds.map { String(Int($0)) } ?? "-")\t\(Int(task.createdAt.timeIntervalSince1970))\t"
                         + "\(task.fingerprint)" + Self.preservedFields(task))
        }
        // Rollouts: `!rollout <name> <progress as sorted JSON>`.
        for (name, progress) in rollouts.sorted(by: { $0.key < $1.key }) {
            lines.append("\(Self.rolloutPrefix)\(name)\t\(Self.json(progress))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A rollout's progress as one line of sorted JSON (dates as Unix seconds).
    static func json(_ progress: RolloutProgress) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return (try? encoder.encode(progress)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The state of an `encoded()` text; nil when it is not one.
    public static func decode(_ text: String) -> PersistedState? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard lines.popFirst() == Substring(header) else { return nil }
        func field(_ name: String) -> String? {
            guard let line = lines.popFirst(), line.hasPrefix(name + "\t") else { return nil }
            return String(line.dropFirst(name.count + 1))
        }
        guard let source = field("source"), let revision = field("revision") else { return nil }
        var placements: [String: [TargetCluster]] = [:]
        var rebalanced: [String: RebalanceRuns.Record] = [:]
        var taints: [String: [Taint]] = [:]
        var autoscaled: [String: ScaledTemplate] = [:]
        var evictions: [PersistedEviction] = []
        var rollouts: [String: RolloutProgress] = [:]
        for line in lines where !line.isEmpty {
            if line.hasPrefix(rolloutPrefix) {
                let fields = line.dropFirst(rolloutPrefix.count).split(separator: "\t", maxSplits: 1)
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .secondsSince1970
                guard fields.count == 2,
                      let progress = try? decoder.decode(RolloutProgress.self, from: Data(fields[1].utf8)) else { return nil }
                rollouts[String(fields[0])] = progress
                continue
            }
            if line.hasPrefix(evictedPrefix) {
                let fields = line.dropFirst(evictedPrefix.count).split(separator: "\t", omittingEmptySubsequences: false)
                    .map(String.init)
                guard fields.count == 7 || fields.count == 9, let created = Double(fields[5]),
                      let fingerprint = Int(fields[6]) else { return nil }
                var task = PersistedEviction(template: fields[0], cluster: fields[1], reason: fields[2],
                                             purgeMode: fields[3], gracePeriodSeconds: Double(fields[4]),
                                             createdAt: Date(timeIntervalSince1970: created), fingerprint: fingerprint)
                if fields.count == 9 {
                    task.clustersBeforeFailover = fields[7].split(separator: ",").map(String.init)
                    task.preservedLabelState = try? JSONDecoder().decode([String: String].self, from: Data(fields[8].utf8))
                }
                evictions.append(task)
                continue
            }
            if line.hasPrefix(autoscaledPrefix) {
                let fields = line.dropFirst(autoscaledPrefix.count).split(separator: "\t", omittingEmptySubsequences: false)
                guard fields.count == 3, let replicas = Int32(fields[1]) else { return nil }
                autoscaled[String(fields[0])] = ScaledTemplate(replicas: replicas, by: String(fields[2]))
                continue
            }
            if line.hasPrefix(taintPrefix) {
                let fields = line.dropFirst(taintPrefix.count).split(separator: "\t", omittingEmptySubsequences: false)
                guard fields.count == 5, let effect = TaintEffect(rawValue: String(fields[3])) else { return nil }
                taints[String(fields[0]), default: []].append(Taint(
                    key: String(fields[1]), value: fields[2].isEmpty ? nil : String(fields[2]), effect: effect,
                    timeAdded: fields[4].isEmpty ? nil : String(fields[4])))
                continue
            }
            if line.hasPrefix(rebalancedPrefix) {
                let fields = line.dropFirst(rebalancedPrefix.count)
                    .split(separator: "\t", omittingEmptySubsequences: false)
                guard fields.count == 5, let seconds = Double(fields[2]) else { return nil }
                rebalanced["\(fields[0])\t\(fields[1])"] = RebalanceRuns.Record(
                    finishedAt: Date(timeIntervalSince1970: seconds), result: String(fields[3]),
                    reason: fields[4].isEmpty ? nil : String(fields[4]))
                continue
            }
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            var clusters: [TargetCluster] = []
            for entry in parts[1].split(separator: ",") {
                let pair = entry.split(separator: "=")
                guard pair.count == 2, let replicas = Int32(pair[1]) else { return nil }
                clusters.append(TargetCluster(name: String(pair[0]), replicas: replicas))
            }
            placements[String(parts[0])] = clusters
        }
        return PersistedState(source: source, revision: revision.isEmpty ? nil : revision, placements: placements,
                              rebalanced: rebalanced, taints: taints, autoscaled: autoscaled, evictions: evictions,
                              rollouts: rollouts)
    }

    static let header = "# flotilla state v1"
    /// Marks a rebalancer run's line (no template's description starts with `!`).
    static let rebalancedPrefix = "!rebalanced\t"
    /// Marks a policy taint's line.
    static let taintPrefix = "!taint\t"
    /// Marks an eviction task's line.
    static let evictedPrefix = "!evicted\t"
    /// Marks a rollout's line.
    static let rolloutPrefix = "!rollout\t"

    /// A task's preserved state, as two more fields (`clusters,before` and the labels as sorted JSON), or nothing.
    static func preservedFields(_ task: PersistedEviction) -> String {
        guard let labels = task.preservedLabelState else { return "" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(labels)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "\t\((task.clustersBeforeFailover ?? []).joined(separator: ","))\t\(json)"
    }
    /// Marks an autoscaled template's line.
    static let autoscaledPrefix = "!autoscaled\t"

    /// The placements keyed by identity, for the scheduler's `previous`.
    public func previousPlacements(of templates: [ResourceIdentity]) -> [ResourceIdentity: [TargetCluster]] {
        var result: [ResourceIdentity: [TargetCluster]] = [:]
        for identity in templates { if let clusters = placements[identity.description] { result[identity] = clusters } }
        return result
    }
}

/// Replicas an autoscaler or a cron rule set on a template, and which one (`FederatedHPA ns/name`,
/// `CronFederatedHPA ns/name`).
public struct ScaledTemplate: Sendable, Hashable {
    public var replicas: Int32
    public var by: String

    public init(replicas: Int32, by: String) {
        self.replicas = replicas
        self.by = by
    }
}

/// An eviction task as the state file keeps it (`EvictionBook.Task`).
public struct PersistedEviction: Sendable, Hashable {
    public var template: String
    public var cluster: String
    public var reason: String
    public var purgeMode: String
    public var gracePeriodSeconds: Double?
    public var createdAt: Date
    public var fingerprint: Int
    /// `statePreservation`'s labels, read from the workload's status on the cluster it left.
    public var preservedLabelState: [String: String]?
    /// Where the workload ran before the eviction (kept with `preservedLabelState`).
    public var clustersBeforeFailover: [String]?

    public init(template: String, cluster: String, reason: String, purgeMode: String, gracePeriodSeconds: Double?,
                createdAt: Date, fingerprint: Int, preservedLabelState: [String: String]? = nil,
                clustersBeforeFailover: [String]? = nil) {
        self.preservedLabelState = preservedLabelState
        self.clustersBeforeFailover = clustersBeforeFailover
        self.template = template
        self.cluster = cluster
        self.reason = reason
        self.purgeMode = purgeMode
        self.gracePeriodSeconds = gracePeriodSeconds
        self.createdAt = createdAt
        self.fingerprint = fingerprint
    }
}
