import Dispatch
import FlotillaDiff
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging
import Synchronization

/// How a cluster agent reaches its cluster and what it may do there.
public struct AgentSettings: Sendable {
    public var fieldManager = "flotilla"
    public var selfHeal = true
    public var prune = true
    /// The largest share (percent) of a cluster's owned objects one revision may delete.
    public var pruneGuardPercent = 50.0
    /// Connections a cluster's applies are spread over (`--concurrent-applies`).
    public var workers = 4
    /// Requests per second to one cluster, all its connections together, and the burst above that
    /// (`--cluster-api-qps`, `--cluster-api-burst`; Karmada's controller-manager has the same for member clusters).
    /// Generous by default — a cold sync of 2,000 objects to a cluster should take seconds — because the server
    /// protects itself (API Priority and Fairness answers 429, and Flotilla honours Retry-After).
    public var qps = 500.0
    public var burst = 1000
    public var probeInterval = 2.0
    public var failureThreshold = 10.0
    public var requestTimeout = 30.0

    public init() {}
}

/// Converges one member cluster: applies its works, prunes what is no longer desired, keeps a watch-fed view of
/// what Flotilla owns there, detects and heals drift, probes readiness. Every cluster call blocks, so an agent
/// works on queues and threads of its own, never on the cooperative pool; one slow cluster never holds another.
public final class ClusterAgent: @unchecked Sendable {
    public static let inventoryNamespace = "flotilla-system"
    public static let inventoryName = "flotilla-inventory"
    static let managedBy = Scheduler.managedByLabel

    public let name: String
    let connection: ClusterConnection?
    let connectionError: String?
    let settings: AgentSettings
    let logger: Logger
    /// Called (off any lock) when something reportable changed.
    let onChange: @Sendable (_ cluster: String, _ readinessChanged: Bool) -> Void
    let onRequest: @Sendable (_ cluster: String, _ verb: String, _ code: String) -> Void
    let onDrift: @Sendable (_ record: DriftRecord, _ delay: Double?) -> Void

    let syncQueue: DispatchQueue
    let workerQueues: [DispatchQueue]
    let clients: [KubeClient]
    let state = Mutex(AgentState())
    let stopped = Atomic<Bool>(false)

    struct AgentState {
        var desired: [ObjectKey: DesiredWork] = [:]
        var revision: String?
        var applied: [ObjectKey: JSONValue] = [:]
        /// Desired keys whose last apply was of what is desired now (so the comparison of whole objects happens
        /// once per revision, not on every status or convergence check).
        var current: Set<ObjectKey> = []
        /// False from a new desired state until the cluster's own sync has worked out `current` again (off the
        /// engine's path, in parallel with the other clusters).
        var currentKnown = true
        /// The desired keys in order, worked out once per desired state (status reports list them in this order).
        var sortedDesired: [ObjectKey]?
        /// Bumped by every new desired state: an apply started before it does not mark its key current.
        var desiredVersion = 0
        /// The resourceVersion at which each object was last found healthy.
        var healthyAt: [ObjectKey: String] = [:]
        var appliedRevision: [ObjectKey: String] = [:]
        var errors: [ObjectKey: String] = [:]
        var live: [ObjectKey: JSONValue] = [:]
        var foreign: Set<ObjectKey> = []
        var inventory: Set<ObjectKey>?
        var informers: [KindKey: Informer] = [:]
        var syncedKinds: Set<KindKey> = []
        /// Why a kind's informer last failed (cleared when it lists).
        var kindErrors: [KindKey: String] = [:]
        /// Owned objects kept although no longer desired, and why.
        var keeps: [ObjectKey: String] = [:]
        var ready = false
        var everProbed = false
        var failingSince: Date?
        var lastTransition: Date?
        var lastProbe: Date?
        var version: String?
        var refused: String?
        var probeError: String?
        var nodes: [String: JSONValue] = [:]
        var openDrift: [ObjectKey: DriftRecord] = [:]
        var healedDrift: [DriftRecord] = []
        var pendingHeals: Set<ObjectKey> = []
        var healScheduled = false
        var held: String?
        var syncError: String?
        var syncing = false
        var syncAgain = false
        var failures = 0
    }

