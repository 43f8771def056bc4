@testable import FlotillaEngine
import FlotillaKube
import FlotillaModel
import FlotillaSim
import FlotillaTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// In-process simulated clusters, reached without HTTP: the engine's connector for tests.
struct SimConnector: ClusterConnector {
    struct Dialer: ClusterDialer {
        let cluster: SimCluster
        let faults: SimFaultSwitch
        let log: RequestLog

        func open() throws(KubeError) -> any StreamingKubeTransport {
            RecordingTransport(base: InProcessTransport(cluster: cluster, faults: faults), cluster: cluster.name, log: log)
        }
    }

    let clusters: [String: (SimCluster, SimFaultSwitch)]
    /// Every request the engine made, as `cluster METHOD path`.
    let log = RequestLog()

    init(_ names: [String], readyDelay: Double = 0) {
        var clusters: [String: (SimCluster, SimFaultSwitch)] = [:]
        for name in names {
            clusters[name] = (SimCluster(name: name, topology: .init(readyDelay: readyDelay, metricResolution: 1)),
                              SimFaultSwitch())
        }
        self.clusters = clusters
    }

    func dialer(for cluster: Cluster) -> Result<ClusterDial, ConnectionFailure> {
        guard let (sim, faults) = clusters[cluster.name] else { return .failure(ConnectionFailure("no such sim")) }
        return .success(Dialer(cluster: sim, faults: faults, log: log))
    }

    /// The clusters' controllers (workloads becoming ready), as `flotilla sim` runs them; cancel to stop.
    func runControllers(only names: Set<String>? = nil) -> Task<Void, Never> {
        let clusters = self.clusters.filter { names?.contains($0.key) ?? true }.values.map(\.0)
        return Task.detached {
            while !Task.isCancelled {
                for cluster in clusters { cluster.runControllers() }
                try? await Task.sleep(for: .milliseconds(25))
            }
        }
    }

    func client(_ name: String) -> KubeClient { KubeClient(transport: InProcessTransport(cluster: clusters[name]!.0)) }

    func replicas(_ cluster: String, _ namespace: String, _ name: String) -> Int64? {
        (try? client(cluster).get(apiVersion: "apps/v1", kind: "Deployment", namespace: namespace, name: name))?
            .value(at: ["spec", "replicas"])?.intValue
    }
}

