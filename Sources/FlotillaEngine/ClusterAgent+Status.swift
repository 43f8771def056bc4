import Dispatch
import FlotillaDiff
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging
import Synchronization

extension ClusterAgent {
    public var isReady: Bool { state.withLock { $0.ready } }
    public var hasProbed: Bool { state.withLock { $0.everProbed } }
    /// `apiVersion/Kind` of everything the cluster serves, sorted (nil until discovery was read).
    public var apiEnablements: [String]? {
        state.withLock { state in state.served.map { $0.keys.map { "\($0.apiVersion)/\($0.kind)" }.sorted() } }
    }
    /// Whether its capacity is known, or known to be unknown (its Nodes were listed, or listing them failed).
    public var hasCapacityView: Bool {
        state.withLock { $0.syncedKinds.contains(Self.nodeKind) || $0.kindErrors[Self.nodeKind] != nil }
    }

    /// The cluster as placement sees it: readiness and capacity (allocatable from nodes, allocated from what
    /// Flotilla runs there).
    public func placementState() -> ClusterState {
        state.withLock { state in
            let total = Self.allocatableMilli(state.nodes)
            var allocated: [String: Int64] = [:]
            var workloads = 0
            for (key, object) in state.live where key.group == "apps" {
                workloads += 1
                // Each workload's share is worked out once per resourceVersion (a commit changes a few of thousands).
                let version = object.value(at: ["metadata", "resourceVersion"])?.stringValue ?? ""
                let share: [String: Int64]
                if let cached = state.allocationCache[key], cached.version == version, !version.isEmpty {
                    share = cached.share
                } else {
                    share = Self.requested(by: object)
                    state.allocationCache[key] = (version, share)
                }
                for (resource, amount) in share {
                    allocated[resource, default: 0] = allocated[resource, default: 0] +| amount
                }
            }
            if state.allocationCache.count > workloads {
                state.allocationCache = state.allocationCache.filter { state.live[$0.key] != nil }
            }
            let apis = state.served.map { $0.keys.map { "\($0.apiVersion)/\($0.kind)" }.sorted() }
            guard state.everProbed || !state.nodes.isEmpty else { return ClusterState(ready: state.ready, apiEnablements: apis) }
            let toQuantities: ([String: Int64]) -> [String: Quantity] = { values in
                values.reduce(into: [:]) { result, entry in
                    result[entry.key] = Quantity("\(entry.value)m")
                }
            }
            return ClusterState(ready: state.ready,
                                allocatable: state.nodes.isEmpty ? nil : toQuantities(total),
                                allocated: state.nodes.isEmpty ? nil : toQuantities(allocated),
                                apiEnablements: apis)
        }
    }

    /// What a workload's replicas request, in thousandths, with one thousand per pod under `pods`.
    static func requested(by object: JSONValue) -> [String: Int64] {
        let replicas = object.value(at: ["spec", "replicas"])?.intValue ?? 1
        var share: [String: Int64] = ["pods": replicas *| 1000]
        for container in object.value(at: ["spec", "template", "spec", "containers"])?.arrayValue ?? [] {
            for (resource, value) in container.value(at: ["resources", "requests"])?.objectValue ?? [:] {
                guard let text = value.stringValue, let milli = Quantity(text).milliValue else { continue }
                share[resource, default: 0] = share[resource, default: 0] +| (milli *| replicas)
            }
        }
        return share
    }

    /// The nodes' allocatable resources, summed, in thousandths (millicores for CPU).
    static func allocatableMilli(_ nodes: [String: JSONValue]) -> [String: Int64] {
        var totals: [String: Int64] = [:]
        for node in nodes.values {
            for (resource, value) in node.value(at: ["status", "allocatable"])?.objectValue ?? [:] {
                guard let text = value.stringValue ?? value.intValue.map(String.init),
                      let milli = Quantity(text).milliValue else { continue }
                totals[resource, default: 0] = totals[resource, default: 0] +| milli
            }
        }
        return totals
    }

    /// The live `.status` of a template's own object (its workload) here, as last watched.
    func liveStatus(of template: ResourceIdentity) -> JSONValue? {
        state.withLock { state in
            state.desired.keys.first { EvictionBook.isWorkload($0, of: template) }
                .flatMap { state.live[$0]?.value(at: ["status"]) }
        }
    }

