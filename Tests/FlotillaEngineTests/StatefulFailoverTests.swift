@testable import FlotillaEngine
import FlotillaDiff
import FlotillaModel
import FlotillaSim
import Foundation
import Testing

/// `statePreservation` (Karmada's StatefulFailoverInjection): on application failover the workload's status on the
/// cluster it leaves is read through the rules' JSONPaths, kept in the eviction task, and injected as labels into
/// the workload on the cluster it moves to — when it purged Directly and runs on that one cluster only.
@Suite(.serialized) struct StatefulFailoverTests {
    static let web = FailoverEngineTests.web
    static let start = FailoverEngineTests.start
    static let rules = [StatePreservationRule(aliasLabelName: "failover.example.com/updated", jsonPath: "{.updatedReplicas}"),
                        StatePreservationRule(aliasLabelName: "failover.example.com/reason",
                                              jsonPath: "{.conditions[1].reason}")]
    static let status = try! JSONValue.parse("""
        {"updatedReplicas": 0, "conditions": [{"type": "Available", "status": "False"},
                                              {"type": "Progressing", "reason": "ProgressDeadlineExceeded"}]}
        """)

    static func behavior(_ mode: PurgeMode, rules: [StatePreservationRule] = rules) -> ApplicationFailoverBehavior {
        var behavior = ApplicationFailoverBehavior(decisionConditions: DecisionConditions(tolerationSeconds: 0),
                                                   purgeMode: mode)
        behavior.statePreservation = StatePreservation(rules: rules)
        return behavior
    }