/// The requests made to the simulated clusters.
final class RequestLog: Sendable {
    private let entries = Mutex<[String]>([])
    func append(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

/// A transport that records each request's method and path, then hands it on.
struct RecordingTransport: StreamingKubeTransport {
    let base: InProcessTransport
    let cluster: String
    let log: RequestLog

    func perform(_ request: KubeRequest) throws(KubeError) -> KubeResponse {
        log.append("\(cluster) \(request.method) \(request.path)")
        return try base.perform(request)
    }

    func stream(_ request: KubeRequest, onData: @escaping (Data) -> Bool) throws(KubeError) -> KubeResponse {
        log.append("\(cluster) \(request.method) \(request.path)")
        return try base.stream(request, onData: onData)
    }
}

/// A Git source in a temporary folder, removed with it.
final class TestRepository {
    let folder: URL
    let copy: GitWorkingCopy
    var bare: String { copy.bare }

    init(_ files: [String: String]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-engine-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        copy = try GitWorkingCopy(in: folder)
        try commit(files.mapValues { Optional($0) }, message: "initial")
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func commit(_ files: [String: String?], message: String) throws { try copy.commit(files, message: message) }
}

/// The whole engine in memory: a local Git repository, in-process simulated clusters (watch streams included), no
/// HTTP and no child process. Thresholds are short, so the tests wait fractions of a second, not the defaults.
@Suite(.serialized) struct InMemoryEngineTests {
    static func cluster(_ name: String) -> String {
        "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: \(name)}\nspec: {syncMode: Push}\n"
    }

    static func app(replicas: Int = 4, configMaps: Int = 0) -> String {
        var text = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: cart, namespace: shop}
            spec:
              replicas: \(replicas)
              selector: {matchLabels: {app: cart}}
              template:
                metadata: {labels: {app: cart}}
                spec: {containers: [{name: cart, image: "cart:1", resources: {requests: {cpu: 100m}}}]}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: shop, namespace: shop}
            spec:
              resourceSelectors:
                - {apiVersion: apps/v1, kind: Deployment}
                - {apiVersion: v1, kind: ConfigMap}
              placement:
                replicaScheduling:
                  replicaSchedulingType: Divided
                  replicaDivisionPreference: Weighted
                  weightPreference:
                    staticWeightList:
                      - {targetCluster: {clusterNames: [a]}, weight: 1}
                      - {targetCluster: {clusterNames: [b]}, weight: 1}

            """
        for index in 0..<configMaps {
            text += "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c\(index), namespace: shop}\ndata: {i: \"\(index)\"}\n"
        }
        return text
    }

    static let files = ["clusters/a.yaml": cluster("a"), "clusters/b.yaml": cluster("b"), "apps/shop.yaml": app()]

    static func engine(_ repository: TestRepository, _ connector: SimConnector, cache: String? = nil,
                       clock: ManualClock? = nil,
                       configure: (inout EngineConfiguration) -> Void = { _ in }) throws -> Engine {
        var configuration = EngineConfiguration(repo: repository.bare,
                                                cacheRoot: cache ?? repository.folder.appendingPathComponent("cache").path)
        configuration.ref = "main"
        configuration.statusBranch = nil
        configuration.interval = 0.2
        configuration.agent.probeInterval = 0.05
        configuration.agent.failureThreshold = 0.4
        var logger = Logger(label: "engine-test")
        logger.logLevel = ProcessInfo.processInfo.environment["ENGINE_TEST_LOG"] == nil ? .critical : .debug
        if let clock {
            // The defaults: probes every 2 s, NotReady after 10 s of failures, on the test's clock.
            configuration.agent.probeInterval = 2
            configuration.agent.failureThreshold = 10
        }
        configure(&configuration)
        if let clock {
            return try Engine(configuration: configuration, logger: logger, connector: connector, clock: clock)
        }
        return try Engine(configuration: configuration, logger: logger, connector: connector)
    }

    /// Runs the engine while `body` runs, then stops it and waits until it has.
    static func whileRunning(_ engine: Engine, _ body: () async throws -> Void) async throws {
        let running = Task { await engine.run() }
        do { try await body() } catch {
            running.cancel()
            await running.value
            throw error
        }
        running.cancel()
        await running.value
    }

    /// Polls `condition` (an engine query) until it holds or `timeout` seconds pass.
    static func eventually(_ timeout: Double = 30, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    static func converged(_ engine: Engine) async -> Bool {
        let report = await engine.report()
        return !report.works.isEmpty && report.works.allSatisfy { $0.sync == .synced && $0.health == .healthy }
    }

    @Test func failoverMovesReplicasAfterTheThresholdAndTheClusterKeepsWhatItHad() async throws {
        let repository = try TestRepository(Self.files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try Self.engine(repository, sims)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { await Self.converged(engine) })
            #expect(sims.replicas("a", "shop", "cart") == 2 && sims.replicas("b", "shop", "cart") == 2)

            sims.clusters["b"]!.1.set(SimFaults(down: true))
            #expect(await Self.eventually { await engine.report().clusters.first { $0.name == "b" }?.ready == false })
            #expect(await Self.eventually { sims.replicas("a", "shop", "cart") == 4 })
            // The NotReady cluster keeps what it had: nothing there is pruned.
            #expect(sims.replicas("b", "shop", "cart") == 2)

            sims.clusters["b"]!.1.set(SimFaults())
            #expect(await Self.eventually { await engine.report().clusters.allSatisfy(\.ready) })
            #expect(await Self.eventually { sims.replicas("a", "shop", "cart") == 2 && sims.replicas("b", "shop", "cart") == 2 })
        }
    }

    @Test func theGuardHoldsAMassDeletionAndNothingLeavesTheCluster() async throws {
        let repository = try TestRepository(["clusters/a.yaml": Self.cluster("a"), "clusters/b.yaml": Self.cluster("b"),
                                             "apps/shop.yaml": Self.app(configMaps: 6)])
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try Self.engine(repository, sims)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { await Self.converged(engine) })
            try repository.commit(["apps/shop.yaml": Self.app(configMaps: 0)], message: "drop the config")
            engine.trigger()
            #expect(await Self.eventually {
                await engine.report().clusters.first { $0.name == "a" }?.held?.contains("guard") == true
            })
            let configMaps = try sims.client("a").list(apiVersion: "v1", kind: "ConfigMap", namespace: "shop",
                                                       labelSelector: nil, pageSize: 100).items
            #expect(configMaps.count == 6)
            #expect(await engine.report().clusters.first { $0.name == "a" }?.held?
                .contains("`Flotilla-Allow-Prune: a`") == true)

            // A commit with the trailer for cluster a releases a's deletions; b stays held.
            try repository.commit(["apps/shop.yaml": Self.app(configMaps: 0) + "# allowed\n"],
                                  message: "drop the config for good\n\nFlotilla-Allow-Prune: a")
            engine.trigger()
            #expect(await Self.eventually {
                (try? sims.client("a").list(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", labelSelector: nil,
                                            pageSize: 100).items.count) == 0
            })
            #expect(await engine.report().clusters.first { $0.name == "b" }?.held != nil)
            #expect(try sims.client("b").list(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", labelSelector: nil,
                                              pageSize: 100).items.count == 6)
        }
    }

    @Test func aRestartOnABrokenHeadKeepsTheLastGoodRevisionAndItsPlacement() async throws {
        let repository = try TestRepository(Self.files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let cache = repository.folder.appendingPathComponent("cache").path
        let first = try Self.engine(repository, sims, cache: cache)
        let firstRun = Task { await first.run() }
        #expect(await Self.eventually { await Self.converged(first) })
        let good = await first.report().revision
        firstRun.cancel()
        await firstRun.value

        try repository.commit(["apps/broken.yaml": "kind: [\n"], message: "broken")
        let engine = try Self.engine(repository, sims, cache: cache)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually {
                let report = await engine.report()
                return report.revision == good && !report.sourceErrors.isEmpty
            })
            #expect(await engine.isReady)
            // Still healing: a change made meanwhile is put back.
            var live = try sims.client("a").get(apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "cart")
            live["spec"]?["replicas"] = .int(9)
            live["metadata"]?["managedFields"] = nil
            _ = try sims.client("a").update(live, fieldManager: "someone")
            #expect(await Self.eventually { sims.replicas("a", "shop", "cart") == 2 })
        }
    }

    /// Waits (briefly, in real time) until `count` probe threads sleep on the clock: their probe at this time is done.
    static func settle(_ clock: ManualClock, sleepers count: Int) async -> Bool {
        await eventually(5) { clock.sleepers >= count }
    }

    @Test func notReadyOnlyAfterTheThresholdOnTheInjectedClock() async throws {
        let repository = try TestRepository(Self.files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let clock = ManualClock()
        defer { clock.advance(by: 3600) }
        let engine = try Self.engine(repository, sims, clock: clock)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { await Self.converged(engine) })
            #expect(await Self.settle(clock, sleepers: 2))
            sims.clusters["b"]!.1.set(SimFaults(down: true))
            // Failing since the next probe (t = 2 s); 8 s of failures later it is still Ready and keeps its replicas.
            for _ in 0..<5 {
                clock.advance(by: 2)
                #expect(await Self.settle(clock, sleepers: 2))
            }
            #expect(await engine.report().clusters.first { $0.name == "b" }?.ready == true)
            #expect(sims.replicas("a", "shop", "cart") == 2)
            // At 10 s of failures it is NotReady, and its replicas go to the other cluster.
            clock.advance(by: 2)
            #expect(await Self.eventually { await engine.report().clusters.first { $0.name == "b" }?.ready == false })
            #expect(await Self.eventually { sims.replicas("a", "shop", "cart") == 4 })
        }
    }

    @Test func aFailingSyncRetriesWithBackoffOnTheInjectedClock() async throws {
        let repository = try TestRepository(Self.files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let clock = ManualClock()
        defer { clock.advance(by: 3600) }
        // The inventory cannot be read on b: its sync fails and is retried with growing, jittered delays.
        sims.clusters["b"]!.1.set(SimFaults(forbidden: ["configmaps"]))
        let engine = try Self.engine(repository, sims, clock: clock)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { clock.scheduled("sync-retry b").count == 1 }, "\(clock.scheduled("sync-retry b")) \(clock.scheduled("")) \(clock.scheduled("poll"))")
            #expect((0.8...1.2).contains(clock.scheduled("sync-retry b").first ?? 0), "\(clock.scheduled("sync-retry b"))")
            clock.advance(by: 1.2)
            #expect(await Self.eventually { clock.scheduled("sync-retry b").count == 1 && (clock.scheduled("sync-retry b").first ?? 0) > 1.2 }, "\(clock.scheduled("sync-retry b"))")
            #expect((1.6...2.4).contains(clock.scheduled("sync-retry b").first ?? 0), "\(clock.scheduled("sync-retry b"))")
            #expect(sims.replicas("b", "shop", "cart") == nil)
            // Once it can, the next retry converges it.
            sims.clusters["b"]!.1.set(SimFaults())
            clock.advance(by: 2.4)
            #expect(await Self.eventually { sims.replicas("b", "shop", "cart") == 2 })
            #expect(await Self.eventually { await Self.converged(engine) })
            #expect(clock.scheduled("sync-retry a").isEmpty, "a never failed: \(clock.scheduled("sync-retry a"))")
        }
    }

    /// A kind that cannot be listed backs off on the engine's clock (nothing retries until it moves), and the agents
    /// are child tasks of the engine: cancelling it ends their probes, which were asleep on the clock.
    @Test func watchBackoffRunsOnTheInjectedClockAndAgentsEndWithTheEngine() async throws {
        let repository = try TestRepository(Self.files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let clock = ManualClock()
        defer { clock.advance(by: 3600) }
        sims.clusters["b"]!.1.set(SimFaults(forbidden: ["deployments"]))
        let engine = try Self.engine(repository, sims, clock: clock)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { !clock.scheduled("watch-backoff b").isEmpty })
            #expect(clock.scheduled("watch-backoff b").allSatisfy { (0.1...0.7).contains($0) },
                    "\(clock.scheduled("watch-backoff b"))")
            #expect(clock.scheduled("watch-backoff a").isEmpty)
            #expect(await Self.eventually { sims.replicas("a", "shop", "cart") == 2 })
            // Allowed again: still nothing, in real time, until the engine's clock passes the backoff.
            sims.clusters["b"]!.1.set(SimFaults())
            try await Task.sleep(for: .milliseconds(1500))
            #expect(sims.replicas("b", "shop", "cart") == nil)
            clock.advance(by: 10)
            #expect(await Self.eventually { sims.replicas("b", "shop", "cart") == 2 })
            #expect(await Self.settle(clock, sleepers: 2))
        }
        #expect(clock.sleepers == 0, "the probes of both agents end with the engine")
    }

    /// Informers select by the managed-by label: what others run in the cluster is never listed, watched or kept.
    /// A name someone else holds is looked up before anything is applied, and reported as a collision; once they
    /// delete it, the next revision creates Flotilla's.
    @Test func onlyOwnedObjectsAreWatchedAndCollisionsAreLookedUp() async throws {
        let repository = try TestRepository(Self.files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let other = sims.client("a")
        func put(_ json: String) throws { _ = try other.apply(try JSONValue.parse(json), fieldManager: "someone", force: true) }
        try put(#"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "theirs"}}"#)
        for index in 0..<200 {
            try put(#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c\#(index)", "namespace": "theirs"}}"#)
        }
        let engine = try Self.engine(repository, sims)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { await Self.converged(engine) })
            // Someone else's ConfigMap under a name the source will desire.
            try put(#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c0", "namespace": "shop"}, "data": {"owner": "someone"}}"#)
            try repository.commit(["apps/shop.yaml": Self.app(configMaps: 2)], message: "two config maps")
            engine.trigger()
            #expect(await Self.eventually {
                let report = await engine.report()
                return report.works.contains { $0.cluster == "a" && $0.name == "c0" && $0.errorCode == "Collision" }
                    && report.works.contains { $0.cluster == "a" && $0.name == "c1" && $0.sync == .synced }
            })
            let theirs = try other.get(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "c0")
            #expect(theirs.value(at: ["data", "owner"])?.stringValue == "someone")
            #expect(theirs.value(at: ["metadata", "labels", "app.kubernetes.io/managed-by"]) == nil)

            // Every list and watch of a kind Flotilla manages asked only for its own objects.
            let reads = sims.log.all.filter { $0.hasPrefix("a GET ") && ($0.contains("watch=true") || $0.contains("limit=")) }
            let configMapReads = reads.filter { $0.contains("/configmaps?") }
            #expect(!configMapReads.isEmpty)
            for read in reads where !read.contains("/nodes?") && !read.contains("/namespaces?") {
                #expect(read.contains("labelSelector=app.kubernetes.io%2Fmanaged-by%3Dflotilla")
                        || read.contains("labelSelector=app.kubernetes.io%2Fmanaged-by%21%3Dflotilla"), "\(read)")
            }
            let agent = try #require(await engine.agents["a"])
            let kept = agent.state.withLock { state in state.live.keys.filter { $0.namespace == "theirs" }.count }
            #expect(kept == 0)

            // They delete theirs: the next revision creates Flotilla's.
            try other.delete(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "c0",
                             propagationPolicy: "Background", uid: nil)
            try repository.commit(["apps/shop.yaml": Self.app(replicas: 6, configMaps: 2)], message: "six")
            engine.trigger()
            #expect(await Self.eventually {
                let mine = try? other.get(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "c0")
                return mine?.value(at: ["metadata", "labels", "app.kubernetes.io/managed-by"])?.stringValue == "flotilla"
            })
        }
    }

    /// A watch that goes silent (answered, then nothing, never ended) is given up after its deadline and the kind is
    /// listed again: a change made meanwhile is found and healed.
    @Test func aSilentWatchIsNoticedAndWhatItMissedIsListed() async throws {
        let repository = try TestRepository(Self.files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try Self.engine(repository, sims) { $0.agent.watchSeconds = 1 }
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { await Self.converged(engine) })
            sims.clusters["a"]!.1.set(SimFaults(silentWatches: true))
            // Let the watches under way end and the silent ones start.
            try await Task.sleep(for: .seconds(2.5))
            var live = try sims.client("a").get(apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "cart")
            live["spec"]?["replicas"] = .int(9)
            live["metadata"]?["managedFields"] = nil
            _ = try sims.client("a").update(live, fieldManager: "someone")
            #expect(await Self.eventually(15) { sims.replicas("a", "shop", "cart") == 2 })
            // Recorded as healed once the next list shows it back (the watch that would echo the heal is silent).
            #expect(await Self.eventually(15) {
                await engine.report().healedDrift.contains { $0.cluster == "a" && $0.name == "cart" }
            })
        }
    }

    /// A server that fails under its watches (ERROR events, not 410) is backed off from on the engine's clock, as
    /// client-go's reflector does, never re-watched in a tight loop; once it recovers, the relist finds what changed.
    @Test func watchErrorsBackOffAndTheRelistFindsWhatChanged() async throws {
        let repository = try TestRepository(Self.files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let clock = ManualClock()
        defer { clock.advance(by: 3600) }
        let engine = try Self.engine(repository, sims, clock: clock)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { await Self.converged(engine) })
            sims.clusters["a"]!.1.set(SimFaults(watchError: true))
            #expect(await Self.eventually { clock.scheduled("watch-backoff a").count >= 2 },
                    "\(clock.scheduled("watch-backoff a"))")
            #expect(clock.scheduled("watch-backoff b").isEmpty)
            var live = try sims.client("a").get(apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "cart")
            live["spec"]?["replicas"] = .int(9)
            live["metadata"]?["managedFields"] = nil
            _ = try sims.client("a").update(live, fieldManager: "someone")
            sims.clusters["a"]!.1.set(SimFaults())
            clock.advance(by: 30)
            #expect(await Self.eventually(15) { sims.replicas("a", "shop", "cart") == 2 })
        }
    }

    /// A field the server does not know is dropped by it (as a real API server prunes it): the work converges,
    /// says which fields the server dropped, and the missing field is never drift to heal over and over.
    @Test func fieldsTheServerDropsAreReportedNotHealedForever() async throws {
        var files = Self.files
        files["apps/typo.yaml"] = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings, namespace: shop, lables: {team: a}}
            datas: {level: debug}
            data: {mode: fast}
            """
        let repository = try TestRepository(files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try Self.engine(repository, sims)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { await Self.converged(engine) })
            let live = try sims.client("a").get(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "settings")
            #expect(live["datas"] == nil && live["data"]?["mode"] == .string("fast"))
            try await Task.sleep(for: .milliseconds(500))
            let report = await engine.report()
            #expect(!report.openDrift.contains { $0.name == "settings" }, "\(report.openDrift)")
            #expect(!report.healedDrift.contains { $0.name == "settings" }, "\(report.healedDrift)")
            let work = report.works.first { $0.cluster == "a" && $0.kind == "ConfigMap" && $0.name == "settings" }
            #expect(work?.droppedFields == ["datas", "metadata.lables"], "\(String(describing: work))")
            let page = StatusFiles.render(report)["status/resources/shop/ConfigMap.settings.yaml"]
            let text = page.map { String(decoding: $0, as: UTF8.self) } ?? "(none: \(StatusFiles.render(report).keys.sorted()))"
            #expect(text.contains(#"droppedFields: ["datas", "metadata.lables"]"#), "\(text)")
        }
    }

