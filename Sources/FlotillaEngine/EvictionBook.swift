import FlotillaDiff
import FlotillaModel
import FlotillaPlacement
import Foundation

/// Karmada's eviction model, as the engine keeps it. Application failover: a workload unhealthy on a cluster for its
/// policy's `tolerationSeconds` gets an eviction task there, and the scheduler keeps it off that cluster (the
/// ClusterEviction filter) until the template or its policy changes, or a WorkloadRebalancer runs. Graceful purge:
/// when a workload leaves a cluster that is still reachable — evicted, or tainted NoExecute — its old work stays
/// there (draining) until the workload is healthy on every cluster it moved to, or the grace period passed
/// (`Gracefully`, 600 s by default); `Directly` removes it at once, `Never` keeps it until the template or policy
/// changes. A value the engine owns; every decision here is a function of its arguments.
struct EvictionBook: Sendable {
    /// An eviction task (Karmada's `gracefulEvictionTasks[]` entry) of a template from a cluster.
    struct Task: Sendable, Hashable, Codable {
        var template: String
        var cluster: String
        /// `ApplicationFailure` or `TaintUntolerated`.
        var reason: String
        var purgeMode: String
        var gracePeriodSeconds: Double?
        var createdAt: Date
        /// What the template and its policy were when the task was made (a change ends the eviction).
        var fingerprint: Int
        /// `statePreservation`: the labels read from the workload's status on the cluster it left, injected into
        /// the workload where it moved (Karmada's `preservedLabelState`).
        var preservedLabelState: [String: String]? = nil
        /// Where the workload ran before this eviction (Karmada's `clustersBeforeFailover`).
        var clustersBeforeFailover: [String]? = nil
    }

    /// A work kept on a cluster it is leaving, until its replacements are healthy.
    struct Draining: Sendable {
        var work: DesiredWork
        var template: ResourceIdentity
        var since: Date
        /// Nil: never removed by time (`Never`).
        var deadline: Date?
        /// `Never`: removed only when the eviction ends (the template or its policy changed).
        var never = false
        /// Why it leaves, for the status (a task's reason is the task's).
        var reason = "TaintUntolerated"
    }

    /// When each workload (`template` + `cluster`) was first seen unhealthy.
    var unhealthySince: [String: Date] = [:]
    /// Eviction tasks by template and cluster.
    var tasks: [ResourceIdentity: [String: Task]] = [:]
    /// Works kept on clusters they are leaving, by cluster.
    var draining: [String: [ObjectKey: Draining]] = [:]
    /// Evictions due but waiting for their `statePreservation` state (by `template|cluster`), and why.
    var waiting: [String: String] = [:]

    /// The tasks as the state file keeps them.
    var persisted: [PersistedEviction] {
        tasks.values.flatMap(\.values).map { task in
            PersistedEviction(template: task.template, cluster: task.cluster, reason: task.reason,
                              purgeMode: task.purgeMode, gracePeriodSeconds: task.gracePeriodSeconds,
                              createdAt: Date(timeIntervalSince1970: task.createdAt.timeIntervalSince1970.rounded(.down)),
                              fingerprint: task.fingerprint, preservedLabelState: task.preservedLabelState,
                              clustersBeforeFailover: task.clustersBeforeFailover)
        }
    }

    /// Takes back the tasks of the last run, for the templates of `templates` (by description).
    mutating func restore(_ saved: [PersistedEviction], templates: [ResourceIdentity]) {
        let byDescription = Dictionary(templates.map { ($0.description, $0) }, uniquingKeysWith: { first, _ in first })
        for entry in saved {
            guard let identity = byDescription[entry.template] else { continue }
            tasks[identity, default: [:]][entry.cluster] = Task(
                template: entry.template, cluster: entry.cluster, reason: entry.reason, purgeMode: entry.purgeMode,
                gracePeriodSeconds: entry.gracePeriodSeconds, createdAt: entry.createdAt, fingerprint: entry.fingerprint,
                preservedLabelState: entry.preservedLabelState, clustersBeforeFailover: entry.clustersBeforeFailover)
        }
    }

    /// Whether anything needs watching (the engine then looks every second).
    var active: Bool { !draining.isEmpty || !unhealthySince.isEmpty }

    /// The clusters the scheduler must keep each template off.
    var evicted: [ResourceIdentity: Set<String>] { tasks.mapValues { Set($0.keys) } }

