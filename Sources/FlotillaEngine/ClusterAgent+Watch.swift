import Dispatch
import FlotillaDiff
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging
import Synchronization

extension ClusterAgent {
    /// Starts an informer per kind not watched yet and waits (at most `wait` seconds) until every kind has listed
    /// or failed. Returns the kinds that have not listed, with why: each fails only its own works.
    func ensureInformers(_ kinds: Set<KindKey>, wait: Double = 10) -> [KindKey: String] {
        guard let dial else {
            return Dictionary(uniqueKeysWithValues: kinds.map { ($0, connectionError ?? "no connection") })
        }
        var started: [Informer] = []
        state.withLock { state in
            for kind in kinds.sorted() where state.informers[kind] == nil {
                guard let transport = try? dial.open() else { continue }
                let informer = Informer(client: KubeClient(transport: transport), apiVersion: kind.apiVersion,
                                        kind: kind.kind,
                                        labelSelector: Self.watchedWhole(kind) ? nil : ownedSelector,
                                        watchSeconds: settings.watchSeconds,
                                        schedule: { [clock, name] seconds, work in
                                            clock.schedule(after: seconds, tag: "watch-backoff \(name)", work)
                                        }) { [weak self] event in
                    self?.handle(kind, event)
                }
                state.informers[kind] = informer
                started.append(informer)
            }
        }
        for informer in started { informer.start() }
        let deadline = Date().addingTimeInterval(wait)
        let fresh = Set(started.map { KindKey(apiVersion: $0.apiVersion, kind: $0.kind) })
        // Done when every kind listed, or failed (a kind that failed before is not waited for again).
        waitForView(until: deadline) {
            state.withLock { state in
                !kinds.contains { !state.syncedKinds.contains($0) && fresh.contains($0) && state.kindErrors[$0] == nil }
            }
        }
        return state.withLock { state in
            var missing: [KindKey: String] = [:]
            for kind in kinds where !state.syncedKinds.contains(kind) {
                missing[kind] = "cannot list or watch \(kind.kind) (\(kind.apiVersion)): "
                    + (state.kindErrors[kind] ?? "not listed yet")
            }
            return missing
        }
    }

    /// Whether the object carries this instance's managed-by label.
    func isOwned(_ object: JSONValue) -> Bool {
        object.value(at: ["metadata", "labels", Self.managedBy])?.stringValue == settings.instance
    }

    /// The object as it is kept: kind and apiVersion set, managedFields dropped.
    /// An object as it is kept in view: kind and apiVersion set; without managedFields (often as large as the rest
    /// of the object — who changed a field is read from the event itself when drift is found); sharing storage with
    /// what was applied wherever it is equal.
    static func kept(_ object: JSONValue, _ key: ObjectKey, applied: DesiredWork?) -> JSONValue {
        var object = object
        object["metadata"]?["managedFields"] = nil
        if object["kind"] == nil { object["kind"] = .string(key.kind) }
        if object["apiVersion"] == nil { object["apiVersion"] = .string(key.apiVersion) }
        return object.sharingStorage(with: applied?.object)
    }