    /// A template in an older version the cluster still serves (an `autoscaling/v1` HorizontalPodAutoscaler, stored
    /// as v2) converges through that version and is not drift.
    @Test func aTemplateInAnotherServedVersionConvergesWithoutDrift() async throws {
        var files = Self.files
        files["apps/hpa.yaml"] = """
            apiVersion: autoscaling/v1
            kind: HorizontalPodAutoscaler
            metadata: {name: cart, namespace: shop}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: cart}
              minReplicas: 1
              maxReplicas: 4
              targetCPUUtilizationPercentage: 60
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: hpa, namespace: shop}
            spec:
              resourceSelectors: [{apiVersion: autoscaling/v1, kind: HorizontalPodAutoscaler}]
              placement: {clusterAffinity: {clusterNames: [a]}}
            """
        let repository = try TestRepository(files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try Self.engine(repository, sims)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { await Self.converged(engine) })
            let stored = try sims.client("a").get(apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler",
                                                  namespace: "shop", name: "cart")
            #expect(stored.value(at: ["spec", "metrics"])?.arrayValue?.first?
                .value(at: ["resource", "target", "averageUtilization"]) == .int(60))
            try await Task.sleep(for: .milliseconds(500))
            let report = await engine.report()
            #expect(!report.openDrift.contains { $0.name == "cart" && $0.kind == "HorizontalPodAutoscaler" })
            let work = report.works.first { $0.kind == "HorizontalPodAutoscaler" }
            #expect(work?.sync == .synced && work?.droppedFields == nil, "\(String(describing: work))")
        }
    }

    /// Scope comes from each cluster's discovery: a custom resource whose CRD someone else installed (not in the
    /// source) is cluster-scoped there, so it is applied and tracked without a namespace, and converges.
    @Test func scopeComesFromDiscovery() async throws {
        let crd = #"""
            {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
             "metadata": {"name": "gadgets.example.com"},
             "spec": {"group": "example.com", "scope": "Cluster",
                      "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
                      "versions": [{"name": "v1", "served": true, "storage": true,
                                    "schema": {"openAPIV3Schema": {"type": "object",
                                                                   "x-kubernetes-preserve-unknown-fields": true}}}]}}
            """#
        let gadget = """
            apiVersion: example.com/v1
            kind: Gadget
            metadata: {name: g1}
            spec: {size: 3}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: ClusterPropagationPolicy
            metadata: {name: gadgets}
            spec:
              resourceSelectors:
                - {apiVersion: example.com/v1, kind: Gadget}
              placement:
                clusterAffinity: {clusterNames: [a]}

            """
        var files = Self.files
        files["apps/gadget.yaml"] = gadget
        let repository = try TestRepository(files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        _ = try sims.client("a").apply(try JSONValue.parse(crd), fieldManager: "someone", force: true)
        let engine = try Self.engine(repository, sims)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { await Self.converged(engine) })
            let work = await engine.report().works.first { $0.kind == "Gadget" }
            #expect(work?.cluster == "a" && work?.namespace == nil && work?.sync == .synced)
            let live = try sims.client("a").get(apiVersion: "example.com/v1", kind: "Gadget", namespace: nil, name: "g1")
            #expect(live.value(at: ["spec", "size"])?.intValue == 3)
            #expect(live.value(at: ["metadata", "namespace"]) == nil)
        }
    }

    /// The state is recorded on the status branch too: a daemon started with an empty cache folder (a new machine)
    /// on a broken head keeps the last good revision in force, as the one before it had it.
    @Test func theStatusBranchCarriesTheStateToANewMachine() async throws {
        let repository = try TestRepository(Self.files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        func engine(cache: String) throws -> Engine {
            try Self.engine(repository, sims, cache: repository.folder.appendingPathComponent(cache).path) {
                $0.statusBranch = "flotilla/status"
            }
        }
        let first = try engine(cache: "cache-1")
        let firstRun = Task { await first.run() }
        #expect(await Self.eventually { await Self.converged(first) })
        let good = await first.report().revision
        firstRun.cancel()
        await firstRun.value
        #expect(await first.statusCommits > 0)

        try repository.commit(["apps/broken.yaml": "kind: [\n"], message: "broken")
        let second = try engine(cache: "cache-2")
        try await Self.whileRunning(second) {
            #expect(await Self.eventually {
                let report = await second.report()
                return report.revision == good && !report.sourceErrors.isEmpty
            })
            #expect(await second.isReady)
        }
    }
}

extension InMemoryEngineTests {
    /// A cluster that throttles (every 4th request answered 429 with Retry-After) is converged all the same.
    @Test func aThrottlingClusterIsConvergedAllTheSame() async throws {
        let repository = try TestRepository(Self.files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        sims.clusters["a"]!.1.set(SimFaults(throttleEvery: 4))
        let engine = try Self.engine(repository, sims)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually(60) { await Self.converged(engine) })
            #expect(sims.log.all.filter { $0.hasPrefix("a ") }.count > 4)
        }
    }
}

extension InMemoryEngineTests {
    /// A Karmada kind Flotilla does not act on does not keep a revision out of force; the status lists it.
    @Test func karmadaKindsNotActedOnAreInTheStatusNotInTheWay() async throws {
        var files = Self.files
        files["apps/mcs.yaml"] = "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\n"
            + "metadata: {name: cart, namespace: shop}\nspec: {types: [CrossCluster]}\n"
        let repository = try TestRepository(files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try Self.engine(repository, sims)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { await Self.converged(engine) })
            let report = await engine.report()
            #expect(report.sourceErrors.isEmpty)
            #expect(report.sourceWarnings == ["apps/mcs.yaml:1: MultiClusterService.networking.karmada.io cart is accepted "
                                              + "but not acted on by Flotilla yet"])
        }
    }
}

extension InMemoryEngineTests {
    /// Karmada's `suspension` stops dispatching to a cluster (it keeps what it has, nothing is pruned), and
    /// `conflictResolution: Overwrite` (here through the template's annotation) takes an existing object over in
    /// place, where the default leaves it as a collision.
    @Test func suspensionHoldsAClusterAndOverwriteAdoptsInPlace() async throws {
        let repository = try TestRepository(Self.files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try Self.engine(repository, sims)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { await Self.converged(engine) })
            // Someone else's ConfigMap, then templates of that name: one left alone, one taken over.
            for name in ["theirs", "adopted"] {
                _ = try sims.client("a").apply(JSONValue.parse(#"""
                    {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)","namespace":"shop"},
                     "data":{"owner":"them"}}
                    """#), fieldManager: "someone", force: false)
            }
            let uid = try sims.client("a").get(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "adopted")
                .value(at: ["metadata", "uid"])
            let suspended = Self.app(replicas: 6).replacingOccurrences(
                of: "  placement:\n", with: "  suspension: {dispatchingOnClusters: {clusterNames: [b]}}\n  placement:\n")
            try repository.commit([
                "apps/shop.yaml": suspended,
                "apps/config.yaml": """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: theirs, namespace: shop}
                    data: {owner: flotilla}
                    ---
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: adopted
                      namespace: shop
                      annotations: {work.karmada.io/conflict-resolution: overwrite}
                    data: {owner: flotilla}
                    """,
            ], message: "suspend b, take over one ConfigMap")
            engine.trigger()
            #expect(await Self.eventually { sims.replicas("a", "shop", "cart") == 3 })
            let adopted = try sims.client("a").get(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "adopted")
            #expect(await Self.eventually {
                (try? sims.client("a").get(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "adopted"))?
                    .value(at: ["data", "owner"])?.stringValue == "flotilla"
            })
            #expect(adopted.value(at: ["metadata", "uid"]) == uid)
            let theirs = try sims.client("a").get(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "theirs")
            #expect(theirs.value(at: ["data", "owner"])?.stringValue == "them")
            // b is suspended: it keeps its 2 replicas, gets neither ConfigMap, and says why.
            #expect(sims.replicas("b", "shop", "cart") == 2)
            #expect((try? sims.client("b").get(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "adopted")) == nil)
            let report = await engine.report()
            let onB = report.works.filter { $0.cluster == "b" && $0.kind == "Deployment" }
            #expect(onB.map(\.errorCode) == ["Suspended"])
            #expect(report.works.first { $0.cluster == "a" && $0.name == "theirs" }?.errorCode == "Collision")
        }
    }
}

extension InMemoryEngineTests {
    /// A WorkloadRebalancer runs once: its result is in the status, and a restart (the state in the cache folder)
    /// does not run it again.
    @Test func aWorkloadRebalancerRunsOnceAcrossRestarts() async throws {
        var files = Self.files
        files["apps/rebalance.yaml"] = """
            apiVersion: apps.karmada.io/v1alpha1
            kind: WorkloadRebalancer
            metadata: {name: again}
            spec:
              workloads:
                - {apiVersion: apps/v1, kind: Deployment, name: cart, namespace: shop}
                - {apiVersion: apps/v1, kind: Deployment, name: missing, namespace: shop}
            """
        let repository = try TestRepository(files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let cache = repository.folder.appendingPathComponent("cache").path
        var finished: [Date?] = []
        let first = try Self.engine(repository, sims, cache: cache)
        try await Self.whileRunning(first) {
            #expect(await Self.eventually { await Self.converged(first) })
            let rebalances = await first.report().rebalances ?? []
            #expect(rebalances.map(\.result) == ["Successful", "Failed"])
            #expect(rebalances.last?.reason == "ReferencedBindingNotFound")
            finished = rebalances.map(\.finishedAt)
        }
        let second = try Self.engine(repository, sims, cache: cache)
        try await Self.whileRunning(second) {
            #expect(await Self.eventually { await Self.converged(second) })
            let rebalances = await second.report().rebalances ?? []
            #expect(rebalances.map(\.finishedAt) == finished)
            #expect(rebalances.allSatisfy { !$0.expired })
        }
    }
}

extension InMemoryEngineTests {
    /// A taint a ClusterTaintPolicy put on a cluster stays until the policy's remove conditions match, as on Karmada's
    /// Cluster object, across a restart too (it lived only in memory).
    @Test func policyTaintsSurviveARestart() async throws {
        var files = Self.files
        files["clusters/taints.yaml"] = """
            apiVersion: policy.karmada.io/v1alpha1
            kind: ClusterTaintPolicy
            metadata: {name: quarantine-b}
            spec:
              targetClusters: {clusterNames: [b]}
              addOnConditions: [{conditionType: Ready, operator: NotIn, statusValues: ["True"]}]
              removeOnConditions: [{conditionType: Ready, operator: In, statusValues: ["Unknown"]}]
              taints: [{key: example.com/quarantine, effect: NoSchedule}]
            """
        let repository = try TestRepository(files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let cache = repository.folder.appendingPathComponent("cache").path
        sims.clusters["b"]!.1.set(SimFaults(down: true))
        let first = try Self.engine(repository, sims, cache: cache)
        try await Self.whileRunning(first) {
            #expect(await Self.eventually {
                await first.report().clusters.first { $0.name == "b" }?.taints == ["example.com/quarantine:NoSchedule"]
            })
            #expect(await Self.eventually { sims.replicas("a", "shop", "cart") == 4 })
        }
        // b is back and Ready: the add conditions no longer match, the remove conditions do not either.
        sims.clusters["b"]!.1.set(SimFaults())
        let second = try Self.engine(repository, sims, cache: cache)
        try await Self.whileRunning(second) {
            #expect(await Self.eventually { await second.report().clusters.first { $0.name == "b" }?.ready == true })
            #expect(await Self.eventually { await Self.converged(second) })
            let b = await second.report().clusters.first { $0.name == "b" }
            #expect(b?.taints == ["example.com/quarantine:NoSchedule"], "\(String(describing: b))")
            #expect(sims.replicas("b", "shop", "cart") == nil && sims.replicas("a", "shop", "cart") == 4)
        }
    }

    /// Loading runs off the engine with a time limit: a revision that takes longer is refused, and says so.
    @Test func aRevisionThatLoadsTooLongIsRefused() async throws {
        var files = Self.files
        files["apps/shop.yaml"] = Self.app(configMaps: 3000)
        let repository = try TestRepository(files)
        let sims = SimConnector(["a", "b"])
        let engine = try Self.engine(repository, sims) { $0.loadTimeout = 0.001 }
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually {
                await engine.report().sourceErrors.contains { $0.contains("took longer than 0.001 s; refused") }
            })
            #expect(await engine.report().revision == nil)
        }
    }
}

extension InMemoryEngineTests {
    /// preserveResourcesOnDeletion: templates that leave the source leave their objects in the cluster, released
    /// (no managed-by label), never deleted; without it they are pruned.
    @Test func preservedResourcesAreReleasedNotDeleted() async throws {
        let preserving = Self.app(configMaps: 2).replacingOccurrences(
            of: "  placement:\n", with: "  preserveResourcesOnDeletion: true\n  placement:\n")
        let repository = try TestRepository(["clusters/a.yaml": Self.cluster("a"), "clusters/b.yaml": Self.cluster("b"),
                                             "apps/shop.yaml": preserving])
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try Self.engine(repository, sims)
        try await Self.whileRunning(engine) {
            #expect(await Self.eventually { await Self.converged(engine) })
            let before = try sims.client("a").get(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "c1")
            try repository.commit(["apps/shop.yaml": Self.app(configMaps: 1).replacingOccurrences(
                of: "  placement:\n", with: "  preserveResourcesOnDeletion: true\n  placement:\n")],
                                  message: "drop c1")
            engine.trigger()
            #expect(await Self.eventually {
                let object = try? sims.client("a").get(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "c1")
                return object != nil && object?.value(at: ["metadata", "labels", "app.kubernetes.io/managed-by"]) == nil
            })
            let after = try sims.client("a").get(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "c1")
            #expect(after.value(at: ["metadata", "uid"]) == before.value(at: ["metadata", "uid"]))
            #expect(after.value(at: ["data", "i"]) == .string("1"))
            #expect(await engine.report().works.contains { $0.name == "c1" } == false)
        }
    }
}