    /// A template's fingerprint: its content (replicas left out: an autoscaler changes them) and its policy, as a
    /// stable FNV-1a hash of their canonical JSON (the same across restarts, so a persisted task stays valid).
    static func fingerprint(_ template: KubernetesObject, policy: PolicyChoice?) -> Int {
        var content = template.content
        content["spec"]?["replicas"] = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let spec = policy.flatMap { try? encoder.encode($0.spec) } ?? Data()
        var hash: UInt64 = 14695981039346656037
        let parts = [Data(content.canonicalJSON().utf8),
                     Data("\(policy?.kind.rawValue ?? "") \(policy?.namespace ?? "") \(policy?.name ?? "")".utf8), spec]
        for part in parts {
            for byte in part { hash = (hash ^ UInt64(byte)) &* 1099511628211 }
            hash = (hash ^ 0xff) &* 1099511628211
        }
        return Int(truncatingIfNeeded: hash)
    }

    /// Forgets the tasks of templates that changed or left (by their current fingerprints) and those a rebalance
    /// placed afresh; true when one was forgotten (the template may then go back).
    mutating func expire(fingerprints: [ResourceIdentity: Int], rebalanced: Set<ResourceIdentity>) -> Bool {
        let before = tasks.count
        tasks = tasks.filter { template, byCluster in
            !rebalanced.contains(template) && byCluster.values.allSatisfy { fingerprints[template] == $0.fingerprint }
        }
        // A work kept for good (`Never`) goes with its eviction.
        for (cluster, entries) in draining {
            for (key, entry) in entries where entry.never && tasks[entry.template]?[cluster] == nil {
                draining[cluster]?[key] = nil
            }
            if draining[cluster]?.isEmpty == true { draining[cluster] = nil }
        }
        return tasks.count != before
    }

    /// Application failover: with each workload's health now, the tasks to create, and the workloads whose eviction
    /// waits because their `statePreservation` rules could not be read (Karmada retries those). `policies` are the
    /// application-failover behaviours of the templates that have one (defaulted), `placed` where each is placed,
    /// `status(template, cluster)` the workload's live status there.
    mutating func observe(health: [String: HealthStatus], policies: [ResourceIdentity: ApplicationFailoverBehavior],
                          placed: [ResourceIdentity: [String]], fingerprints: [ResourceIdentity: Int], now: Date,
                          status: (ResourceIdentity, String) -> JSONValue? = { _, _ in nil })
        -> (created: [Task], waiting: [String: String]) {
        var created: [Task] = []
        var waiting: [String: String] = [:]
        var seen: Set<String> = []
        for (template, behavior) in policies.sorted(by: { $0.key.description < $1.key.description }) {
            for cluster in (placed[template] ?? []).sorted() where tasks[template]?[cluster] == nil {
                let key = "\(template.description)|\(cluster)"
                guard health[key] == .degraded else { continue }
                seen.insert(key)
                let since = unhealthySince[key] ?? now
                unhealthySince[key] = since
                let toleration = Double(behavior.decisionConditions?.tolerationSeconds ?? 300)
                guard now.timeIntervalSince(since) >= toleration else { continue }
                var preserved: [String: String]?
                if let rules = behavior.statePreservation?.rules, !rules.isEmpty {
                    switch Self.preservedLabelState(rules, status: status(template, cluster)) {
                    case .success(let labels): preserved = labels
                    case .failure(let failure):
                        waiting[key] = failure.description
                        continue
                    }
                }
                let mode = Self.mode(behavior.purgeMode)
                let task = Task(template: template.description, cluster: cluster, reason: "ApplicationFailure",
                                purgeMode: mode.rawValue,
                                gracePeriodSeconds: mode == .gracefully ? Double(behavior.gracePeriodSeconds ?? 600) : nil,
                                createdAt: now, fingerprint: fingerprints[template] ?? 0,
                                preservedLabelState: preserved,
                                clustersBeforeFailover: preserved == nil ? nil : (placed[template] ?? []).sorted())
                tasks[template, default: [:]][cluster] = task
                unhealthySince[key] = nil
                created.append(task)
            }
        }
        // Healthy or Unknown resets the clock (as Karmada keeps it in memory).
        unhealthySince = unhealthySince.filter { seen.contains($0.key) }
        return (created, waiting)
    }