    /// The state of every work, sorted.
    public func workStatuses() -> [WorkStatus] {
        state.withLock { state in
            if state.sortedDesired == nil { state.sortedDesired = state.desired.keys.sorted() }
            return (state.sortedDesired ?? []).map { key in
                let work = state.desired[key]!
                let live = state.live[key]
                var sync: SyncStatus = .outOfSync
                if state.errors[key] != nil || work.failure != nil {
                    sync = .failed
                } else if state.currentKnown ? state.current.contains(key) : state.applied[key] == work.comparable,
                          live != nil, state.openDrift[key] == nil {
                    sync = .synced
                }
                let health = state.foreign.contains(key) ? HealthAssessment(status: .unknown, message: "not owned")
                    : HealthCheck.assess(live)
                return WorkStatus(cluster: name, apiVersion: key.apiVersion, kind: key.kind, namespace: key.namespace,
                                  name: key.name, template: work.template.description, sync: sync,
                                  health: state.ready || live == nil ? health.status : .unknown,
                                  message: state.held ?? health.message, desiredReplicas: health.desiredReplicas,
                                  readyReplicas: health.readyReplicas,
                                  appliedRevision: state.appliedRevision[key],
                                  lastError: state.errors[key]?.description ?? work.failure,
                                  errorCode: state.errors[key]?.code ?? work.failure.map { _ in "RenderFailed" },
                                  retryable: state.errors[key]?.isRetryable ?? work.failure.map { _ in false },
                                  droppedFields: state.dropped[key].map { $0.sorted() })
            }
        }
    }

    /// The cluster's status; `works` are its work statuses when the caller has them already.
    public func clusterStatus(works known: [WorkStatus]? = nil) -> ClusterStatus {
        let works = known ?? workStatuses()
        return state.withLock { state in
            var allocatable: [String: String] = [:]
            let totals = Self.allocatableMilli(state.nodes)
            for (resource, milli) in totals {
                allocatable[resource] = milli % 1000 == 0 ? "\(milli / 1000)" : "\(milli)m"
            }
            let reason = state.refused ?? (state.ready ? nil : (connectionError ?? state.probeError ?? "not probed yet"))
            return ClusterStatus(name: name, ready: state.ready, reason: reason, kubernetesVersion: state.version,
                                 nodes: state.nodes.count, allocatable: allocatable, lastTransition: state.lastTransition,
                                 lastProbe: state.lastProbe, lastError: state.syncError?.description,
                                 errorCode: state.syncError?.code, held: state.held,
                                 kept: state.keeps.isEmpty ? nil
                                     : state.keeps.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" },
                                 capacity: state.syncedKinds.contains(Self.nodeKind) ? nil
                                     : state.kindErrors[Self.nodeKind].map {
                                         "unknown: nodes cannot be listed (\($0))"
                                     },
                                 works: works.count, synced: works.filter { $0.sync == .synced }.count,
                                 healthy: works.filter { $0.health == .healthy }.count)
        }
    }

    public func drift() -> (open: [DriftRecord], healed: [DriftRecord]) {
        state.withLock { state in
            (state.openDrift.values.sorted { ($0.detectedAt, $0.object) > ($1.detectedAt, $1.object) }, state.healedDrift)
        }
    }

    /// Whether the works of these templates, as last handed to the agent, are applied (no error, no open drift, no
    /// failure) and healthy on the cluster: a rollout stage's "Synced and Healthy".
    public func isSettled(templates: Set<ResourceIdentity>) -> Bool {
        state.withLock { state in
            // Nothing to look at: a reachable cluster is settled (no need to wait for a sync of other works).
            guard state.ready, templates.isEmpty || state.currentKnown else { return false }
            for (key, work) in state.desired where templates.contains(work.template) {
                guard work.failure == nil, let live = state.live[key],
                      // The watch has shown the object as applied (until it does, `live` is the one before).
                      work.differences(from: live, ignoring: state.dropped[key] ?? []).isEmpty,
                      Self.settled(key, &state) else { return false }
            }
            return true
        }
    }

    /// True when every desired work is applied, unchanged since, and healthy.
    public func isConverged(revision: String?) -> Bool {
        state.withLock { state in
            guard state.ready, state.currentKnown, !state.desiredHasFailures,
                  state.current.count >= state.desired.count else { return false }
            // What held convergence back last time usually still does: looked at first, a "no" costs one key.
            if let blocker = state.convergenceBlocker, state.desired[blocker] != nil, !Self.settled(blocker, &state) {
                return false
            }
            for key in state.desired.keys where !Self.settled(key, &state) {
                state.convergenceBlocker = key
                return false
            }
            state.convergenceBlocker = nil
            return true
        }
    }

    /// Whether one work is applied (no error, no open drift) and its live object healthy. Health is judged once per
    /// resourceVersion of the object (this runs on every batch of events).
    static func settled(_ key: ObjectKey, _ state: inout AgentState) -> Bool {
        guard state.errors[key] == nil, state.openDrift[key] == nil, state.current.contains(key),
              let live = state.live[key] else { return false }
        let version = live.value(at: ["metadata", "resourceVersion"])?.stringValue ?? ""
        if state.healthyAt[key] == version, !version.isEmpty { return true }
        guard HealthCheck.assess(live).status == .healthy else { return false }
        state.healthyAt[key] = version
        return true
    }
}
