import FlotillaDiff
import FlotillaGit
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// What the daemon reads, where it writes, and how it behaves. Every key of `flotilla.yaml`.
public struct EngineConfiguration: Sendable {
    public var repo: String
    public var ref: String?
    public var path: String = ""
    public var credentials = GitCredentials()
    public var cacheRoot: String
    public var gitTimeout: Double = 120
    public var kubeconfig: String?
    /// A folder of kubeconfig files named after clusters (`<cluster>`, `<cluster>.yaml`, `<cluster>.kubeconfig`).
    public var credentialsDirectory: String?
    public var interval: Double = 30
    public var webhookSecret: String?
    /// The branch status goes to; nil: no status commits.
    public var statusBranch: String? = "flotilla/status"
    /// Folder on the status branch (`status` by default; with the source branch as status branch, keep it out of
    /// the source path).
    public var statusPrefix: String = "status"
    public var statusInterval: Double = 10
    public var agent = AgentSettings()
    public var gitAuthor = GitSignature(name: "Flotilla", email: "flotilla@localhost")
    public var listen: String = "127.0.0.1:8080"

    public init(repo: String, cacheRoot: String) {
        self.repo = repo
        self.cacheRoot = cacheRoot
    }
}

extension GitSnapshot {
    /// The manifests of the snapshot's files.
    public var manifests: Manifests { manifests(cache: nil) }

    /// The manifests, re-parsing only files that changed since the cache last saw them.
    public func manifests(cache: ManifestParseCache?) -> Manifests {
        ManifestLoader.load(files: files.map { ManifestFile(path: $0.path, contents: $0.contents) }, cache: cache)
    }
}

/// The revision in force.
struct InForce: Sendable {
    var commit: String
    var files: [GitFile]
    var manifests: Manifests
    var plan: Plan
    /// The works handed to each cluster (with the last good works of templates this revision could not render).
    var works: [String: [ObjectKey: DesiredWork]]
    /// What the plan was computed from (the next revision reuses the placements whose inputs did not change).
    var inputs: ReusablePlacements.Inputs
    /// The works as the plan rendered them (without last good works kept for failed templates), and where each
    /// template's are.
    var rendered: [String: [ObjectKey: DesiredWork]]
    var index: Engine.WorkIndex
    var appliedAt: Date
}

