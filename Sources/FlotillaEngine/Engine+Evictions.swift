import FlotillaDiff
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging

extension Engine {
    /// The fingerprints (content without replicas, and policy) of some templates of a plan.
    static func fingerprints(_ plan: Plan, of templates: Set<ResourceIdentity>) -> [ResourceIdentity: Int] {
        var result: [ResourceIdentity: Int] = [:]
        for placement in plan.placements where templates.contains(placement.identity) {
            result[placement.identity] = EvictionBook.fingerprint(placement.template, policy: placement.choice)
        }
        return result
    }

    /// The workloads of a plan whose policy has application failover (`spec.failover.application`, defaulted).
    static func applicationFailover(_ plan: Plan) -> [ResourceIdentity: ApplicationFailoverBehavior] {
        var result: [ResourceIdentity: ApplicationFailoverBehavior] = [:]
        for placement in plan.placements where placement.hasReplicas {
            if let behavior = placement.choice?.spec.failover?.application { result[placement.identity] = behavior.defaulted() }
        }
        return result
    }

    /// The works with those leaving a reachable cluster by eviction kept there while they drain: a template's
    /// eviction task there (application failover), or a NoExecute taint from a ClusterTaintPolicy on the cluster
    /// (its policy's `failover.cluster.purgeMode`, Gracefully by default).
    ///
    /// A workload a commit moved (`moved`: the clusters it left while it arrived on others, as `flotilla migrate`
    /// writes it) drains the same way: its old work stays until the new ones are healthy, or 600 s, so a migration
    /// leaves no gap.
    func keepDraining(_ works: [String: [ObjectKey: DesiredWork]], plan: Plan, states: [String: ClusterState],
                      moved: [ResourceIdentity: Set<String>] = [:]) -> [String: [ObjectKey: DesiredWork]] {
        let ready = Set(states.compactMap { $0.value.ready == true ? $0.key : nil })
        let tainted = ready.filter { plan.policyTaints[$0]?.contains { $0.effect == .noExecute } == true }
        guard !evictions.tasks.isEmpty || !tainted.isEmpty || !evictions.draining.isEmpty || !moved.isEmpty else {
            return works
        }
        let tasks = evictions.tasks
        var choices: [ResourceIdentity: PolicyChoice] = [:]
        if !tainted.isEmpty { for placement in plan.placements { choices[placement.identity] = placement.choice } }
        return evictions.keep(works, previous: inForce?.works ?? [:], ready: ready, now: clock.now()) { template, cluster in
            if let task = tasks[template]?[cluster] {
                return (PurgeMode(rawValue: task.purgeMode) ?? .gracefully, task.gracePeriodSeconds, task.reason)
            }
            if tainted.contains(cluster) {
                let mode = EvictionBook.mode(choices[template]?.spec.failover?.cluster?.purgeMode)
                return (mode, nil, "TaintUntolerated")
            }
            if moved[template]?.contains(cluster) == true { return (.gracefully, nil, "PlacementChanged") }
            return nil
        }
    }

    /// The workloads of a plan that left clusters while arriving on others (a move, not a scale-in): the clusters
    /// they left, by template.
    static func moved(_ plan: Plan, previous: [ResourceIdentity: [TargetCluster]]) -> [ResourceIdentity: Set<String>] {
        var result: [ResourceIdentity: Set<String>] = [:]
        for placement in plan.placements where placement.error == nil && placement.hasReplicas && !placement.reused {
            guard let before = previous[placement.identity], !before.isEmpty else { continue }
            let had = Set(before.map(\.name))
            let now = Set(placement.clusters.map(\.name))
            let left = had.subtracting(now)
            if !left.isEmpty, !now.subtracting(had).isEmpty { result[placement.identity] = left }
        }
        return result
    }

    /// The works with `statePreservation`'s labels merged into the workloads that moved by an application failover
    /// (Karmada's `StatefulFailoverInjection`): the state read on the cluster left, as labels where it runs now.
    func injectPreservedState(_ works: [String: [ObjectKey: DesiredWork]], plan: Plan) -> [String: [ObjectKey: DesiredWork]] {
        guard evictions.tasks.values.contains(where: { $0.values.contains { $0.preservedLabelState != nil } })
        else { return works }
        var result = works
        for placement in plan.placements where evictions.tasks[placement.identity] != nil {
            let clusters = placement.clusters.map(\.name).filter { !$0.isEmpty }
            for cluster in clusters {
                guard let labels = evictions.injectedLabels(placement.identity, cluster: cluster, placedOn: clusters),
                      let entries = result[cluster] else { continue }
                for (key, work) in entries where EvictionBook.isWorkload(key, of: placement.identity) {
                    var object = work.object
                    var merged = object.value(at: ["metadata", "labels"])?.objectValue ?? [:]
                    for (name, value) in labels { merged[name] = .string(value) }
                    object["metadata"]?["labels"] = .object(merged)
                    result[cluster]?[key] = DesiredWork(object: object, template: work.template,
                                                        delegatedPaths: work.delegatedPaths, failure: work.failure,
                                                        suspended: work.suspended, takeOver: work.takeOver)
                }
            }
        }
        return result
    }