    public init(name: String, connection: ClusterConnection?, connectionError: String? = nil, settings: AgentSettings,
                logger: Logger,
                onChange: @escaping @Sendable (String, Bool) -> Void,
                onRequest: @escaping @Sendable (String, String, String) -> Void,
                onDrift: @escaping @Sendable (DriftRecord, Double?) -> Void) {
        self.name = name
        self.settings = settings
        var logger = logger
        logger[metadataKey: "cluster"] = "\(name)"
        self.logger = logger
        self.onChange = onChange
        self.onRequest = onRequest
        self.onDrift = onDrift
        self.syncQueue = DispatchQueue(label: "flotilla.cluster.\(name)")
        var connectionError = connectionError
        var clients: [KubeClient] = []
        if let connection {
            do throws(KubeError) {
                // One rate limit for the cluster, however many connections share it.
                let limiter = RateLimiter(qps: settings.qps, burst: settings.burst, now: Date().timeIntervalSinceReferenceDate)
                for _ in 0..<max(1, settings.workers) {
                    let counting = CountingTransport(base: ResilientTransport(try CurlTransport(connection: connection),
                                                                              retry: RetryPolicy(maxAttempts: 4),
                                                                              limiter: limiter),
                                                     cluster: name, onRequest: onRequest)
                    clients.append(KubeClient(transport: counting))
                }
            } catch {
                connectionError = "\(error)"
            }
        }
        self.connection = connectionError == nil ? connection : nil
        self.connectionError = connectionError
        self.clients = clients
        self.workerQueues = clients.indices.map { DispatchQueue(label: "flotilla.cluster.\(name).worker\($0)") }
    }

    // MARK: Life

    /// Starts probing and watching nodes.
    public func start() {
        guard let connection else {
            state.withLock { $0.probeError = connectionError ?? "no connection" }
            return
        }
        let thread = Thread { [self] in probeLoop(connection) }
        thread.name = "probe \(name)"
        thread.start()
        // Started, not waited for: an unreachable cluster must not hold whoever starts it (the engine).
        _ = ensureInformers([Self.nodeKind, Self.namespaceKind], wait: 0)
    }

    public func stop() {
        stopped.store(true, ordering: .releasing)
        state.withLock { state in for informer in state.informers.values { informer.stop() } }
    }

