import Dispatch
import FlotillaDiff
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging
import Synchronization

/// Converges one member cluster: applies its works, prunes what is no longer desired, keeps a watch-fed view of
/// what Flotilla owns there, detects and heals drift, probes readiness. Every cluster call blocks, so an agent
/// works on queues and threads of its own, never on the cooperative pool; one slow cluster never holds another.
public final class ClusterAgent: @unchecked Sendable {
    public static let inventoryNamespace = "flotilla-system"
    static let managedBy = Scheduler.managedByLabel

    public let name: String
    /// Opens a connection to the cluster; nil when it cannot be reached (`connectionError` says why).
    let dial: ClusterDial?
    let connectionError: String?
    let settings: AgentSettings
    /// The probe interval, the failure threshold and the retry backoff run on this clock.
    let clock: any EngineClock
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
    /// Broadcast whenever the watch-fed view changed (a kind listed or failed, an object arrived): what waits for the
    /// view (a kind to list, a CRD to be Established) sleeps on it instead of polling.
    let viewChanged = NSCondition()

    struct AgentState {
        var desired: [ObjectKey: DesiredWork] = [:]
        /// Each workload's requested resources, by the resourceVersion they were read from (placement's capacity).
        var allocationCache: [ObjectKey: (version: String, share: [String: Int64])] = [:]
        /// The desired key that kept the cluster from converging when last asked.
        var convergenceBlocker: ObjectKey?
        /// Whether a desired work is a last good work kept for a failed render (the cluster cannot be converged).
        var desiredHasFailures = false
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
        var errors: [ObjectKey: ReconcileError] = [:]
        var live: [ObjectKey: JSONValue] = [:]
        var foreign: Set<ObjectKey> = []
        var inventory: Set<ObjectKey>?
        /// Each inventory shard's text as last read or written (only changed shards are written).
        var inventoryTexts: [String] = []
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
        /// What the cluster serves, from discovery: each `apiVersion/Kind` and whether it is namespaced (nil until
        /// first read).
        var served: [KindKey: Bool]?
        var lastDiscovery: Date?
        /// A CRD changed: read discovery at the next probe.
        var discoveryDue = false
        /// CRD events seen (a discovery read clears `discoveryDue` only if none came while it was read).
        var crdEvents = 0
        var openDrift: [ObjectKey: DriftRecord] = [:]
        var healedDrift: [DriftRecord] = []
        var pendingHeals: Set<ObjectKey> = []
        var healScheduled = false
        var held: String?
        var syncError: ReconcileError?
        var syncing = false
        var syncAgain = false
        var failures = 0
        /// A retry after a failed sync is scheduled.
        var retryPending = false
    }

    public init(name: String, dial: ClusterDial?, connectionError: String? = nil, settings: AgentSettings,
                clock: any EngineClock = WallClock(),
                logger: Logger,
                onChange: @escaping @Sendable (String, Bool) -> Void,
                onRequest: @escaping @Sendable (String, String, String) -> Void,
                onDrift: @escaping @Sendable (DriftRecord, Double?) -> Void) {
        self.name = name
        self.settings = settings
        self.clock = clock
        var logger = logger
        logger[metadataKey: "cluster"] = "\(name)"
        self.logger = logger
        self.onChange = onChange
        self.onRequest = onRequest
        self.onDrift = onDrift
        self.syncQueue = DispatchQueue(label: "flotilla.cluster.\(name)")
        var connectionError = connectionError
        var clients: [KubeClient] = []
        if let dial {
            do throws(KubeError) {
                // One rate limit for the cluster, however many connections share it.
                let limiter = RateLimiter(qps: settings.qps, burst: settings.burst, now: Date().timeIntervalSinceReferenceDate)
                for _ in 0..<max(1, settings.workers) {
                    let counting = CountingTransport(base: ResilientTransport(try dial.open(),
                                                                              retry: RetryPolicy(maxAttempts: 4),
                                                                              limiter: limiter),
                                                     cluster: name, onRequest: onRequest)
                    clients.append(KubeClient(transport: counting))
                }
            } catch {
                connectionError = "\(error)"
            }
        }
        self.dial = connectionError == nil ? dial : nil
        self.connectionError = connectionError
        self.clients = clients
        self.workerQueues = clients.indices.map { DispatchQueue(label: "flotilla.cluster.\(name).worker\($0)") }
    }

