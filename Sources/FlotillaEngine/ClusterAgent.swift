import Dispatch
import FlotillaDiff
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging
import Synchronization

/// Converges one member cluster: applies its works, prunes what is no longer desired, keeps a watch-fed view of
/// what Flotilla owns there, detects and heals drift, probes readiness. Its life (`run`) is one child task of the
/// engine; every cluster call blocks, so the task hands them to lanes of its own (never the cooperative pool), and
/// one slow cluster never holds another.
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

    /// Syncs and heals, one at a time.
    let syncLane: BlockingLane
    /// Readiness probes and discovery.
    let probeLane: BlockingLane
    /// The lane and connection of the autoscaler's metrics reads.
    let metricsLane: BlockingLane
    let metricsConnection: MetricsConnection?
    /// Wakes the agent's work loop (a sync or a heal was asked for); `stop` finishes it.
    let wakes: AsyncStream<Void>
    let wake: AsyncStream<Void>.Continuation
    let workerQueues: [DispatchQueue]
    let clients: [KubeClient]
    let state = Mutex(AgentState())
    let stopped = Atomic<Bool>(false)
    /// Broadcast whenever the watch-fed view changed (a kind listed or failed, an object arrived): what waits for the
    /// view (a kind to list, a CRD to be Established) sleeps on it instead of polling.
    let viewChanged = NSCondition()

    struct AgentState {
        var desired: [ObjectKey: DesiredWork] = [:]
        /// Templates a failover moved off this cluster while it was unreachable.
        var relocated: Set<ResourceIdentity> = []
        /// The revision's commit lets this cluster's deletions through the guard.
        var allowPrune = false
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
        /// Fields the server dropped from the last apply of each work (unknown to its schema): never drift.
        var dropped: [ObjectKey: Set<String>] = [:]
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
        /// A sync was asked for and has not started.
        var syncWanted = false
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
        self.syncLane = BlockingLane(label: "flotilla.cluster.\(name)")
        self.probeLane = BlockingLane(label: "flotilla.cluster.\(name).probe")
        self.metricsLane = BlockingLane(label: "flotilla.cluster.\(name).metrics")
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
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
        self.metricsConnection = self.dial.map(MetricsConnection.init)
        self.connectionError = connectionError
        self.clients = clients
        self.workerQueues = clients.indices.map { DispatchQueue(label: "flotilla.cluster.\(name).worker\($0)") }
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
        await syncLane.drained(timeout: timeout)
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
    /// `relocated`: templates a failover moved off this cluster while it was unreachable (their prunes are not
    /// held by the mass-deletion guard).
    /// `allowPrune`: the revision's commit carries the `Flotilla-Allow-Prune` trailer for this cluster.
    public func setDesired(_ works: [ObjectKey: DesiredWork], revision: String?, relocated: Set<ResourceIdentity> = [],
                           allowPrune: Bool = false) {
        let hasFailures = works.values.contains { $0.failure != nil }
        let replaced = state.withLock { state -> [ObjectKey: DesiredWork] in
            let replaced = state.desired
            state.desired = works
            state.relocated = relocated
            state.allowPrune = allowPrune
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
}