    func handle(_ kind: KindKey, _ event: InformerEvent) {
        var heal = false
        var drifts: [(DriftRecord, Double?)] = []
        var changed = true
        var released = false
        var relisted = false
        state.withLock { state in
            // A CRD changed: what the cluster serves may have too.
            if kind == Self.crdKind {
                state.discoveryDue = true
                state.crdEvents &+= 1
            }
            /// Stores what the watch says; nil when the object is not one or is already known at this resourceVersion
            /// (the echo of Flotilla's own apply, whose response it has already seen).
            func put(_ object: JSONValue) -> ObjectKey? {
                var object = object
                object["apiVersion"] = .string(kind.apiVersion)
                object["kind"] = .string(kind.kind)
                guard let key = ObjectKey(object) else { return nil }
                if let version = object.value(at: ["metadata", "resourceVersion"]),
                   state.live[key]?.value(at: ["metadata", "resourceVersion"]) == version {
                    return nil
                }
                if isOwned(object) {
                    state.live[key] = Self.kept(object, key, applied: state.desired[key])
                    state.foreign.remove(key)
                } else {
                    // Flotilla's until now (someone removed the label): released at the next pass, not taken back.
                    if state.live[key] != nil, state.desired[key] != nil || state.inventory?.contains(key) == true {
                        released = true
                    }
                    state.live[key] = nil
                    state.foreign.insert(key)
                }
                if kind.kind == "Node", kind.apiVersion == "v1" { state.nodes[key.name] = object }
                return key
            }
            switch event {
            case .synced(let items):
                let wasSynced = state.syncedKinds.contains(kind)
                for key in state.live.keys where key.kindKey == kind { state.live[key] = nil }
                state.foreign = state.foreign.filter { $0.kindKey != kind }
                if kind.kind == "Node" { state.nodes = [:] }
                var received: [ObjectKey: JSONValue] = [:]
                for item in items { if let key = put(item) { received[key] = item } }
                state.syncedKinds.insert(kind)
                // A kind listed for the first time, or one that could not be listed and now can: its works wait no
                // longer (a pass that found it not listed yet may be in its backoff).
                if state.kindErrors.removeValue(forKey: kind) != nil || !wasSynced { relisted = true }
                if wasSynced {
                    for key in state.desired.keys where key.kindKey == kind {
                        if let drift = checkDrift(key, &state, event: received[key]) { drifts.append(drift); heal = true }
                    }
                }
            case .upserted(let object):
                if let key = put(object), let drift = checkDrift(key, &state, event: object) {
                    drifts.append(drift)
                    heal = true
                }
            case .deleted(var object):
                object["apiVersion"] = .string(kind.apiVersion)
                object["kind"] = .string(kind.kind)
                guard let key = ObjectKey(object) else { return }
                state.live[key] = nil
                state.foreign.remove(key)
                if kind.kind == "Node" { state.nodes[key.name] = nil }
                if kind.kind == "Namespace", kind.apiVersion == "v1" {
                    let affected = state.desired.keys.filter { $0.namespace == key.name && state.applied[$0] != nil }
                    if !affected.isEmpty {
                        let record = DriftRecord(cluster: name, object: key.description, apiVersion: "v1", kind: "Namespace",
                                                 namespace: nil, name: key.name, change: "namespace-deleted",
                                                 fields: [], manager: nil, detectedAt: Date(), healedAt: nil)
                        state.openDrift[key] = record
                        drifts.append((record, nil))
                        // The objects inside were applied; each one's own delete event (or relist) heals it.
                        for work in affected { state.pendingHeals.insert(work) }
                        heal = true
                    }
                }
                if let drift = checkDrift(key, &state) { drifts.append(drift); heal = true }
            case .failed(let error):
                if !state.syncedKinds.contains(kind) {
                    logger.debug("list failed", metadata: ["kind": "\(kind.kind)", "error": "\(error)"])
                    changed = state.kindErrors[kind] == nil
                    state.kindErrors[kind] = "\(error)"
                } else {
                    // A watch that failed or went silent: the informer lists again after its backoff.
                    logger.warning("watch failed; listing again", metadata: ["kind": "\(kind.kind)", "error": "\(error)"])
                    changed = false
                }
            }
        }
        signalViewChanged()
        report(drifts)
        if heal && settings.selfHeal { scheduleHeal() }
        if released || relisted { requestSync() }
        if changed { onChange(name, false) }
    }

    /// Logs drift found and hands it to the engine.
    func report(_ drifts: [(DriftRecord, Double?)]) {
        for (record, delay) in drifts {
            logger.notice("drift", metadata: ["object": "\(record.object)", "change": "\(record.change)",
                                              "fields": "\(record.fields.map(\.path).joined(separator: ","))",
                                              "manager": "\(record.manager ?? "unknown")"])
            onDrift(record, delay)
        }
    }
}