    /// Whether evictions need looking at (every second while they do).
    var evictionsActive: Bool { !failoverTemplates.isEmpty || !evictions.draining.isEmpty }

    /// Looks at evictions a second from now on the engine's clock, and every second after while they are active
    /// (idle, without application failover or draining works, no timer runs).
    func armEvictionTimer() {
        guard evictionsActive, !evictionTimerArmed, !stopped else { return }
        evictionTimerArmed = true
        clock.schedule(after: 1, tag: "evictions") { [weak self] in
            guard let self else { return }
            Task { await self.evictionTick() }
        }
    }

    private func evictionTick() {
        evictionTimerArmed = false
        guard !stopped else { return }
        superviseEvictions()
        armEvictionTimer()
    }

    /// Application failover and graceful purge, once: a workload unhealthy for its toleration gets an eviction task
    /// (and a re-plan); a draining work whose replacements are healthy, or whose grace period passed, is removed.
    func superviseEvictions() {
        guard let inForce, evictionsActive else { return }
        var relevant = Set(failoverTemplates.keys)
        for entries in evictions.draining.values { for entry in entries.values { relevant.insert(entry.template) } }
        let descriptions = Set(relevant.map(\.description))
        var health: [String: HealthStatus] = [:]
        for agent in agents.values {
            for work in agent.workStatuses() where descriptions.contains(work.template) {
                guard let template = relevant.first(where: { $0.description == work.template }),
                      work.kind == template.kind, work.name == template.name else { continue }
                health["\(work.template)|\(work.cluster)"] = work.health
            }
        }
        var placed: [ResourceIdentity: [String]] = [:]
        for placement in inForce.plan.placements where relevant.contains(placement.identity) {
            placed[placement.identity] = placement.clusters.filter { !$0.name.isEmpty }.map(\.name)
        }
        let now = clock.now()
        let agents = self.agents
        let (created, waiting) = evictions.observe(
            health: health, policies: failoverTemplates, placed: placed,
            fingerprints: Self.fingerprints(inForce.plan, of: Set(failoverTemplates.keys)), now: now,
            status: { template, cluster in agents[cluster]?.liveStatus(of: template) })
        for (key, reason) in waiting.sorted(by: { $0.key < $1.key }) where evictions.waiting[key] != reason {
            logger.warning("application failover waits: the state to preserve cannot be read",
                           metadata: ["workload": "\(key)", "reason": "\(reason)"])
        }
        evictions.waiting = waiting
        for task in created {
            logger.notice("application failover: evicting", metadata: [
                "template": "\(task.template)", "cluster": "\(task.cluster)", "purgeMode": "\(task.purgeMode)"])
        }
        if !created.isEmpty { requestReplan() }
        for (cluster, keys) in evictions.finished(health: health, placed: placed, now: now).sorted(by: { $0.key < $1.key }) {
            guard var works = self.inForce?.works[cluster] else { continue }
            for key in keys { works[key] = nil }
            self.inForce?.works[cluster] = works
            agents[cluster]?.setDesired(works, revision: inForce.commit,
                                        allowPrune: pruneAllowance?.allows(cluster) ?? false)
            logger.notice("eviction done: the old work is removed",
                          metadata: ["cluster": "\(cluster)", "objects": "\(keys.map(\.description).sorted())"])
        }
        if !created.isEmpty { signals.noteChange() }
    }
}

extension Engine {
    /// The evictions under way, for the status: tasks, and works draining (a NoExecute taint's have no task).
    func evictionReport() -> [StatusReport.Eviction]? {
        var result: [StatusReport.Eviction] = []
        var drainingTemplates: [String: (since: Date, reason: String)] = [:]
        for (cluster, entries) in evictions.draining {
            for entry in entries.values {
                drainingTemplates["\(entry.template.description)|\(cluster)"] = (entry.since, entry.reason)
            }
        }
        for byCluster in evictions.tasks.values {
            for task in byCluster.values {
                let key = "\(task.template)|\(task.cluster)"
                result.append(.init(template: task.template, cluster: task.cluster, reason: task.reason,
                                    purgeMode: task.purgeMode, since: task.createdAt,
                                    draining: drainingTemplates.removeValue(forKey: key) != nil))
            }
        }
        for (key, entry) in drainingTemplates {
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            result.append(.init(template: parts[0], cluster: parts.count > 1 ? parts[1] : "", reason: entry.reason,
                                purgeMode: "Gracefully", since: entry.since, draining: true))
        }
        result.sort { ($0.template, $0.cluster) < ($1.template, $1.cluster) }
        return result.isEmpty ? nil : result
    }
}