    @Test func theStateIsReadWhenTheTaskIsMadeAndAnUnreadableStateMakesItWait() {
        var book = EvictionBook()
        let sick = ["\(Self.web)|a": HealthStatus.degraded]
        let policies = [Self.web: Self.behavior(.directly)]
        // No status collected yet: no task, the eviction waits (Karmada retries).
        let waiting = book.observe(health: sick, policies: policies, placed: [Self.web: ["a"]], fingerprints: [:],
                                   now: Self.start) { _, _ in nil }
        #expect(waiting.created.isEmpty && waiting.waiting["\(Self.web)|a"]?.contains("not yet been collected") == true)
        // A path that reaches nothing: waits too, naming the rule.
        let missing = book.observe(health: sick, policies: [Self.web: Self.behavior(.directly, rules: [
            StatePreservationRule(aliasLabelName: "x", jsonPath: "{.checkpoint}")])], placed: [Self.web: ["a"]],
                                   fingerprints: [:], now: Self.start + 1) { _, _ in Self.status }
        #expect(missing.created.isEmpty && missing.waiting["\(Self.web)|a"]?.hasPrefix("x: checkpoint is not found") == true)
        let made = book.observe(health: sick, policies: policies, placed: [Self.web: ["a"]], fingerprints: [:],
                                now: Self.start + 2) { template, cluster in
            template == Self.web && cluster == "a" ? Self.status : nil
        }
        let task = try? #require(made.created.first)
        #expect(made.waiting.isEmpty)
        #expect(task?.preservedLabelState == ["failover.example.com/updated": "0",
                                              "failover.example.com/reason": "ProgressDeadlineExceeded"])
        #expect(task?.clustersBeforeFailover == ["a"])
    }

    @Test(arguments: [
        // (purge mode, clusters placed now, cluster asked about, injected)
        (PurgeMode.directly, ["b"], "b", true),
        (.gracefully, ["b"], "b", false),   // only Directly (Karmada: Immediately)
        (.never, ["b"], "b", false),
        (.directly, ["b", "c"], "b", false), // only a move to one cluster
        (.directly, ["a"], "a", false),      // not where it ran before
    ] as [(PurgeMode, [String], String, Bool)])
    func labelsAreInjectedAsKarmadaDoes(_ mode: PurgeMode, _ placed: [String], _ cluster: String, _ injected: Bool) {
        var book = EvictionBook()
        _ = book.observe(health: ["\(Self.web)|a": .degraded], policies: [Self.web: Self.behavior(mode)],
                         placed: [Self.web: ["a"]], fingerprints: [:], now: Self.start) { _, _ in Self.status }
        let labels = book.injectedLabels(Self.web, cluster: cluster, placedOn: placed)
        #expect((labels != nil) == injected)
    }

    @Test func thePreservedStateSurvivesInTheStateFile() {
        let task = PersistedEviction(template: "apps/Deployment/shop/web", cluster: "a", reason: "ApplicationFailure",
                                     purgeMode: "Directly", gracePeriodSeconds: nil,
                                     createdAt: Date(timeIntervalSince1970: 1_800_000_000), fingerprint: 3,
                                     preservedLabelState: ["k/x": "a b\t\"c\""], clustersBeforeFailover: ["a", "b"])
        let state = PersistedState(source: "s", revision: "r", placements: [:], evictions: [task])
        #expect(PersistedState.decode(state.encoded()) == state)
        // Without preserved state the line keeps its old seven fields (files written before still load).
        var plain = task
        plain.preservedLabelState = nil
        plain.clustersBeforeFailover = nil
        let old = PersistedState(source: "s", revision: "r", placements: [:], evictions: [plain])
        #expect(PersistedState.decode(old.encoded()) == old)
    }

    /// web prefers cluster a (`clusterAffinities`: a, then b), where an OverridePolicy asks for more CPU than a has,
    /// so it never becomes ready there.
    static func files() -> [String: String] {
        var files = Dictionary(uniqueKeysWithValues: FailoverEngineTests.names.map {
            ("clusters/\($0).yaml", InMemoryEngineTests.cluster($0))
        })
        files["apps/web.yaml"] = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec:
              replicas: 2
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
                  purgeMode: Directly
                  statePreservation:
                    rules:
                      - {aliasLabelName: failover.example.com/updated, jsonPath: "{.updatedReplicas}"}
                      - {aliasLabelName: failover.example.com/progress, jsonPath: "{.conditions[1].reason}"}
              placement:
                clusterAffinities:
                  - {affinityName: primary, clusterNames: [a]}
                  - {affinityName: backup, clusterNames: [b]}
                replicaScheduling: {replicaSchedulingType: Duplicated}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: OverridePolicy
            metadata: {name: web-on-a, namespace: shop}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
              overrideRules:
                - targetCluster: {clusterNames: [a]}
                  overriders:
                    plaintext:
                      - {path: /spec/template/spec/containers/0/resources/requests/cpu, operator: replace, value: "500"}
            """
        return files
    }

    @Test func theMovedWorkloadCarriesTheStateOfTheClusterItLeft() async throws {
        let repository = try TestRepository(Self.files())
        let sims = SimConnector(FailoverEngineTests.names)
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try InMemoryEngineTests.engine(repository, sims)
        try await InMemoryEngineTests.whileRunning(engine) {
            // On a first (the primary affinity); never ready there; evicted after the toleration, Directly: gone
            // from a, on b with a's state as labels.
            #expect(await InMemoryEngineTests.eventually(90) { sims.replicas("b", "shop", "web") == 2 })
            #expect(await InMemoryEngineTests.eventually { sims.replicas("a", "shop", "web") == nil })
            let live = try sims.client("b").get(apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web")
            let labels = live.value(at: ["metadata", "labels"])?.objectValue ?? [:]
            #expect(labels["failover.example.com/updated"] == .string("0"))
            #expect(labels["failover.example.com/progress"] == .string("ProgressDeadlineExceeded"))
            #expect(await InMemoryEngineTests.eventually { await InMemoryEngineTests.converged(engine) })
            // The injected labels are desired, not drift: nothing heals them away.
            try await Task.sleep(for: .milliseconds(500))
            let again = try sims.client("b").get(apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web")
            #expect(again.value(at: ["metadata", "labels", "failover.example.com/updated"]) == .string("0"))
            #expect(await engine.report().openDrift.isEmpty)
        }
        // After a restart the state is still injected (it is kept with the eviction task).
        let restarted = try InMemoryEngineTests.engine(repository, sims)
        try await InMemoryEngineTests.whileRunning(restarted) {
            #expect(await InMemoryEngineTests.eventually { await InMemoryEngineTests.converged(restarted) })
            let live = try sims.client("b").get(apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web")
            #expect(live.value(at: ["metadata", "labels", "failover.example.com/progress"])
                        == .string("ProgressDeadlineExceeded"))
            #expect(sims.replicas("a", "shop", "web") == nil)
        }
    }
}