    // MARK: Life

    /// Starts probing and watching nodes.
    public func start() {
        guard let dial else {
            state.withLock { $0.probeError = connectionError ?? "no connection" }
            return
        }
        let thread = Thread { [self] in probeLoop(dial) }
        thread.name = "probe \(name)"
        thread.start()
        // Started, not waited for: an unreachable cluster must not hold whoever starts it (the engine).
        _ = ensureInformers([Self.nodeKind, Self.namespaceKind], wait: 0)
    }

    public func stop() {
        stopped.store(true, ordering: .releasing)
        state.withLock { state in for informer in state.informers.values { informer.stop() } }
        signalViewChanged()
    }

    /// Wakes whatever waits for the view.
    func signalViewChanged() {
        viewChanged.lock()
        viewChanged.broadcast()
        viewChanged.unlock()
    }

    /// Blocks the calling (agent) thread until `done` holds, the agent stops, or `deadline` passes; `done` is looked
    /// at again whenever the view changes. Returns whether it holds.
    @discardableResult
    func waitForView(until deadline: Date, _ done: () -> Bool) -> Bool {
        viewChanged.lock()
        defer { viewChanged.unlock() }
        while true {
            if done() { return true }
            if stopped.load(ordering: .acquiring) || Date() >= deadline { return false }
            viewChanged.wait(until: min(deadline, Date().addingTimeInterval(1)))
        }
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

    /// A `ReconcileError` of this cluster.
    func error(_ cause: ReconcileError.Cause, _ object: ObjectKey? = nil) -> ReconcileError {
        ReconcileError(cluster: name, object: object, cause: cause)
    }

    /// Whether every failure on record is one a retry cannot fix (an invalid object, a collision): the retry then
    /// waits the longest backoff instead of hammering the cluster.
    var onlyPermanentFailures: Bool {
        state.withLock { state in
            let all = Array(state.errors.values) + (state.syncError.map { [$0] } ?? [])
            return !all.isEmpty && !all.contains(where: \.isRetryable)
        }
    }

    // MARK: Desired state

    /// Replaces the desired works and asks for a sync.
    public func setDesired(_ works: [ObjectKey: DesiredWork], revision: String?) {
        let hasFailures = works.values.contains { $0.failure != nil }
        let replaced = state.withLock { state -> [ObjectKey: DesiredWork] in
            let replaced = state.desired
            state.desired = works
            state.desiredHasFailures = hasFailures
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
                // A retry with backoff that does not hold the queue: a new revision meanwhile syncs at once. One
                // retry is pending at most (a sync asked for meanwhile that fails too does not start a second chain).
                // (Failures count retries: a pass that fails while a retry is pending does not lengthen the next one.)
                let permanent = onlyPermanentFailures
                let failures = state.withLock { state -> Int? in
                    if state.retryPending { return nil }
                    state.retryPending = true
                    state.failures = permanent ? max(state.failures + 1, 6) : state.failures + 1
                    return state.failures
                }
                if let failures {
                    let delay = min(30, 0.5 * pow(2, Double(min(failures, 6)))) * Double.random(in: 0.8...1.2)
                    clock.schedule(after: delay, tag: "sync-retry \(name)") { [weak self] in
                        guard let self else { return }
                        self.state.withLock { $0.retryPending = false }
                        if !self.stopped.load(ordering: .acquiring) { self.requestSync() }
                    }
                }
            } else if ok {
                state.withLock { $0.failures = 0 }
            }
            return
        }
    }
}
