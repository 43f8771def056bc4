import Dispatch
import FlotillaDiff
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging
import Synchronization

extension ClusterAgent {
    /// Compares what was applied for `key` with what the cluster holds. Opens a drift record (returned, with the
    /// delay since the change when the server recorded its time) or closes the open one.
    /// `event` is the object as the watch delivered it, with its managedFields (the stored copy has none).
    func checkDrift(_ key: ObjectKey, _ state: inout AgentState, event: JSONValue? = nil) -> (DriftRecord, Double?)? {
        if state.foreign.contains(key) {
            // Not Flotilla's (any more): never drift, never healed; the next pass reports it.
            state.openDrift[key] = nil
            state.pendingHeals.remove(key)
            return nil
        }
        guard state.currentKnown, let work = state.desired[key], state.current.contains(key) else { return nil }
        let now = Date()
        if let live = state.live[key] {
            let fields = work.differences(from: live, ignoring: state.dropped[key] ?? [])
            if fields.isEmpty {
                if var record = state.openDrift.removeValue(forKey: key) {
                    record.healedAt = now
                    state.healedDrift.insert(record, at: 0)
                    if state.healedDrift.count > 50 { state.healedDrift.removeLast() }
                }
                return nil
            }
            if let open = state.openDrift[key], open.fields.map(\.path) == fields.map(\.path) { return nil }
            let (manager, changedAt) = Self.lastOtherManager(event ?? live, fieldManager: settings.fieldManager)
            let record = DriftRecord(cluster: name, object: key.description, apiVersion: key.apiVersion, kind: key.kind,
                                     namespace: key.namespace, name: key.name, change: "modified", fields: fields,
                                     manager: manager, detectedAt: now, healedAt: nil)
            state.openDrift[key] = record
            state.pendingHeals.insert(key)
            return (record, changedAt.map { max(0, now.timeIntervalSince($0)) })
        }
        if state.openDrift[key]?.change == "deleted" { return nil }
        let record = DriftRecord(cluster: name, object: key.description, apiVersion: key.apiVersion, kind: key.kind,
                                 namespace: key.namespace, name: key.name, change: "deleted", fields: [],
                                 manager: nil, detectedAt: now, healedAt: nil)
        state.openDrift[key] = record
        state.pendingHeals.insert(key)
        return (record, nil)
    }

    /// The most recent manager other than Flotilla in `managedFields`, and when it wrote.
    static func lastOtherManager(_ live: JSONValue, fieldManager: String) -> (String?, Date?) {
        let entries = live.value(at: ["metadata", "managedFields"])?.arrayValue ?? []
        let formatter = ISO8601DateFormatter()
        var best: (String, Date?)?
        for entry in entries {
            guard let manager = entry["manager"]?.stringValue, manager != fieldManager else { continue }
            let time = entry["time"]?.stringValue.flatMap { formatter.date(from: $0) }
            if let current = best {
                if let time, time >= (current.1 ?? .distantPast) { best = (manager, time) }
            } else {
                best = (manager, time)
            }
        }
        return (best?.0, best?.1)
    }

    /// Re-applies what drifted (the namespace first when it went too).
    func heal() {
        let (keys, desired, revision, version) = state.withLock { state in
            state.healScheduled = false
            let keys = state.pendingHeals.sorted()
            state.pendingHeals = []
            return (keys, state.desired, state.revision, state.desiredVersion)
        }
        guard let client = clients.first, !keys.isEmpty else { return }
        var retry: [ObjectKey] = []
        for key in keys {
            guard let work = desired[key], work.suspended == nil, !state.withLock({ $0.foreign.contains(key) }) else {
                continue
            }
            if state.withLock({ $0.live[key] == nil }) {
                // Re-creating what was deleted: unless someone has made an object of that name since (which is then
                // theirs, a collision at the next pass, never taken over).
                if let existing = try? client.get(apiVersion: key.apiVersion, kind: key.kind, namespace: key.namespace,
                                                  name: key.name), !isOwned(existing) {
                    state.withLock { $0.foreign.insert(key) }
                    requestSync()
                    continue
                }
            }
            if let namespace = key.namespace {
                do throws(KubeError) { try ensureNamespace(namespace, client: client) } catch {
                    retry.append(key)
                    continue
                }
            }
            if applyOne(key, work: work, client: client, revision: state.withLock({ $0.appliedRevision[key] }) ?? revision,
                        version: version) {
                logger.info("healed", metadata: ["object": "\(key)"])
            } else {
                retry.append(key)
            }
        }
        if !retry.isEmpty, !stopped.load(ordering: .acquiring) {
            state.withLock { state in state.pendingHeals.formUnion(retry) }
            clock.schedule(after: 1, tag: "heal-retry") { [self] in scheduleHeal() }
        }
        onChange(name, false)
    }
}
