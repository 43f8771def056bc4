@testable import FlotillaEngine
import FlotillaModel
import FlotillaSim
import Foundation
import Testing

/// FederatedHPA, CronFederatedHPA and failover of autoscaled workloads, end to end on in-process simulated clusters:
/// the simulator serves PodMetrics for the load a test sets, the engine's autoscaler reads them every sync period.
@Suite(.serialized) struct AutoscalingEngineTests {
    static let names = ["a", "b", "c"]

    /// A Deployment divided equally over a, b and c, scaled by a FederatedHPA (50% CPU of 100m requested).
    static func files(replicas: Int = 3, image: String = "web:1", extra: String = "") -> [String: String] {
        var files = Dictionary(uniqueKeysWithValues: names.map { ("clusters/\($0).yaml", InMemoryEngineTests.cluster($0)) })
        files["apps/web.yaml"] = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec:
              replicas: \(replicas)
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: "\(image)", resources: {requests: {cpu: 100m}}}]}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: web, namespace: shop}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
              placement:
                clusterAffinity: {clusterNames: [a, b, c]}
                replicaScheduling:
                  replicaSchedulingType: Divided
                  replicaDivisionPreference: Weighted
                  weightPreference:
                    staticWeightList:
                      - {targetCluster: {clusterNames: [a, b, c]}, weight: 1}
            ---
            apiVersion: autoscaling.karmada.io/v1alpha1
            kind: FederatedHPA
            metadata: {name: web, namespace: shop}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
              minReplicas: 3
              maxReplicas: 12
              metrics:
                - type: Resource
                  resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
              behavior:
                scaleUp:
                  policies: [{type: Percent, value: 900, periodSeconds: 1}]
                scaleDown:
                  stabilizationWindowSeconds: 4
                  policies: [{type: Percent, value: 100, periodSeconds: 1}]
            """ + extra
        return files
    }

    static func total(_ sims: SimConnector) -> Int64 {
        names.compactMap { sims.replicas($0, "shop", "web") }.reduce(0, +)
    }

    static func setLoad(_ sims: SimConnector, cpu: Int64) {
        for name in names { sims.clusters[name]!.0.setLoad(SimLoad(cpuMillis: cpu), workload: "shop/web") }
    }

    static func engine(_ repository: TestRepository, _ sims: SimConnector) throws -> Engine {
        try InMemoryEngineTests.engine(repository, sims) { $0.autoscalerSyncPeriod = 0.2 }
    }

    @Test func loadUpSpreadsReplicasAndLoadDownShrinksThemAfterTheWindow() async throws {
        let repository = try TestRepository(Self.files())
        let sims = SimConnector(Self.names)
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try Self.engine(repository, sims)
        try await InMemoryEngineTests.whileRunning(engine) {
            // (The first convergence waits longer: the whole suite runs beside it.)
            #expect(await InMemoryEngineTests.eventually(90) { await InMemoryEngineTests.converged(engine) })
            // Half the request is 50%: on target, no scale.
            #expect(await InMemoryEngineTests.eventually {
                await engine.report().autoscalers.first?.conditions?.contains { $0.reason == "ValidMetricFound" } == true
            })
            #expect(Self.total(sims) == 3)

            // 100m of 100m: 200% of 50% → 12, the maximum, divided equally.
            // (On a loaded machine the new pods' CPU initialisation — their samples count only a metrics window after
            // they turned Ready — can make this take several steps: more time, the same end.)
            Self.setLoad(sims, cpu: 100)
            #expect(await InMemoryEngineTests.eventually(90) {
                Self.names.allSatisfy { sims.replicas($0, "shop", "web") == 4 }
            })
            #expect(await InMemoryEngineTests.eventually(90) { await InMemoryEngineTests.converged(engine) })
            let scaled = try #require(await engine.report().autoscalers.first)
            #expect(scaled.desiredReplicas == 12 && scaled.replicas == 12 && scaled.lastScaleTime != nil)
            #expect(engine.metrics.render().contains("flotilla_autoscaler_desired_replicas{autoscaler=\"shop/web\"} 12"))

            // A commit that changes the template (its replicas still 3 in Git) does not take the replicas back.
            try repository.commit(["apps/web.yaml": Self.files(image: "web:2")["apps/web.yaml"]!], message: "web 2")
            engine.trigger()
            #expect(await InMemoryEngineTests.eventually {
                let live = try? sims.client("a").get(apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web")
                return live?.value(at: ["spec", "template", "spec", "containers"])?.arrayValue?.first?["image"]?.stringValue
                    == "web:2"
            })
            #expect(Self.total(sims) == 12)

            // 90m: still above the maximum. Its metric in the status shows a high recommendation was just made (on
            // a loaded machine sync periods can be late, and a window holding none would let the drop through).
            Self.setLoad(sims, cpu: 90)
            #expect(await InMemoryEngineTests.eventually(90) {
                await engine.report().autoscalers.first?.currentMetrics?.first?.averageUtilization == 90
            })
            #expect(Self.total(sims) == 12)

            // 10m: 10% of 50% → 3 (the minimum), but only once the 4 s window holds no higher recommendation: the
            // last high one was made at most a sync period before the drop, or somewhat more on a loaded machine.
            let dropped = Date()
            Self.setLoad(sims, cpu: 10)
            #expect(await InMemoryEngineTests.eventually { Self.total(sims) == 3 })
            #expect(Date().timeIntervalSince(dropped) >= 2.5)
            let status = StatusFiles.render(await engine.report())
            let file = try #require(status["status/autoscaling/shop/FederatedHPA.web.yaml"])
            #expect(String(decoding: file, as: UTF8.self).contains("desiredReplicas: 3"))
        }
    }

    @Test func aFailedClusterOfAnAutoscaledWorkloadLeavesNoReplicaBehind() async throws {
        // The bug this fixes: with a FederatedHPA, a failover left the survivors with their old share for good.
        let repository = try TestRepository(Self.files(replicas: 6))
        let sims = SimConnector(Self.names)
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try Self.engine(repository, sims)
        try await InMemoryEngineTests.whileRunning(engine) {
            #expect(await InMemoryEngineTests.eventually(90) {
                Self.names.allSatisfy { sims.replicas($0, "shop", "web") == 2 }
            })
            sims.clusters["c"]!.1.set(SimFaults(down: true))
            #expect(await InMemoryEngineTests.eventually {
                sims.replicas("a", "shop", "web") == 3 && sims.replicas("b", "shop", "web") == 3
            })
            // The autoscaler reads only the clusters that are ready, and keeps the total.
            try await Task.sleep(for: .milliseconds(600))
            #expect(sims.replicas("a", "shop", "web") == 3 && sims.replicas("b", "shop", "web") == 3)
            #expect(await engine.report().autoscalers.first?.desiredReplicas == 6)
        }
    }

    @Test func cronRulesSetReplicasAndBoundsAndKeepTheirHistory() async throws {
        let cron = """

            ---
            apiVersion: autoscaling.karmada.io/v1alpha1
            kind: CronFederatedHPA
            metadata: {name: rush, namespace: shop}
            spec:
              scaleTargetRef: {apiVersion: autoscaling.karmada.io/v1alpha1, kind: FederatedHPA, name: web}
              rules:
                - {name: rush-hour, schedule: "@every 1s", targetMinReplicas: 9, successfulHistoryLimit: 2}
                - {name: never, schedule: "0 0 1 1 *", targetMinReplicas: 3, suspend: true}
            """
        let repository = try TestRepository(Self.files(extra: cron))
        let sims = SimConnector(Self.names)
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try Self.engine(repository, sims)
        try await InMemoryEngineTests.whileRunning(engine) {
            // The rule raises the FederatedHPA's minimum to 9: the target follows at the next sync.
            #expect(await InMemoryEngineTests.eventually { Self.total(sims) == 9 })
            #expect(await InMemoryEngineTests.eventually {
                let report = await engine.report()
                guard let rules = report.cronAutoscalers?.first?.executionHistories else { return false }
                return report.autoscalers.first?.minReplicas == 9
                    && rules.map(\.ruleName) == ["never", "rush-hour"]
                    && rules[0].nextExecutionTime == nil
                    && rules[1].successfulExecutions.count == 2
                    && rules[1].successfulExecutions.allSatisfy { $0.appliedMinReplicas == 9 && $0.appliedMaxReplicas == 12 }
            })
        }
    }

    /// A Pods metric (requests per second each pod reports through `custom.metrics.k8s.io`, as a metrics adapter
    /// serves it): on target nothing moves; 30 per pod against an average of 10 scales the total up, divided over the
    /// clusters.
    @Test func aPodsMetricFromTheCustomMetricsAPIScalesTheTotal() async throws {
        var files = Self.files()
        files["apps/web.yaml"] = files["apps/web.yaml"]!.replacingOccurrences(
            of: "- type: Resource\n      resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}",
            with: "- type: Pods\n      pods: {metric: {name: http_requests}, target: {type: AverageValue, averageValue: \"10\"}}")
        #expect(files["apps/web.yaml"]!.contains("http_requests"))
        let repository = try TestRepository(files)
        let sims = SimConnector(Self.names)
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try Self.engine(repository, sims)
        try await InMemoryEngineTests.whileRunning(engine) {
            #expect(await InMemoryEngineTests.eventually(90) { await InMemoryEngineTests.converged(engine) })
            for name in Self.names {
                sims.clusters[name]!.0.setLoad(SimLoad(custom: ["http_requests": 10_000]), workload: "shop/web")
            }
            #expect(await InMemoryEngineTests.eventually {
                let metric = await engine.report().autoscalers.first?.currentMetrics?.first
                return metric?.metric == "Pods http_requests" && metric?.averageValue == "10" && metric?.target == "10"
            })
            #expect(Self.total(sims) == 3, "on target: no scale")
            for name in Self.names {
                sims.clusters[name]!.0.setLoad(SimLoad(custom: ["http_requests": 30_000]), workload: "shop/web")
            }
            // 30 per pod against 10: ×3 (9), and again while each pod still reports 30, up to the maximum.
            #expect(await InMemoryEngineTests.eventually {
                Self.names.allSatisfy { sims.replicas($0, "shop", "web") == 4 }
            })
            let scaled = try #require(await engine.report().autoscalers.first)
            #expect(scaled.desiredReplicas == 12)
            #expect(scaled.currentMetrics?.first?.averageValue == "30")
        }
    }

    @Test func cronRuleScalesAWorkloadDirectly() async throws {
        var files = Self.files()
        files["apps/web.yaml"] = files["apps/web.yaml"]!.components(separatedBy: "---\napiVersion: autoscaling")[0]
            + """
            ---
            apiVersion: autoscaling.karmada.io/v1alpha1
            kind: CronFederatedHPA
            metadata: {name: nightly, namespace: shop}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
              rules:
                - {name: up, schedule: "@every 1s", targetReplicas: 6}
            """
        let repository = try TestRepository(files)
        let sims = SimConnector(Self.names)
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        let engine = try Self.engine(repository, sims)
        try await InMemoryEngineTests.whileRunning(engine) {
            #expect(await InMemoryEngineTests.eventually { Self.names.allSatisfy { sims.replicas($0, "shop", "web") == 2 } })
            let history = await engine.report().cronAutoscalers?.first?.executionHistories.first
            #expect(history?.successfulExecutions.first?.appliedReplicas == 6)
        }
    }

    @Test func autoscaledReplicasSurviveInTheState() {
        let state = PersistedState(source: "s", revision: "r", placements: [:],
                                   autoscaled: ["apps/Deployment/shop/web": ScaledTemplate(replicas: 12, by: "FederatedHPA shop/web")])
        #expect(PersistedState.decode(state.encoded()) == state)
        #expect(state.encoded().contains("!autoscaled\tapps/Deployment/shop/web\t12\tFederatedHPA shop/web\n"))
    }
}
