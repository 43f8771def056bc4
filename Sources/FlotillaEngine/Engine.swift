import FlotillaDiff
import FlotillaGit
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging
import ServiceLifecycle
import Synchronization


/// The reconciler: source → load → validate → plan → per-cluster agents; status and metrics.
public actor Engine {
    public nonisolated let metrics: EngineMetrics
    public nonisolated let configuration: EngineConfiguration
    let source: GitSource
    let logger: Logger
    var agents: [String: ClusterAgent] = [:]
    /// Runs each agent as a child task of `run`.
    nonisolated let agentTasks = AgentTasks()
    /// How clusters are reached (chosen by the command line).
    let connector: any ClusterConnector
    /// The agents' clock (probes, failure threshold, backoff).
    let clock: any EngineClock
    var inForce: InForce?
    var lastSeenCommit: String?
    var sourceErrors: [String] = []
    var sourceErrorRevision: String?
    var pending: (revision: String, seenAt: ContinuousClock.Instant)?
    /// When the pending revision was handed to the clusters (for the converged log's breakdown).
    var handedOutAt: ContinuousClock.Instant?
    var triggeredAt: ContinuousClock.Instant?
    var replanNeeded = false
    /// Each cluster's readiness as the plan in force saw it.
    var plannedReadiness: [String: Bool] = [:]
    /// The clusters' state the last plan was made with (the status branch records it for `flotilla plan`).
    var plannedStates: [String: ClusterState] = [:]
    /// Each cluster's API enablement as the plan in force saw it.
    var plannedAPIs: [String: [String]?] = [:]
    var lastStatusFiles: [String: Data] = [:]
    /// Every drift seen, as the status branch's monthly history keeps it.
    var driftHistory = DriftHistory()
    /// Attempts to read the history back from the status branch (given up after three).
    var driftHistoryReads = 0
    var driftHistoryLoaded = false
    var lastStatusPush: ContinuousClock.Instant?
    var statusCommits = 0
    var lastPushError: String?
    /// What wakes the reconcile loop.
    nonisolated let signals = EngineSignals()
    /// Webhook-caused fetches: a burst of five, then one a second; and whether one waits for its turn.
    var webhookBucket = TokenBucket(capacity: 5, perSecond: 1)
    var webhookDeferred = false
    /// Bumped by every scheduled poll: only the newest poll timer counts.
    var pollGeneration = 0
    /// The clusters found converged on the pending revision; only clusters with changes since are looked at again.
    var convergedClusters: Set<String> = []
    /// Parsed source files, by path and bytes: a commit re-parses only the files it changed.
    let parseCache = ManifestParseCache()
    /// Each template's last successful placement (the `previous` of sticky scheduling).
    var placementsInForce: [ResourceIdentity: [TargetCluster]] = [:]
    /// The clusters the revision in force places works on.
    var targetClusters: [String] = []
    var statusComputedAt: (changes: Int, revision: String?, seen: String?, errors: Int, rollouts: Int)?
    /// Bumped by every change of a rollout (the status is written again).
    var rolloutChanges = 0

    /// The engine over the Git source and the cluster connector the command line chose. Without a connector,
    /// clusters are reached over libcurl through the configuration's kubeconfig and credentials folder.
    public init(configuration: EngineConfiguration, logger: Logger, source: GitSource? = nil,
                connector: (any ClusterConnector)? = nil, clock: any EngineClock = WallClock()) throws {
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        self.metrics = EngineMetrics()
        var gitLogger = logger
        gitLogger[metadataKey: "component"] = "git"
        self.source = try source ?? GitSource(url: configuration.repo, credentials: configuration.credentials,
                                              cacheRoot: configuration.cacheRoot,
                                              timeout: .milliseconds(Int(configuration.gitTimeout * 1000)),
                                              logger: gitLogger)
        let kubeconfigConnector = KubeconfigConnector(kubeconfigPath: configuration.kubeconfig,
                                                      credentialsDirectory: configuration.credentialsDirectory,
                                                      allowInsecureEndpoints: configuration.allowInsecureEndpoints)
        self.connector = connector ?? kubeconfigConnector
        if let problem = (self.connector as? KubeconfigConnector)?.kubeconfigError {
            logger.error("cannot read the kubeconfig", metadata: ["error": "\(problem)"])
        }
        self.stateKey = "\(configuration.agent.instance) \(self.source.remote.url) \(configuration.ref ?? "HEAD") "
            + configuration.path
        let statePath = PersistedState.path(cacheRoot: configuration.cacheRoot, instance: configuration.agent.instance)
        self.restored = PersistedState.load(path: statePath, source: stateKey)
        if let restored {
            logger.info("restored the state of the last run",
                        metadata: ["revision": "\(restored.revision ?? "none")",
                                   "templates": "\(restored.placements.count)"])
        }
    }

    /// What the cache folder held at start (the last revision in force, the placements), for the first revision.
    var restored: PersistedState?
    /// WorkloadRebalancer runs done (restored at start, with the placements).
    var rebalanced: [String: RebalanceRuns.Record] = [:]
    var rebalancedRestored = false
    /// The taints ClusterTaintPolicies put on each cluster (kept from plan to plan).
    var policyTaints: [String: [Taint]] = [:]
    /// The policy that last placed each template, as it was then (`activationPreference: Lazy`).
    var lazyRecords: [ResourceIdentity: LazyActivation.Record] = [:]
    /// The replicas FederatedHPAs and cron rules set, their histories and decisions.
    var autoscaling = AutoscalingBook()
    /// Application failover's eviction tasks and the works draining from clusters they leave.
    var evictions = EvictionBook()
    /// The templates of the plan in force whose policy has application failover (defaulted).
    var failoverTemplates: [ResourceIdentity: ApplicationFailoverBehavior] = [:]
    var evictionTimerArmed = false
    /// The `Flotilla-Allow-Prune` trailer of the revision in force (draining works removed later obey it too).
    var pruneAllowance: PruneAllowance?
    /// Templates a plan moved off each cluster while that cluster was not ready: handed to it with its next works,
    /// so their prunes finish the failover instead of tripping the mass-deletion guard.
    var departures: [String: Set<ResourceIdentity>] = [:]
    /// Each RolloutPolicy's progress, by policy name, and what the engine knows to move it on.
    var rollouts: [String: RolloutProgress] = [:]
    var rolloutKnowledge: [String: RolloutKnowledge] = [:]
    var rolloutsRestored = false
    var rolloutTimerArmed = false
    /// The source's tags under `flotilla/` at the last fetch (approvals).
    var flotillaTags: Set<String> = []
    /// The manifests of earlier revisions some rollout stage still has, by commit.
    var rolloutManifests: [String: Manifests] = [:]
    /// Set once `run` has ended its loops (timers then do nothing).
    var stopped = false

    /// `cluster: key=value:Effect, ...` per cluster, sorted.
    static func describe(_ taints: [String: [Taint]]) -> String {
        taints.keys.sorted().map { name in
            "\(name): " + (taints[name] ?? []).map { "\($0.key)\($0.value.map { "=" + $0 } ?? ""):\($0.effect.rawValue)" }
                .joined(separator: ", ")
        }.joined(separator: "; ")
    }
    /// Whether the autoscaled replicas of the last run were taken back (at the first valid revision).
    var autoscalingRestored = false
    /// Whether the status branch was looked at for a state (once, at the first reconcile).
    var statusBranchChecked = false
    let stateKey: String

    // MARK: Triggers

    /// Asks for a fetch now (the webhook). Safe from any context. Unauthenticated asks (no webhook secret is
    /// configured) are rate limited; authenticated ones, which only a holder of the secret can send, are not.
    public nonisolated func trigger(authenticated: Bool = false) {
        signals.wake(authenticated: authenticated)
    }

    /// The ref a push must touch to matter (`refs/heads/<ref>`; nil: any).
    public nonisolated var watchedRef: String? {
        guard let ref = configuration.ref, !ref.isEmpty else { return nil }
        return ref.hasPrefix("refs/") ? ref : "refs/heads/\(ref)"
    }

    // MARK: Running

    /// Runs until cancelled: the reconcile loop and the status writer, woken by events (cluster changes, the webhook)
    /// and by timers on the engine's clock (the poll interval, the status interval). On cancellation, in-flight
    /// cluster writes finish before it returns.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.reconcileLoop() }
            group.addTask { await self.statusLoop() }
            group.addTask { await self.agentTasks.run() }
            group.addTask { await self.autoscalingLoop() }
            await group.waitForAll()
        }
        stopped = true
        for agent in agents.values { agent.stop() }
        // All clusters together get 8 s to finish what they are writing (SIGTERM must end within 10 s).
        let deadline = ContinuousClock.now + .seconds(8)
        for agent in agents.values {
            await agent.drain(timeout: Self.seconds(deadline - ContinuousClock.now))
        }
        await writeStatus(force: true)
        await flushPersisted()
        logger.info("stopped")
    }

    /// Sleeps until something happened, then handles it: readiness changes, convergence, and a reconcile when the
    /// webhook, the poll timer or a pending re-plan asks for one.
    private func reconcileLoop() async {
        signals.pollDue()
        for await _ in signals.wakeups {
            if Task.isCancelled { break }
            let noted = signals.take()
            for cluster in noted.readiness.sorted() { clusterChanged(cluster, readinessChanged: true) }
            if noted.any {
                checkConvergence(changed: noted.clusters)
                if !rollouts.isEmpty { evaluateRollouts() }
            }
            guard noted.woken || noted.pollDue || noted.retryDue || replanNeeded else {
                // A burst of watch events (a cold sync makes tens of thousands) is looked at in batches: after a
                // change, at most 100 times a second. Idle, nothing wakes the loop at all.
                try? await Task.sleep(for: .milliseconds(10))
                continue
            }
            if noted.woken && triggeredAt == nil { triggeredAt = .now }
            if noted.woken, !noted.authenticated, !noted.pollDue, !noted.retryDue, !replanNeeded,
               let wait = webhookBucket.take() {
                // Webhooks beyond a burst of five and then one fetch a second (a flood, signed or not) coalesce into
                // the next allowed one.
                if !webhookDeferred {
                    webhookDeferred = true
                    clock.schedule(after: wait, tag: "webhook") { [signals] in signals.wake() }
                }
                continue
            }
            if noted.woken { webhookDeferred = false }
            await reconcile()
            schedulePoll()
            if replanNeeded {
                // The re-plan could not be made (the source did not answer): try again in a second.
                clock.schedule(after: 1, tag: "replan") { [signals] in signals.retryDue() }
            }
        }
    }

    /// The next poll, an interval after this reconcile (an earlier poll timer is void).
    private func schedulePoll() {
        pollGeneration += 1
        let generation = pollGeneration
        clock.schedule(after: configuration.interval, tag: "poll") { [weak self, signals] in
            guard let self else { return }
            Task { if await self.pollGeneration == generation { signals.pollDue() } }
        }
    }

    /// Writes the status every status interval of the engine's clock, until cancelled.
    private func statusLoop() async {
        let (ticks, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let interval = max(0.5, configuration.statusInterval)
        @Sendable func arm() {
            clock.schedule(after: interval, tag: "status") { continuation.yield() }
        }
        arm()
        for await _ in ticks {
            if Task.isCancelled { break }
            await writeStatus(force: false)
            arm()
        }
        continuation.finish()
    }

    /// One reconcile. Idle (nothing new) it touches no cluster.
    func reconcile() async {
        let started = ContinuousClock.now
        var lastPhase = started
        var phases: [String] = []
        func phase(_ name: String) {
            let now = ContinuousClock.now
            phases.append("\(name)=\(Int(Self.seconds(now - lastPhase) * 1000))")
            lastPhase = now
        }
        let seenAt = triggeredAt ?? started
        triggeredAt = nil
        phases.append("wait=\(Int(Self.seconds(started - seenAt) * 1000))")
        if !statusBranchChecked {
            statusBranchChecked = true
            if restored == nil, inForce == nil { restored = await restoreFromStatusBranch() }
        }
        let prefix = configuration.statusPrefix
        let statusOnSourceBranch = configuration.statusBranch == nil
            || configuration.statusBranch == configuration.ref
        let fetched: GitSnapshot
        // The daemon never reconciles its own status files.
        let include: @Sendable (String) -> Bool = { path in
            ManifestLoader.isManifestPath(path) && !(statusOnSourceBranch && (path == prefix || path.hasPrefix(prefix + "/")))
        }
        do {
            fetched = try await source.snapshot(ref: configuration.ref, path: configuration.path, include: include)
        } catch {
            let message = "fetch failed: \(error)"
            // Once per new error (a missing ref or path is not logged by the Git layer, which cannot tell it matters).
            if sourceErrors != [message] {
                logger.warning("the source cannot be read", metadata: ["error": "\(error)"])
            }
            sourceErrors = [message]
            metrics.reconciled("fetch_error")
            return
        }
        var snapshot = fetched
        metrics.gitFetchDuration.record(Self.seconds(ContinuousClock.now - started))
        phase("fetch")
        let newCommit = snapshot.commit != lastSeenCommit
        lastSeenCommit = snapshot.commit
        noteTags(snapshot.tags)
        if inForce?.files == snapshot.files, !replanNeeded {
            if newCommit, inForce?.commit != snapshot.commit, statusOnSourceBranch,
               snapshot.message.contains("\nFlotilla-Revision: ") {
                // Flotilla's own status commit on the source branch: never a revision of its own (it would make
                // another status commit, and so on, forever).
                logger.debug("status commit, not a new revision", metadata: ["revision": "\(snapshot.commit)"])
            } else if newCommit, inForce?.commit != snapshot.commit {
                // Same manifests under a new commit (a revert, a README change): it is the revision in force now.
                logger.debug("new commit, same manifests", metadata: ["revision": "\(snapshot.commit)"])
                inForce?.commit = snapshot.commit
                sourceErrors = []
                sourceErrorRevision = nil
                metrics.revision(snapshot.commit)
            }
            metrics.reconciled("unchanged")
            return
        }
        if !newCommit, !replanNeeded, sourceErrorRevision == snapshot.commit {
            metrics.reconciled("invalid")
            return
        }
        var manifests = await load(snapshot)
        phase("load")
        if !manifests.isValid {
            let pathPrefix = configuration.path.isEmpty ? "" : configuration.path + "/"
            sourceErrors = manifests.errors.map { $0.mapFiles { pathPrefix + $0 }.description }
            sourceErrorRevision = snapshot.commit
            logger.error("revision does not validate; the previous one stays in force",
                         metadata: ["revision": "\(snapshot.commit)", "errors": "\(sourceErrors.count)",
                                    "first": "\(sourceErrors.first ?? "")"])
            metrics.reconciled("invalid")
            // Started on a broken head: the revision in force before the restart is in force again.
            guard inForce == nil, let good = restored?.revision, good != snapshot.commit,
                  let last = try? await source.snapshot(ref: good, path: configuration.path, include: include) else {
                return
            }
            let lastManifests = await load(last)
            guard lastManifests.isValid else { return }
            logger.notice("the last good revision before the restart stays in force", metadata: ["revision": "\(good)"])
            snapshot = last
            manifests = lastManifests
        } else {
            sourceErrors = []
            sourceErrorRevision = nil
            for warning in manifests.warnings.prefix(20) {
                logger.notice("accepted, not acted on", metadata: ["object": "\(warning)"])
            }
        }
        if !autoscalingRestored {
            autoscalingRestored = true
            let saved = restored?.autoscaled ?? [:]
            for template in manifests.templates where !saved.isEmpty {
                if let scaled = saved[template.identity.description] { autoscaling.replicas[template.identity] = scaled }
            }
            evictions.restore(restored?.evictions ?? [], templates: manifests.templates.map(\.identity))
        }
        autoscaling.prune(to: manifests)
        manifests = autoscaling.scaled(manifests)
        let scaled = autoscaling.plannedReplicas
        await ensureAgents(for: manifests.clusters)
        var states: [String: ClusterState] = [:]
        for (name, agent) in agents { states[name] = agent.placementState() }
        plannedReadiness = states.mapValues { $0.ready ?? false }
        plannedStates = states
        plannedAPIs = states.mapValues(\.apiEnablements)
        if !rebalancedRestored {
            rebalancedRestored = true
            rebalanced = restored?.rebalanced ?? [:]
            // The taints ClusterTaintPolicies had put on clusters stay until a policy removes them.
            if policyTaints.isEmpty { policyTaints = restored?.taints ?? [:] }
        }
        let rebalances = RebalanceRuns.due(manifests.workloadRebalancers, done: rebalanced)
        var previous = RebalanceRuns.previous(inForce == nil && placementsInForce.isEmpty
            ? restored?.previousPlacements(of: manifests.templates.map(\.identity)) ?? [:] : placementsInForce,
            without: rebalances)
        // A template being evicted from a cluster is no longer scheduled there (Karmada drops it from the binding).
        let evicted = evictions.evicted
        for (template, clusters) in evicted { previous[template] = previous[template]?.filter { !clusters.contains($0.name) } }
        let inputs = ReusablePlacements.Inputs(manifests: manifests, states: states, previous: previous)
        let reusable: [ResourceIdentity: TemplatePlacement] = inForce.map { old in
            let changed = ReusablePlacements.changedFiles(old.files.map { ($0.path, $0.contents) },
                                                          snapshot.files.map { ($0.path, $0.contents) })
            // A template whose autoscaled replicas changed is placed again.
            return ReusablePlacements.find(plan: old.plan, old: old.inputs, new: inputs, changedFiles: changed)
                .filter { old.scaled[$0.key] == scaled[$0.key] }
        } ?? [:]
        phase("reusable")
        let pinned = LazyActivation.pins(manifests, records: lazyRecords)
        let (plan, rendered, index) = Self.desiredWorks(
            manifests: manifests, states: states, previous: previous, revision: snapshot.commit,
            path: configuration.path, instance: configuration.agent.instance,
            reusable: reusable,
            inForce: inForce.map { ($0.rendered, $0.index) }, policyTaints: policyTaints, pinned: pinned,
            evicted: evicted)
        lazyRecords = LazyActivation.records(plan, previous: lazyRecords)
        phase("plan")
        if plan.policyTaints != policyTaints {
            logger.notice("cluster taints from ClusterTaintPolicies", metadata: ["taints": "\(Self.describe(plan.policyTaints))"])
            policyTaints = plan.policyTaints
        }
        rebalanced = RebalanceRuns.recorded(rebalances, plan: plan, rebalancers: manifests.workloadRebalancers,
                                            done: rebalanced, at: Date())
        for run in rebalances {
            logger.notice("rebalanced: placed afresh", metadata: ["workload": "\(run.workload)",
                                                                  "result": "\(rebalanced[run.key]?.result ?? "")"])
        }
        for placement in plan.placements where placement.error != nil {
            logger.warning("template not placed; its last good works stay", metadata: [
                "template": "\(placement.identity)", "error": "\(placement.error ?? "")"])
        }
        if !evictions.tasks.isEmpty,
           evictions.expire(fingerprints: Self.fingerprints(plan, of: Set(evictions.tasks.keys)),
                            rebalanced: Set(rebalances.map(\.workload))) {
            requestReplan()
        }
        failoverTemplates = Self.applicationFailover(plan)
        for placement in plan.placements where !placement.reused && placement.error == nil {
            guard let before = previous[placement.identity], !before.isEmpty else { continue }
            let now = Set(placement.clusters.map(\.name))
            for target in before where !now.contains(target.name) && states[target.name]?.ready == false {
                departures[target.name, default: []].insert(placement.identity)
            }
        }
        var works = LastGoodWorks.retain(rendered: rendered, plan: plan, previous: inForce?.works ?? [:])
        let placements = LastGoodWorks.placements(plan: plan, previous: previous)
        // Earlier revisions held by rollout stages are planned with this plan's placements as the previous ones, so
        // a template the revisions do not change is placed where this plan placed it (sticky), replicas included.
        works = await stageWorks(works, manifests: manifests, commit: snapshot.commit, states: states,
                                 previous: placements, include: include)
        works = keepDraining(works, plan: plan, states: states, moved: Self.moved(plan, previous: previous))
        works = injectPreservedState(works, plan: plan)
        placementsInForce = placements
        phase("retain")
        for name in agents.keys where works[name] == nil { works[name] = [:] }
        let allowance = PruneAllowance(message: snapshot.message)
        pruneAllowance = allowance
        if let allowance {
            logger.notice("the commit allows deletions past the guard", metadata: [
                "revision": "\(snapshot.commit)", "clusters": "\(allowance.clusters.map { $0.sorted().joined(separator: ",") } ?? "all")"])
        }
        for (name, agent) in agents.sorted(by: { $0.key < $1.key }) {
            // A cluster that is not ready keeps what it had: a plan made without it must not prune it when it
            // comes back (its recovery re-plans first).
            guard states[name]?.ready != false || inForce == nil else { continue }
            agent.setDesired(works[name] ?? [:], revision: snapshot.commit,
                             relocated: departures.removeValue(forKey: name) ?? [],
                             allowPrune: allowance?.allows(name) ?? false)
        }
        if inForce?.commit != snapshot.commit || pending == nil {
            pending = (snapshot.commit, seenAt)
        }
        convergedClusters = []
        targetClusters = works.compactMap { $0.value.isEmpty ? nil : $0.key }.sorted()
        // The previous revision's plan and manifests are freed on another thread: at tens of thousands of works that
        // takes tens of milliseconds, which a commit's convergence need not wait for.
        let retired = inForce
        inForce = InForce(commit: snapshot.commit, files: snapshot.files, manifests: manifests, plan: plan, works: works,
                          inputs: inputs, rendered: rendered, index: index, appliedAt: Date(), scaled: scaled)
        DispatchQueue.global(qos: .utility).async { withExtendedLifetime(retired) {} }
        replanNeeded = false
        handedOutAt = ContinuousClock.now
        phase("handout")
        persist(revision: snapshot.commit)
        restored = nil
        phase("persist")
        logger.debug("reconcile phases (ms)", metadata: ["phases": "\(phases.joined(separator: " ")) reused=\(reusable.count)"])
        metrics.revision(snapshot.commit)
        metrics.reconcileDuration.record(Self.seconds(ContinuousClock.now - started))
        metrics.reconciled("applied")
        logger.info("revision handed to the clusters",
                    metadata: ["revision": "\(snapshot.commit)", "templates": "\(plan.placements.count)",
                               "works": "\(works.values.map(\.count).reduce(0, +))"])
        checkConvergence(changed: Set(agents.keys))
        evaluateRollouts()
        runCronRules()
        armEvictionTimer()
    }
}