    /// Waits until the sync under way (if any) has finished its writes, or `timeout` seconds (a hung cluster must
    /// not hold SIGTERM: its writes are bounded by their own timeouts, and the inventory is grown before them).
    public func drain(timeout: Double = 8) async {
        let once = ResumeOnce()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resume: @Sendable () -> Void = { if once.claim() { continuation.resume() } }
            syncQueue.async(execute: resume)
            DispatchQueue.global().asyncAfter(deadline: .now() + max(0, timeout), execute: resume)
        }
    }

    // MARK: Desired state

    /// Replaces the desired works and asks for a sync.
    public func setDesired(_ works: [ObjectKey: DesiredWork], revision: String?) {
        let replaced = state.withLock { state -> [ObjectKey: DesiredWork] in
            let replaced = state.desired
            state.desired = works
            state.revision = revision
            state.held = nil
            state.desiredVersion += 1
            state.currentKnown = false
            state.sortedDesired = nil
            return replaced
        }
        requestSync()
        // Freed on another thread, not on the caller's (the engine's) path.
        DispatchQueue.global(qos: .utility).async { withExtendedLifetime(replaced) {} }
    }

    /// Runs a sync on the cluster's queue; calls made while one runs coalesce into one more.
    public func requestSync(after delay: Double = 0) {
        let start = state.withLock { state -> Bool in
            if state.syncing { state.syncAgain = true; return false }
            state.syncing = true
            return true
        }
        guard start else { return }
        syncQueue.asyncAfter(deadline: .now() + delay) { [self] in runSyncs() }
    }

    func runSyncs() {
        while true {
            state.withLock { $0.syncAgain = false }
            let ok = sync()
            let again = state.withLock { state -> Bool in
                if state.syncAgain { return true }
                state.syncing = false
                return false
            }
            onChange(name, false)
            if again { continue }
            if !ok, !stopped.load(ordering: .acquiring) {
                let failures = state.withLock { state -> Int in state.failures += 1; return state.failures }
                requestSync(after: min(30, 0.5 * pow(2, Double(min(failures, 6)))) * Double.random(in: 0.8...1.2))
            } else if ok {
                state.withLock { $0.failures = 0 }
            }
            return
        }
    }

    // MARK: Sync

    /// Applies keys over the worker clients in parallel.
    func applyAll(_ keys: [ObjectKey], desired: [ObjectKey: DesiredWork], revision: String?, version: Int) {
        guard !keys.isEmpty else { return }
        let group = DispatchGroup()
        let width = min(clients.count, keys.count)
        for worker in 0..<width {
            workerQueues[worker].async(group: group) { [self] in
                var position = worker
                while position < keys.count {
                    let key = keys[position]
                    if let work = desired[key] {
                        applyOne(key, work: work, client: clients[worker], revision: revision, version: version)
                    }
                    position += width
                }
            }
        }
        group.wait()
    }

    /// Applies one work with server-side apply; fields delegated to an autoscaler are sent only on creation.
    @discardableResult
    func applyOne(_ key: ObjectKey, work: DesiredWork, client: KubeClient, revision: String?, version: Int) -> Bool {
        var body = work.object
        let exists = state.withLock { $0.live[key] != nil }
        if exists { for path in work.delegatedPaths { body = DesiredWork.removing(path, from: body) } }
        do throws(KubeError) {
            let live = try client.apply(body, fieldManager: settings.fieldManager, force: settings.selfHeal)
            let drift = state.withLock { state -> (DriftRecord, Double?)? in
                state.applied[key] = work.comparable
                // An apply of an older desired state: what it wrote may not be what is desired now.
                if version == state.desiredVersion { state.current.insert(key) } else { state.current.remove(key) }
                state.appliedRevision[key] = revision
                state.errors[key] = nil
                // The response is the newest view only when the watch has shown nothing of the object yet: once it
                // has, its events (this write's, and any after it, such as the status a controller adds) keep the
                // view, and a response stored over them would be stale.
                guard Self.isOwned(live), state.live[key] == nil else { return nil }
                state.live[key] = Self.kept(live, key, applied: work)
                state.foreign.remove(key)
                // The watch's echo of this object is then skipped (same resourceVersion): the comparison happens
                // here.
                return checkDrift(key, &state, event: live)
            }
            if let drift {
                report([drift])
                if settings.selfHeal { scheduleHeal() }
            }
            logger.debug("applied", metadata: ["object": "\(key)", "revision": "\(revision ?? "")"])
            return true
        } catch {
            logger.warning("apply failed", metadata: ["object": "\(key)", "error": "\(error)"])
            state.withLock { $0.errors[key] = "apply failed: \(error)" }
            return false
        }
    }

    func ensureNamespace(_ namespace: String, client: KubeClient) throws(KubeError) {
        let key = ObjectKey(apiVersion: "v1", kind: "Namespace", namespace: nil, name: namespace)
        let present = state.withLock { $0.live[key] != nil || $0.foreign.contains(key) }
        if present { return }
        let object: JSONValue = .object([
            "apiVersion": .string("v1"), "kind": .string("Namespace"),
            "metadata": .object(["name": .string(namespace),
                                 "labels": .object([Self.managedBy: .string("flotilla"),
                                                    "flotilla.dev/ensured": .string("true")])]),
        ])
        let live = try client.apply(object, fieldManager: settings.fieldManager, force: false)
        state.withLock { $0.live[key] = Self.kept(live, key, applied: nil) }
    }

    func readInventory(_ client: KubeClient) throws(KubeError) -> Set<ObjectKey> {
        do {
            let object = try client.get(apiVersion: "v1", kind: "ConfigMap", namespace: Self.inventoryNamespace,
                                        name: Self.inventoryName)
            let text = object.value(at: ["data", "objects"])?.stringValue ?? ""
            return Set(text.split(separator: "\n").compactMap(ObjectKey.init(inventoryLine:)))
        } catch {
            if case .notFound = error { return [] }
            throw error
        }
    }

    func writeInventory(_ keys: Set<ObjectKey>, client: KubeClient) throws(KubeError) {
        let text = keys.map(\.inventoryLine).sorted().joined(separator: "\n")
        let object: JSONValue = .object([
            "apiVersion": .string("v1"), "kind": .string("ConfigMap"),
            "metadata": .object(["name": .string(Self.inventoryName), "namespace": .string(Self.inventoryNamespace),
                                 "labels": .object(["flotilla.dev/inventory": .string("true")])]),
            "data": .object(["objects": .string(text)]),
        ])
        _ = try client.apply(object, fieldManager: settings.fieldManager, force: true)
        state.withLock { $0.inventory = keys }
    }

    // MARK: Watching

    /// Starts an informer per kind not watched yet and waits (at most `wait` seconds) until every kind has listed
    /// or failed. Returns the kinds that have not listed, with why: each fails only its own works.
    func ensureInformers(_ kinds: Set<KindKey>, wait: Double = 10) -> [KindKey: String] {
        guard let connection else {
            return Dictionary(uniqueKeysWithValues: kinds.map { ($0, connectionError ?? "no connection") })
        }
        var started: [Informer] = []
        state.withLock { state in
            for kind in kinds.sorted() where state.informers[kind] == nil {
                guard let transport = try? CurlTransport(connection: connection) else { continue }
                let informer = Informer(client: KubeClient(transport: transport), apiVersion: kind.apiVersion,
                                        kind: kind.kind) { [weak self] event in self?.handle(kind, event) }
                state.informers[kind] = informer
                started.append(informer)
            }
        }
        for informer in started { informer.start() }
        let deadline = Date().addingTimeInterval(wait)
        let fresh = Set(started.map { KindKey(apiVersion: $0.apiVersion, kind: $0.kind) })
        while true {
            // Done when every kind listed, or failed (a kind that failed before is not waited for again).
            let pending = state.withLock { state in
                kinds.filter { !state.syncedKinds.contains($0) && (fresh.contains($0) ? state.kindErrors[$0] == nil : false) }
            }
            if pending.isEmpty || Date() >= deadline || stopped.load(ordering: .acquiring) { break }
            Thread.sleep(forTimeInterval: 0.01)
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

    static func isOwned(_ object: JSONValue) -> Bool {
        object.value(at: ["metadata", "labels", managedBy])?.stringValue == "flotilla"
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
        state.withLock { state in
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
                if Self.isOwned(object) {
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
                state.kindErrors[kind] = nil
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
                logger.debug("watch failed", metadata: ["kind": "\(kind.kind)", "error": "\(error)"])
                if !state.syncedKinds.contains(kind) {
                    changed = state.kindErrors[kind] == nil
                    state.kindErrors[kind] = "\(error)"
                } else {
                    changed = false
                }
            }
        }
        report(drifts)
        if heal && settings.selfHeal { scheduleHeal() }
        if released { requestSync() }
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
            let fields = work.differences(from: live)
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

    func scheduleHeal() {
        let start = state.withLock { state -> Bool in
            if state.healScheduled { return false }
            state.healScheduled = true
            return true
        }
        guard start else { return }
        syncQueue.async { [self] in heal() }
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
            guard let work = desired[key], !state.withLock({ $0.foreign.contains(key) }) else { continue }
            if state.withLock({ $0.live[key] == nil }) {
                // Re-creating what was deleted: unless someone has made an object of that name since (which is then
                // theirs, a collision at the next pass, never taken over).
                if let existing = try? client.get(apiVersion: key.apiVersion, kind: key.kind, namespace: key.namespace,
                                                  name: key.name), !Self.isOwned(existing) {
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
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { [self] in scheduleHeal() }
        }
        onChange(name, false)
    }

    // MARK: Probing

    func probeLoop(_ connection: ClusterConnection) {
        guard let transport = try? CurlTransport(connection: connection) else { return }
        let client = KubeClient(transport: transport)
        while !stopped.load(ordering: .acquiring) {
            let now = Date()
            var healthy = false
            var problem: String?
            let response = try? transport.perform(KubeRequest(path: "/readyz", timeout: 2))
            if let response, response.status == 200 {
                healthy = true
            } else if let response, response.status == 404,
                      let fallback = try? transport.perform(KubeRequest(path: "/healthz", timeout: 2)), fallback.status == 200 {
                healthy = true
            } else {
                problem = response.map { "/readyz answered \($0.status)" } ?? "unreachable"
            }
            var version = state.withLock { $0.version }
            if healthy, version == nil {
                do throws(KubeError) { version = try client.version() } catch { healthy = false; problem = "\(error)" }
            }
            let refused = version.flatMap(Self.refusal(forVersion:))
            let transition = state.withLock { state -> Bool in
                state.lastProbe = now
                state.version = version
                state.refused = refused
                state.probeError = problem
                let wasReady = state.ready
                let firstProbe = !state.everProbed
                state.everProbed = true
                if healthy && refused == nil {
                    state.failingSince = nil
                    state.ready = true
                } else {
                    if state.failingSince == nil { state.failingSince = now }
                    if firstProbe || now.timeIntervalSince(state.failingSince!) >= settings.failureThreshold {
                        state.ready = false
                    }
                }
                if wasReady != state.ready || firstProbe { state.lastTransition = now }
                return wasReady != state.ready || firstProbe
            }
            if transition {
                let ready = state.withLock { $0.ready }
                logger.notice(ready ? "cluster ready" : "cluster not ready",
                              metadata: ["reason": "\(refused ?? problem ?? "")"])
                // The engine decides what happens next: a re-plan, or a sync of what this cluster already has.
                onChange(name, true)
            }
            Thread.sleep(forTimeInterval: settings.probeInterval)
        }
    }

    /// Why a cluster of this version is refused (older than Kubernetes 1.11), or nil.
    static func refusal(forVersion version: String) -> String? {
        let digits = version.drop { $0 == "v" }.split(separator: ".").prefix(2)
            .map { Int($0.prefix { $0.isNumber }) ?? 0 }
        guard digits.count == 2 else { return nil }
        if digits[0] < 1 || (digits[0] == 1 && digits[1] < 11) {
            return "Kubernetes \(version) is older than 1.11, which Flotilla needs"
        }
        return nil
    }

    // MARK: Reporting

    public var isReady: Bool { state.withLock { $0.ready } }
    public var hasProbed: Bool { state.withLock { $0.everProbed } }

    /// The cluster as placement sees it: readiness and capacity (allocatable from nodes, allocated from what
    /// Flotilla runs there).
    public func placementState() -> ClusterState {
        state.withLock { state in
            let total = Self.allocatableMilli(state.nodes)
            var allocated: [String: Int64] = [:]
            for (key, object) in state.live where key.group == "apps" {
                let replicas = object.value(at: ["spec", "replicas"])?.intValue ?? 1
                let containers = object.value(at: ["spec", "template", "spec", "containers"])?.arrayValue ?? []
                allocated["pods", default: 0] += replicas * 1000
                for container in containers {
                    for (resource, value) in container.value(at: ["resources", "requests"])?.objectValue ?? [:] {
                        guard let text = value.stringValue, let milli = Quantity(text).milliValue else { continue }
                        allocated[resource, default: 0] += milli * replicas
                    }
                }
            }
            guard state.everProbed || !state.nodes.isEmpty else { return ClusterState(ready: state.ready) }
            let toQuantities: ([String: Int64]) -> [String: Quantity] = { values in
                values.reduce(into: [:]) { result, entry in
                    result[entry.key] = Quantity("\(entry.value)m")
                }
            }
            return ClusterState(ready: state.ready,
                                allocatable: state.nodes.isEmpty ? nil : toQuantities(total),
                                allocated: state.nodes.isEmpty ? nil : toQuantities(allocated))
        }
    }

    /// The nodes' allocatable resources, summed, in thousandths (millicores for CPU).
    static func allocatableMilli(_ nodes: [String: JSONValue]) -> [String: Int64] {
        var totals: [String: Int64] = [:]
        for node in nodes.values {
            for (resource, value) in node.value(at: ["status", "allocatable"])?.objectValue ?? [:] {
                guard let text = value.stringValue ?? value.intValue.map(String.init),
                      let milli = Quantity(text).milliValue else { continue }
                totals[resource, default: 0] += milli
            }
        }
        return totals
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
                                  lastError: state.errors[key] ?? work.failure)
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
                                 lastProbe: state.lastProbe, lastError: state.syncError, held: state.held,
                                 kept: state.keeps.isEmpty ? nil
                                     : state.keeps.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" },
                                 capacity: state.syncedKinds.contains(Self.nodeKind) ? nil
                                     : state.kindErrors[Self.nodeKind].map { "unknown: nodes cannot be listed (\($0))" },
                                 works: works.count, synced: works.filter { $0.sync == .synced }.count,
                                 healthy: works.filter { $0.health == .healthy }.count)
        }
    }

    public func drift() -> (open: [DriftRecord], healed: [DriftRecord]) {
        state.withLock { state in
            (state.openDrift.values.sorted { ($0.detectedAt, $0.object) > ($1.detectedAt, $1.object) }, state.healedDrift)
        }
    }

    /// True when every desired work is applied, unchanged since, and healthy.
    public func isConverged(revision: String?) -> Bool {
        state.withLock { state in
            guard state.ready, state.currentKnown else { return false }
            for key in state.desired.keys {
                guard state.errors[key] == nil, state.openDrift[key] == nil, state.current.contains(key),
                      state.desired[key]?.failure == nil,
                      let live = state.live[key] else { return false }
                // Health is judged once per resourceVersion of the object (this runs on every batch of events).
                let version = live.value(at: ["metadata", "resourceVersion"])?.stringValue ?? ""
                if state.healthyAt[key] == version, !version.isEmpty { continue }
                guard HealthCheck.assess(live).status == .healthy else { return false }
                state.healthyAt[key] = version
            }
            return true
        }
    }
}

/// Counts requests by verb and status code, for `flotilla_apply_requests_total`.
final class CountingTransport: KubeTransport {
    let base: any KubeTransport
    let cluster: String
    let onRequest: @Sendable (String, String, String) -> Void

    init(base: any KubeTransport, cluster: String, onRequest: @escaping @Sendable (String, String, String) -> Void) {
        self.base = base
        self.cluster = cluster
        self.onRequest = onRequest
    }

    func perform(_ request: KubeRequest) throws(KubeError) -> KubeResponse {
        do {
            let response = try base.perform(request)
            onRequest(cluster, request.method, "\(response.status)")
            return response
        } catch {
            onRequest(cluster, request.method, "error")
            throw error
        }
    }
}

/// Lets the first of several callers through, once.
final class ResumeOnce: Sendable {
    private let done = Atomic<Bool>(false)

    /// True for the first caller only.
    func claim() -> Bool { !done.exchange(true, ordering: .acquiringAndReleasing) }
}