/// The reconciler: source → load → validate → plan → per-cluster agents; status and metrics.
public actor Engine {
    public nonisolated let metrics: EngineMetrics
    public nonisolated let configuration: EngineConfiguration
    let source: GitSource
    let logger: Logger
    var agents: [String: ClusterAgent] = [:]
    /// How clusters are reached (chosen by the command line).
    let connector: any ClusterConnector
    /// The agents' clock (probes, failure threshold, backoff).
    let clock: any EngineClock
    var inForce: InForce?
    var lastSeenCommit: String?
    var sourceErrors: [String] = []
    var sourceErrorRevision: String?
    var pending: (revision: String, seenAt: ContinuousClock.Instant)?
    var triggeredAt: ContinuousClock.Instant?
    var replanNeeded = false
    /// Each cluster's readiness as the plan in force saw it.
    var plannedReadiness: [String: Bool] = [:]
    var lastStatusFiles: [String: Data] = [:]
    var lastStatusPush: ContinuousClock.Instant?
    var statusCommits = 0
    var lastPushError: String?
    /// What wakes the reconcile loop.
    nonisolated let signals = EngineSignals()
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
    var statusComputedAt: (changes: Int, revision: String?, seen: String?, errors: Int)?

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
                                                      credentialsDirectory: configuration.credentialsDirectory)
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
    let stateKey: String

    /// Records the revision in force and the placements, for the next start: encoded and written on a queue of its
    /// own (at thousands of templates that takes longer than a whole reconcile), in order, the newest last.
    func persist(revision: String) {
        let placements = placementsInForce
        let (source, path, logger) = (stateKey, PersistedState.path(cacheRoot: configuration.cacheRoot,
                                                                    instance: configuration.agent.instance), logger)
        Self.persistQueue.async {
            let state = PersistedState(source: source, revision: revision, placements: Dictionary(
                uniqueKeysWithValues: placements.map { ($0.key.description, $0.value) }))
            do { try state.save(path: path) } catch {
                logger.warning("cannot record the state for the next start", metadata: ["error": "\(error)"])
            }
        }
    }

    static let persistQueue = DispatchQueue(label: "flotilla.persist", qos: .utility)

    /// Waits until the state is on disk (at shutdown).
    func flushPersisted() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Self.persistQueue.async { continuation.resume() }
        }
    }

    // MARK: Triggers

    /// Asks for a fetch now (the webhook). Safe from any context.
    public nonisolated func trigger() {
        signals.wake()
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
            await group.waitForAll()
        }
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
            if noted.any { checkConvergence(changed: noted.clusters) }
            guard noted.woken || noted.pollDue || noted.retryDue || replanNeeded else { continue }
            if noted.woken && triggeredAt == nil { triggeredAt = .now }
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
            sourceErrors = ["fetch failed: \(error)"]
            metrics.reconciled("fetch_error")
            return
        }
        var snapshot = fetched
        metrics.gitFetchDuration.record(Self.seconds(ContinuousClock.now - started))
        let newCommit = snapshot.commit != lastSeenCommit
        lastSeenCommit = snapshot.commit
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
        var manifests = snapshot.manifests(cache: parseCache)
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
            let lastManifests = last.manifests(cache: parseCache)
            guard lastManifests.isValid else { return }
            logger.notice("the last good revision before the restart stays in force", metadata: ["revision": "\(good)"])
            snapshot = last
            manifests = lastManifests
        } else {
            sourceErrors = []
            sourceErrorRevision = nil
        }
        await ensureAgents(for: manifests.clusters)
        var states: [String: ClusterState] = [:]
        for (name, agent) in agents { states[name] = agent.placementState() }
        plannedReadiness = states.mapValues { $0.ready ?? false }
        let previous = inForce == nil && placementsInForce.isEmpty
            ? restored?.previousPlacements(of: manifests.templates.map(\.identity)) ?? [:] : placementsInForce
        let inputs = ReusablePlacements.Inputs(manifests: manifests, states: states, previous: previous)
        let reusable: [ResourceIdentity: TemplatePlacement] = inForce.map { old in
            let changed = ReusablePlacements.changedFiles(old.files.map { ($0.path, $0.contents) },
                                                          snapshot.files.map { ($0.path, $0.contents) })
            return ReusablePlacements.find(plan: old.plan, old: old.inputs, new: inputs, changedFiles: changed)
        } ?? [:]
        phase("reusable")
        let (plan, rendered, index) = Self.desiredWorks(
            manifests: manifests, states: states, previous: previous, revision: snapshot.commit,
            path: configuration.path, instance: configuration.agent.instance, reusable: reusable,
            inForce: inForce.map { ($0.rendered, $0.index) })
        phase("plan")
        for placement in plan.placements where placement.error != nil {
            logger.warning("template not placed; its last good works stay", metadata: [
                "template": "\(placement.identity)", "error": "\(placement.error ?? "")"])
        }
        var works = LastGoodWorks.retain(rendered: rendered, plan: plan, previous: inForce?.works ?? [:])
        placementsInForce = LastGoodWorks.placements(plan: plan, previous: previous)
        phase("retain")
        for name in agents.keys where works[name] == nil { works[name] = [:] }
        for (name, agent) in agents.sorted(by: { $0.key < $1.key }) {
            // A cluster that is not ready keeps what it had: a plan made without it must not prune it when it
            // comes back (its recovery re-plans first).
            guard states[name]?.ready != false || inForce == nil else { continue }
            agent.setDesired(works[name] ?? [:], revision: snapshot.commit)
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
                          inputs: inputs, rendered: rendered, index: index, appliedAt: Date())
        DispatchQueue.global(qos: .utility).async { withExtendedLifetime(retired) {} }
        replanNeeded = false
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
    }

    /// Templates whose `spec.replicas` belongs to an autoscaler: targeted by a FederatedHPA, or labelled with
    /// Karmada's retain-replicas label.
    static func delegatedTemplates(_ manifests: Manifests) -> Set<ResourceIdentity> {
        var result: Set<ResourceIdentity> = []
        for hpa in manifests.federatedHPAs {
            let target = hpa.spec.scaleTargetRef
            result.insert(ResourceIdentity(group: ResourceIdentity.group(ofAPIVersion: target.apiVersion ?? ""),
                                           kind: target.kind, namespace: hpa.metadata.namespace ?? "default",
                                           name: target.name))
        }
        for template in manifests.templates
        where template.labels["resourcetemplate.karmada.io/retain-replicas"] == "true" {
            result.insert(template.identity)
        }
        return result
    }

    /// Where a template's works are: the cluster and key of each.
    public typealias WorkIndex = [ResourceIdentity: [(cluster: String, key: ObjectKey)]]

    /// The plan of a revision and the works it gives each cluster.
    public static func desiredWorks(manifests: Manifests, states: [String: ClusterState],
                                    previous: [ResourceIdentity: [TargetCluster]], revision: String,
                                    path: String, instance: String = "flotilla") -> (Plan, [String: [ObjectKey: DesiredWork]]) {
        let (plan, works, _) = desiredWorks(manifests: manifests, states: states, previous: previous, revision: revision,
                                            path: path, instance: instance, reusable: [:], inForce: nil)
        return (plan, works)
    }

    /// The plan of a revision, the works it gives each cluster and where each template's works are. With placements
    /// to reuse, the works in force are taken over and only those of the other templates are removed and rendered
    /// (a commit touching one template costs one template, not the whole source).
    static func desiredWorks(manifests: Manifests, states: [String: ClusterState],
                             previous: [ResourceIdentity: [TargetCluster]], revision: String, path: String,
                             instance: String, reusable: [ResourceIdentity: TemplatePlacement],
                             inForce: (works: [String: [ObjectKey: DesiredWork]], index: WorkIndex)?)
        -> (Plan, [String: [ObjectKey: DesiredWork]], WorkIndex) {
        let label = path.isEmpty ? "." : path
        var scheduler = Scheduler(manifests: manifests, states: states, previous: previous,
                                  source: "\(label)@\(revision.prefix(12))", managedBy: instance)
        scheduler.reusable = reusable
        let plan = scheduler.plan(revision: revision)
        let delegated = delegatedTemplates(manifests)
        var works: [String: [ObjectKey: DesiredWork]] = [:]
        var index: WorkIndex = [:]
        var reused: Set<ResourceIdentity> = []
        if let inForce, !reusable.isEmpty {
            works = inForce.works
            reused = Set(plan.placements.lazy.filter(\.reused).map(\.identity))
            for (template, refs) in inForce.index {
                if reused.contains(template) {
                    index[template] = refs
                } else {
                    for ref in refs { works[ref.cluster]?[ref.key] = nil }
                }
            }
        }
        for placement in plan.placements where !reused.contains(placement.identity) {
            let paths: Set<String> = delegated.contains(placement.identity) ? ["spec.replicas"] : []
            var refs: [(cluster: String, key: ObjectKey)] = []
            for (cluster, object) in placement.works {
                guard let key = ObjectKey(object) else { continue }
                works[cluster, default: [:]][key] = DesiredWork(object: object, template: placement.identity,
                                                                delegatedPaths: paths)
                refs.append((cluster, key))
            }
            index[placement.identity] = refs
        }
        return (plan, works, index)
    }

    private func ensureAgents(for clusters: [Cluster]) async {
        var added: [ClusterAgent] = []
        for cluster in clusters where agents[cluster.name] == nil {
            let dial: ClusterDial?
            let error: String?
            switch connector.dialer(for: cluster) {
            case .success(let found): (dial, error) = (found, nil)
            case .failure(let failure): (dial, error) = (nil, failure.description)
            }
            let name = cluster.name
            let agent = ClusterAgent(
                name: name, dial: dial, connectionError: error, settings: configuration.agent, clock: clock,
                logger: logger,
                onChange: { [signals] cluster, readiness in
                    // Events can come by the thousand: noted and coalesced, the loop wakes once for a burst.
                    signals.clusterChanged(cluster, readiness: readiness)
                },
                onRequest: { [metrics] cluster, verb, code in metrics.request(cluster: cluster, verb: verb, code: code) },
                onDrift: { [metrics] record, delay in
                    metrics.drift(cluster: record.cluster)
                    if let delay { metrics.driftDetected.record(delay) }
                })
            agents[name] = agent
            added.append(agent)
            agent.start()
        }
        let names = Set(clusters.map(\.name))
        for (name, agent) in agents where !names.contains(name) {
            logger.notice("cluster removed from the source; no longer reconciled", metadata: ["cluster": "\(name)"])
            agent.stop()
            agents[name] = nil
        }
        // Placement needs to know which new clusters answer: wait (at most 15 s, under load) for their first probe.
        let deadline = ContinuousClock.now + .seconds(15)
        // ... and for their capacity (Nodes listed, or not listable): planned without it, a Divided workload would
        // go wholly to the clusters whose capacity is not known yet. Bounded: a hung cluster holds nothing.
        while ContinuousClock.now < deadline {
            let generation = signals.generation
            guard added.contains(where: { !$0.hasProbed || ($0.isReady && !$0.hasCapacityView) }) else { break }
            await signals.changed(after: generation, timeout: Self.seconds(deadline - ContinuousClock.now))
        }
    }

    /// The connection of a cluster: the kubeconfig context of its name, else a kubeconfig file of its name (or its
    /// secretRef's) in the credentials folder, else its `apiEndpoint` without credentials; or why there is none.
    public static func connection(for cluster: Cluster, kubeconfig: Kubeconfig?, kubeconfigError: String? = nil,
                                  credentialsDirectory: String?) -> (ClusterConnection?, String?) {
        if let kubeconfig, kubeconfig.contexts[cluster.name] != nil {
            do throws(KubeconfigError) { return (try kubeconfig.connection(context: cluster.name), nil) } catch {
                return (nil, "\(error)")
            }
        }
        if let folder = credentialsDirectory {
            let secretName = cluster.spec.secretRef?.name ?? cluster.name
            for candidate in [secretName, "\(secretName).yaml", "\(secretName).kubeconfig", "\(secretName)/kubeconfig"] {
                let path = "\(folder)/\(candidate)"
                guard FileManager.default.fileExists(atPath: path) else { continue }
                do throws(KubeconfigError) {
                    let file = try Kubeconfig.load(path: path)
                    return (try file.connection(), nil)
                } catch {
                    return (nil, "\(error)")
                }
            }
        }
        if let endpoint = cluster.spec.apiEndpoint, let url = URL(string: endpoint) {
            return (ClusterConnection(context: cluster.name, server: url), nil)
        }
        return (nil, kubeconfigError ?? "no kubeconfig context, credentials file or apiEndpoint for cluster \(cluster.name)")
    }

    func clusterChanged(_ cluster: String, readinessChanged: Bool) {
        if readinessChanged, let agent = agents[cluster] {
            metrics.clusterReady(cluster, agent.isReady)
            if inForce != nil, plannedReadiness[cluster] != agent.isReady {
                replanNeeded = true
                logger.notice("re-planning: cluster readiness changed",
                              metadata: ["cluster": "\(cluster)", "ready": "\(agent.isReady)"])
            } else if agent.isReady {
                agent.requestSync()
            }
        }
    }

    private func checkConvergence(changed: Set<String>) {
        guard let pending, let inForce, pending.revision == inForce.commit else { return }
        convergedClusters.subtract(changed)
        for name in targetClusters where !convergedClusters.contains(name) {
            guard let agent = agents[name], agent.isConverged(revision: pending.revision) else { return }
            convergedClusters.insert(name)
        }
        let elapsed = Self.seconds(ContinuousClock.now - pending.seenAt)
        metrics.commitToConverged.record(elapsed)
        logger.info("converged", metadata: ["revision": "\(pending.revision)",
                                            "seconds": "\(String(format: "%.3f", elapsed))"])
        self.pending = nil
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    // MARK: Status

    public var isReady: Bool { inForce != nil }

    /// The daemon's view, for `/api/v1/status`, the status page and the status branch.
    public func report() -> StatusReport {
        var clusters: [ClusterStatus] = []
        var works: [WorkStatus] = []
        for name in agents.keys.sorted() {
            let agentWorks = agents[name]!.workStatuses()
            clusters.append(agents[name]!.clusterStatus(works: agentWorks))
            works += agentWorks
        }
        var open: [DriftRecord] = []
        var healed: [DriftRecord] = []
        for name in agents.keys.sorted() {
            let drift = agents[name]!.drift()
            open += drift.open
            healed += drift.healed
        }
        open.sort { ($0.detectedAt, $0.object) > ($1.detectedAt, $1.object) }
        healed.sort { ($0.healedAt ?? $0.detectedAt, $0.object) > ($1.healedAt ?? $1.detectedAt, $1.object) }
        let placements = (inForce?.plan.placements ?? []).map { placement in
            StatusReport.Placement(template: placement.identity.description, apiVersion: placement.template.apiVersion,
                                   kind: placement.template.kind, namespace: placement.template.namespace,
                                   name: placement.template.name, policy: placement.policy?.description,
                                   clusters: placement.clusters.map { .init(name: $0.name,
                                                                            replicas: placement.hasReplicas ? Int($0.replicas) : nil) },
                                   error: placement.error)
        }
        var autoscalers: [StatusReport.Autoscaler] = []
        for hpa in inForce?.manifests.federatedHPAs ?? [] {
            let namespace = hpa.metadata.namespace ?? "default"
            let target = hpa.spec.scaleTargetRef
            let replicas = works.filter { $0.kind == target.kind && $0.name == target.name && $0.namespace == namespace }
                .compactMap(\.desiredReplicas).reduce(0, +)
            let minimum = Int(hpa.spec.minReplicas ?? 1)
            let maximum = Int(hpa.spec.maxReplicas)
            autoscalers.append(.init(name: hpa.metadata.name, namespace: namespace, target: "\(target.kind) \(target.name)",
                                     minReplicas: minimum, maxReplicas: maximum, replicas: Int(replicas),
                                     withinBounds: (minimum...max(minimum, maximum)).contains(Int(replicas))))
        }
        autoscalers.sort { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        return StatusReport(revision: inForce?.commit, latestSeen: lastSeenCommit,
                            sourcePath: configuration.path, sourceErrors: sourceErrors,
                            ready: inForce != nil, clusters: clusters, placements: placements, works: works,
                            openDrift: open, healedDrift: Array(healed.prefix(50)),
                            statusCommits: statusCommits, lastPushError: lastPushError, autoscalers: autoscalers)
    }

    /// Writes the status files when they changed (at most once per status interval, unless `force`).
    func writeStatus(force: Bool) async {
        // Nothing changed in any cluster since the last time, and that one was written: nothing to do (an idle
        // daemon then does no work for its status at all).
        let changes = signals.generation
        let key = (changes: changes, revision: inForce?.commit, seen: lastSeenCommit, errors: sourceErrors.count)
        if !force, lastPushError == nil, let last = statusComputedAt, last == key { return }
        statusComputedAt = key
        let report = report()
        for cluster in report.clusters {
            var counts: [String: Int] = [:]
            for work in report.works where work.cluster == cluster.name {
                counts["\(work.sync.rawValue)/\(work.health.rawValue)", default: 0] += 1
            }
            metrics.objects(cluster: cluster.name, counts: counts)
            metrics.clusterReady(cluster.name, cluster.ready)
        }
        guard let branch = configuration.statusBranch, report.revision != nil else { return }
        let files = StatusFiles.render(report, prefix: configuration.statusPrefix)
        guard files != lastStatusFiles else { return }
        let synced = report.works.filter { $0.sync == .synced }.count
        let short = String(report.revision?.prefix(12) ?? "none")
        let message = "status: \(short) \(synced)/\(report.works.count) synced\n\n"
            + "Flotilla-Revision: \(report.revision ?? "none")\n"
            + "Flotilla-Clusters: \(report.clusters.filter(\.ready).count)/\(report.clusters.count) ready\n"
        let request = GitCommitRequest(branch: branch, files: files, replacing: [configuration.statusPrefix],
                                       message: message, author: configuration.gitAuthor)
        do {
            let result = try await source.commitAndPush(request)
            if case .pushed = result { statusCommits += 1 }
            lastStatusFiles = files
            lastPushError = nil
        } catch {
            lastPushError = "\(error)"
            logger.warning("status push failed", metadata: ["error": "\(error)"])
        }
        _ = force
    }
}

/// Runs the engine under swift-service-lifecycle: SIGTERM cancels it, and it returns once in-flight writes are done.
public struct EngineService: Service {
    public let engine: Engine

    public init(engine: Engine) { self.engine = engine }

    public func run() async throws {
        let engine = self.engine
        let task = Task { await engine.run() }
        await withGracefulShutdownHandler {
            await task.value
        } onGracefulShutdown: {
            task.cancel()
        }
    }
}