    /// Karmada's `BuildPreservedLabelState`: each rule's JSONPath evaluated against the workload's status; a status
    /// not collected yet, or a path that reaches nothing, is an error.
    static func preservedLabelState(_ rules: [StatePreservationRule], status: JSONValue?)
        -> Result<[String: String], JSONPath.Failure> {
        guard let status else {
            return .failure(JSONPath.Failure(description: "the application status has not yet been collected"))
        }
        var labels: [String: String] = [:]
        for rule in rules {
            do {
                labels[rule.aliasLabelName] = try JSONPath(rule.jsonPath).evaluate(status)
            } catch {
                return .failure(JSONPath.Failure(description: "\(rule.aliasLabelName): \(error.description)"))
            }
        }
        return .success(labels)
    }

    /// The labels to inject into a template's workload on `cluster` (Karmada's `injectReservedLabelState`): those of
    /// the template's latest eviction task, when it purged `Directly`, the workload now runs on that one cluster only,
    /// and it did not run there before the failover.
    func injectedLabels(_ template: ResourceIdentity, cluster: String, placedOn clusters: [String]) -> [String: String]? {
        guard clusters.count == 1, let byCluster = tasks[template] else { return nil }
        guard let latest = byCluster.values.max(by: { ($0.createdAt, $0.cluster) < ($1.createdAt, $1.cluster) }),
              latest.purgeMode == PurgeMode.directly.rawValue, let labels = latest.preservedLabelState, !labels.isEmpty,
              !(latest.clustersBeforeFailover ?? []).contains(cluster) else { return nil }
        return labels
    }

    /// Karmada's purge modes, older spellings folded.
    static func mode(_ mode: PurgeMode?) -> PurgeMode {
        switch mode {
        case .directly?, .immediately?: .directly
        case .never?: .never
        default: .gracefully
        }
    }

    /// The works to hand each cluster, with the old works of workloads leaving a reachable cluster kept there while
    /// they drain. `leaving(template, cluster)` says how a template leaves a cluster: nil when it is not an eviction
    /// (a normal reschedule removes the work at once), else the purge mode and grace period.
    mutating func keep(_ works: [String: [ObjectKey: DesiredWork]], previous: [String: [ObjectKey: DesiredWork]],
                       ready: Set<String>, now: Date,
                       leaving: (ResourceIdentity, String) -> (mode: PurgeMode, grace: Double?, reason: String)?)
        -> [String: [ObjectKey: DesiredWork]] {
        var result = works
        for cluster in ready.sorted() {
            guard let before = previous[cluster] else { continue }
            for (key, work) in before where result[cluster]?[key] == nil && work.failure == nil {
                if let kept = draining[cluster]?[key] {
                    result[cluster, default: [:]][key] = kept.work
                    continue
                }
                guard Self.isWorkload(key, of: work.template),
                      let (mode, grace, reason) = leaving(work.template, cluster), mode != .directly else { continue }
                draining[cluster, default: [:]][key] = Draining(
                    work: work, template: work.template, since: now,
                    deadline: mode == .never ? nil : now.addingTimeInterval(grace ?? 600), never: mode == .never,
                    reason: reason)
                result[cluster, default: [:]][key] = work
            }
        }
        // A work that is desired there again is no longer draining.
        for (cluster, entries) in draining {
            for key in entries.keys where works[cluster]?[key] != nil { draining[cluster]?[key] = nil }
            if draining[cluster]?.isEmpty == true { draining[cluster] = nil }
        }
        return result
    }

    /// Whether `key` is the template's own object (its workload), not a dependency rendered beside it.
    static func isWorkload(_ key: ObjectKey, of template: ResourceIdentity) -> Bool {
        key.kind == template.kind && key.name == template.name && key.namespace == template.namespace
    }

    /// The draining works whose replacements are healthy everywhere (`health` of each template's workload per
    /// cluster, by `template|cluster`) or whose deadline passed: removed here, returned by cluster.
    mutating func finished(health: [String: HealthStatus], placed: [ResourceIdentity: [String]], now: Date)
        -> [String: Set<ObjectKey>] {
        var done: [String: Set<ObjectKey>] = [:]
        for (cluster, entries) in draining {
            for (key, entry) in entries where !entry.never {
                let targets = (placed[entry.template] ?? []).filter { $0 != cluster }
                let replaced = !targets.isEmpty
                    && targets.allSatisfy { health["\(entry.template.description)|\($0)"] == .healthy }
                if replaced || entry.deadline.map({ now >= $0 }) == true {
                    done[cluster, default: []].insert(key)
                    draining[cluster]?[key] = nil
                }
            }
            if draining[cluster]?.isEmpty == true { draining[cluster] = nil }
        }
        return done
    }
}
