@testable import FlotillaEngine
import FlotillaDiff
import FlotillaModel
import FlotillaPlacement
import FlotillaSim
import Foundation
import Testing

/// Karmada's eviction model: application failover after `tolerationSeconds` of an unhealthy workload, and graceful
/// purge (the old copy stays until its replacements are healthy), end to end and as decisions.
@Suite(.serialized) struct FailoverEngineTests {
    static let names = ["a", "b", "c"]

    static func files(purgeMode: String) -> [String: String] {
        var files = Dictionary(uniqueKeysWithValues: names.map { ("clusters/\($0).yaml", InMemoryEngineTests.cluster($0)) })
        let grace = purgeMode == "Gracefully" ? "\n      gracePeriodSeconds: 60" : ""
        files["apps/web.yaml"] = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec:
              replicas: 6
              progressDeadlineSeconds: 1
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: "web:1", resources: {requests: {cpu: 100m}}}]}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: web, namespace: shop}
            spec:
              propagateDeps: true
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
              failover:
                application:
                  decisionConditions: {tolerationSeconds: 1}
                  purgeMode: \(purgeMode)\(grace)
              placement:
                clusterAffinity: {clusterNames: [a, b, c]}
                replicaScheduling:
                  replicaSchedulingType: Divided
                  replicaDivisionPreference: Weighted
                  weightPreference:
                    staticWeightList:
                      - {targetCluster: {clusterNames: [a, b, c]}, weight: 1}
            """
        return files
    }

    /// Someone else's Deployment that takes all of cluster a's CPU, so web's pods there never run.
    static func fillCluster(_ sims: SimConnector, _ name: String) throws {
        let hog = try JSONValue.parse("""
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "hog", "namespace": "default"},
             "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "hog"}},
                      "template": {"metadata": {"labels": {"app": "hog"}},
                                   "spec": {"containers": [{"name": "hog", "image": "hog:1",
                                                            "resources": {"requests": {"cpu": "24"}}}]}}}}
            """)
        _ = try sims.client(name).apply(hog, fieldManager: "someone", force: true)
    }

    @Test func anUnhealthyWorkloadIsEvictedAndItsOldCopyDrainsUntilTheReplacementsAreReady() async throws {
        let repository = try TestRepository(Self.files(purgeMode: "Gracefully"))
        let sims = SimConnector(Self.names, readyDelay: 1)
        try Self.fillCluster(sims, "a")
        // Only a's controllers run at first, so b's and c's replacements cannot become ready until the test says so:
        // the drain is observed without racing the simulator's ready delay.
        let controllersOfA = sims.runControllers(only: ["a"])
        defer { controllersOfA.cancel() }
        let engine = try InMemoryEngineTests.engine(repository, sims)
        try await InMemoryEngineTests.whileRunning(engine) {
            #expect(await InMemoryEngineTests.eventually(90) {
                Self.names.allSatisfy { sims.replicas($0, "shop", "web") == 2 }
            })
            // a's copy cannot run: Degraded after the progress deadline, evicted after the toleration. b and c get
            // its replicas; a keeps its copy until they are ready there.
            #expect(await InMemoryEngineTests.eventually(60) {
                sims.replicas("b", "shop", "web") == 3 && sims.replicas("c", "shop", "web") == 3
            })
            try await Task.sleep(for: .milliseconds(500))
            #expect(sims.replicas("a", "shop", "web") == 2)
            let report = await engine.report()
            let eviction = try #require(report.evictions?.first)
            #expect(eviction.cluster == "a" && eviction.reason == "ApplicationFailure" && eviction.purgeMode == "Gracefully")
            #expect(eviction.draining)
            let controllersOfBAndC = sims.runControllers(only: ["b", "c"])
            defer { controllersOfBAndC.cancel() }
            #expect(await InMemoryEngineTests.eventually(60) { sims.replicas("a", "shop", "web") == nil })
            #expect(await InMemoryEngineTests.eventually(60) { await InMemoryEngineTests.converged(engine) })
            // The task stays (a is kept out) until the template or its policy changes.
            #expect(await engine.report().evictions?.first?.draining == false)
            try await Task.sleep(for: .milliseconds(500))
            #expect(sims.replicas("a", "shop", "web") == nil)
        }
        // After a restart the eviction still holds: web does not come back to a.
        let restarted = try InMemoryEngineTests.engine(repository, sims)
        try await InMemoryEngineTests.whileRunning(restarted) {
            #expect(await InMemoryEngineTests.eventually { await restarted.isReady })
            for _ in 0..<10 {
                #expect(sims.replicas("a", "shop", "web") == nil)
                try await Task.sleep(for: .milliseconds(150))
            }
            #expect(sims.replicas("b", "shop", "web") == 3 && sims.replicas("c", "shop", "web") == 3)
            #expect(await restarted.report().evictions?.first?.cluster == "a")
        }
    }

    @Test func evictionTasksAreKeptInTheStateFile() {
        let task = PersistedEviction(template: "apps/Deployment/shop/web", cluster: "a", reason: "ApplicationFailure",
                                     purgeMode: "Gracefully", gracePeriodSeconds: 600,
                                     createdAt: Date(timeIntervalSince1970: 1_800_000_000), fingerprint: -42)
        let state = PersistedState(source: "s", revision: "r", placements: [:], evictions: [task])
        #expect(PersistedState.decode(state.encoded()) == state)
        #expect(state.encoded().contains("!evicted\tapps/Deployment/shop/web\ta\tApplicationFailure\tGracefully\t600\t"))
    }

    @Test func fingerprintsAreStableAndIgnoreReplicas() throws {
        let one = KubernetesObject(content: try JSONValue.parse(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w"},"spec":{"replicas":1,"paused":false}}"#),
                                   location: SourceLocation(file: "a.yaml", line: 1))
        var two = one
        two.content["spec"]?["replicas"] = .int(9)
        var three = one
        three.content["spec"]?["paused"] = .bool(true)
        #expect(EvictionBook.fingerprint(one, policy: nil) == EvictionBook.fingerprint(two, policy: nil))
        #expect(EvictionBook.fingerprint(one, policy: nil) != EvictionBook.fingerprint(three, policy: nil))
    }

    @Test func purgeModeNeverKeepsTheOldCopy() async throws {
        let repository = try TestRepository(Self.files(purgeMode: "Never"))
        let sims = SimConnector(Self.names)
        try Self.fillCluster(sims, "a")
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try InMemoryEngineTests.engine(repository, sims)
        try await InMemoryEngineTests.whileRunning(engine) {
            #expect(await InMemoryEngineTests.eventually(90) {
                sims.replicas("b", "shop", "web") == 3 && sims.replicas("c", "shop", "web") == 3
            })
            try await Task.sleep(for: .milliseconds(1500))
            #expect(sims.replicas("a", "shop", "web") == 2)
            #expect(await engine.report().evictions?.first?.purgeMode == "Never")
        }
    }

    // MARK: Decisions

    static let web = ResourceIdentity(group: "apps", kind: "Deployment", namespace: "shop", name: "web")
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func unhealthyForTheTolerationMakesATaskAndHealthResetsTheClock() {
        var book = EvictionBook()
        let behavior = ApplicationFailoverBehavior(decisionConditions: DecisionConditions(tolerationSeconds: 10),
                                                   purgeMode: .gracefully, gracePeriodSeconds: 60)
        let policies = [Self.web: behavior]
        let placed = [Self.web: ["a", "b"]]
        let sick = ["\(Self.web)|a": HealthStatus.degraded, "\(Self.web)|b": .healthy]
        #expect(book.observe(health: sick, policies: policies, placed: placed, fingerprints: [:], now: Self.start).created.isEmpty)
        // Healthy in between: the clock starts again.
        #expect(book.observe(health: ["\(Self.web)|a": .healthy], policies: policies, placed: placed, fingerprints: [:],
                             now: Self.start + 5).created.isEmpty)
        #expect(book.observe(health: sick, policies: policies, placed: placed, fingerprints: [:], now: Self.start + 6).created.isEmpty)
        #expect(book.observe(health: sick, policies: policies, placed: placed, fingerprints: [:], now: Self.start + 15).created.isEmpty)
        let tasks = book.observe(health: sick, policies: policies, placed: placed, fingerprints: [Self.web: 7],
                                 now: Self.start + 16).created
        #expect(tasks.map(\.cluster) == ["a"])
        #expect(book.evicted == [Self.web: ["a"]])
        // A changed template or policy ends it; an unchanged one keeps it.
        let unchanged = book.expire(fingerprints: [Self.web: 7], rebalanced: [])
        #expect(!unchanged)
        let changed = book.expire(fingerprints: [Self.web: 8], rebalanced: [])
        #expect(changed)
        #expect(book.evicted.isEmpty)
    }

    static func work(_ replicas: Int) -> (ObjectKey, DesiredWork) {
        let object = try! JSONValue.parse("""
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
             "spec": {"replicas": \(replicas)}}
            """)
        return (ObjectKey(object)!, DesiredWork(object: object, template: web, delegatedPaths: []))
    }

    @Test(arguments: [(PurgeMode.gracefully, true), (.directly, false), (.never, true)])
    func aLeavingWorkIsKeptByPurgeMode(_ mode: PurgeMode, _ kept: Bool) {
        var book = EvictionBook()
        let (key, old) = Self.work(2)
        let (_, moved) = Self.work(3)
        let works = book.keep(["b": [key: moved]], previous: ["a": [key: old], "b": [key: old]], ready: ["a", "b"],
                              now: Self.start) { _, cluster in cluster == "a" ? (mode, 60, "ApplicationFailure") : nil }
        #expect((works["a"]?[key] != nil) == kept)
        #expect(works["b"]?[key]?.object == moved.object)
        // Not healthy on b yet: still draining; healthy: done (Never only by a change of the template or policy).
        let placed = [Self.web: ["b"]]
        let waiting = book.finished(health: ["\(Self.web)|b": .progressing], placed: placed, now: Self.start + 1)
        #expect(waiting.isEmpty)
        let done = book.finished(health: ["\(Self.web)|b": .healthy], placed: placed, now: Self.start + 2)
        #expect((done["a"] == [key]) == (mode == .gracefully))
    }

    @Test func theGracePeriodEndsTheDrainEvenWhenTheReplacementsNeverBecomeHealthy() {
        var book = EvictionBook()
        let (key, old) = Self.work(2)
        _ = book.keep([:], previous: ["a": [key: old]], ready: ["a"], now: Self.start) { _, _ in (.gracefully, 30, "TaintUntolerated") }
        let early = book.finished(health: [:], placed: [Self.web: ["b"]], now: Self.start + 29)
        #expect(early.isEmpty)
        let late = book.finished(health: [:], placed: [Self.web: ["b"]], now: Self.start + 30)
        #expect(late["a"] == [key])
    }
}

/// A cluster that comes back after a failover: what moved away while it was unreachable is pruned there, not held
/// by the mass-deletion guard (which holds what a revision deletes).
@Suite(.serialized) struct FailoverRecoveryTests {
    static var files: [String: String] {
        var files = ["clusters/a.yaml": InMemoryEngineTests.cluster("a"), "clusters/b.yaml": InMemoryEngineTests.cluster("b")]
        var text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"
        for name in ["one", "two", "three"] {
            text += """
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: \(name), namespace: shop}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: \(name)}}
                  template:
                    metadata: {labels: {app: \(name)}}
                    spec: {containers: [{name: app, image: "app:1", resources: {requests: {cpu: 100m}}}]}

                """
        }
        text += """
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: shop, namespace: shop}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              placement:
                replicaScheduling:
                  replicaSchedulingType: Divided
                  replicaDivisionPreference: Weighted
                  weightPreference: {dynamicWeight: AvailableReplicas}
            """
        files["apps/shop.yaml"] = text
        return files
    }

    @Test func whatMovedAwayIsPrunedWhenTheClusterComesBack() async throws {
        let repository = try TestRepository(Self.files)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try InMemoryEngineTests.engine(repository, sims)
        let names = ["one", "two", "three"]
        try await InMemoryEngineTests.whileRunning(engine) {
            #expect(await InMemoryEngineTests.eventually(90) {
                names.allSatisfy { sims.replicas("a", "shop", $0) == 1 && sims.replicas("b", "shop", $0) == 1 }
            })
            sims.clusters["a"]!.1.set(SimFaults(down: true))
            #expect(await InMemoryEngineTests.eventually { names.allSatisfy { sims.replicas("b", "shop", $0) == 2 } })
            sims.clusters["a"]!.1.set(SimFaults())
            // Sticky placement keeps the replicas on b; a's copies (3 of its 4 objects) are pruned, not held.
            #expect(await InMemoryEngineTests.eventually { names.allSatisfy { sims.replicas("a", "shop", $0) == nil } })
            #expect(await engine.report().clusters.allSatisfy { $0.held == nil })
            #expect(names.allSatisfy { sims.replicas("b", "shop", $0) == 2 })
        }
    }
}
