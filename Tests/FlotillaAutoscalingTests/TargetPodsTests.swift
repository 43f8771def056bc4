import FlotillaModel
import Foundation
import Testing
@testable import FlotillaAutoscaling

/// The pods of a target as the HPA's `groupPods` sees them, from the listed pods and their PodMetrics, with a fixed
/// "now" (the cases of `pkg/controller/podautoscaler/replica_calculator.go`'s grouping).
@Suite struct TargetPodsTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func time(_ offset: TimeInterval) -> JSONValue { .string(now.addingTimeInterval(offset).formatted(.iso8601)) }

    /// A pod requesting 100m; `started` and `transition` are seconds relative to now (nil: not set).
    static func pod(_ name: String, phase: String = "Running", ready: Bool? = true, started: TimeInterval? = -600,
                    transition: TimeInterval? = -590, deleting: Bool = false) -> JSONValue {
        var metadata: [String: JSONValue] = ["name": .string(name)]
        if deleting { metadata["deletionTimestamp"] = time(-1) }
        var status: [String: JSONValue] = ["phase": .string(phase)]
        if let started { status["startTime"] = time(started) }
        if let ready {
            var condition: [String: JSONValue] = ["type": .string("Ready"), "status": .string(ready ? "True" : "False")]
            if let transition { condition["lastTransitionTime"] = time(transition) }
            status["conditions"] = .array([.object(condition)])
        }
        return .object(["metadata": .object(metadata), "status": .object(status),
                        "spec": .object(["containers": .array([.object([
                            "name": .string("app"), "resources": .object(["requests": .object(["cpu": .string("100m"), "memory": .string("64Mi")])]),
                        ])])])])
    }

    static func metric(_ name: String, cpu: String = "50m", at offset: TimeInterval = 0,
                       window: String = "15s") -> JSONValue {
        .object(["metadata": .object(["name": .string(name)]), "timestamp": time(offset), "window": .string(window),
                 "containers": .array([.object(["name": .string("app"), "usage": .object(["cpu": .string(cpu),
                                                                                 "memory": .string("32Mi")])])])])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var pod: JSONValue
        var metric: JSONValue?
        /// Expected phase, CPU readiness, whether it has a usage.
        var phase: PodUsage.Phase
        var cpuReady: Bool
        var hasUsage: Bool
    }

    static let cases: [Case] = [
        Case(testDescription: "running and ready long ago: counted", pod: pod("a"), metric: metric("a"),
             phase: .running, cpuReady: true, hasUsage: true),
        Case(testDescription: "being deleted: ignored", pod: pod("a", deleting: true), metric: metric("a"),
             phase: .terminating, cpuReady: true, hasUsage: true),
        Case(testDescription: "failed: ignored", pod: pod("a", phase: "Failed"), metric: metric("a"),
             phase: .failed, cpuReady: true, hasUsage: true),
        Case(testDescription: "pending: unready", pod: pod("a", phase: "Pending", ready: false, started: nil),
             metric: nil, phase: .pending, cpuReady: true, hasUsage: false),
        Case(testDescription: "no metrics: missing", pod: pod("a"), metric: nil,
             phase: .running, cpuReady: true, hasUsage: false),
        Case(testDescription: "no Ready condition: unready for CPU", pod: pod("a", ready: nil), metric: metric("a"),
             phase: .running, cpuReady: false, hasUsage: true),
        Case(testDescription: "no start time: unready for CPU", pod: pod("a", started: nil), metric: metric("a"),
             phase: .running, cpuReady: false, hasUsage: true),
        Case(testDescription: "initialising and not ready: unready",
             pod: pod("a", ready: false, started: -60, transition: -60), metric: metric("a"),
             phase: .running, cpuReady: false, hasUsage: true),
        Case(testDescription: "initialising, ready, sample within a window of the transition: unready",
             pod: pod("a", started: -20, transition: -10), metric: metric("a", at: -1, window: "15s"),
             phase: .running, cpuReady: false, hasUsage: true),
        Case(testDescription: "initialising, ready, sample a window after the transition: counted",
             pod: pod("a", started: -60, transition: -40), metric: metric("a", at: -1, window: "15s"),
             phase: .running, cpuReady: true, hasUsage: true),
        Case(testDescription: "past initialisation, not ready and never was: unready",
             pod: pod("a", ready: false, started: -600, transition: -590), metric: metric("a"),
             phase: .running, cpuReady: false, hasUsage: true),
        Case(testDescription: "past initialisation, not ready but was ready before: counted",
             pod: pod("a", ready: false, started: -600, transition: -100), metric: metric("a"),
             phase: .running, cpuReady: true, hasUsage: true),
    ]

    @Test(arguments: cases)
    func aPodIsGroupedAsTheHPADoes(_ test: Case) throws {
        let usage = TargetPods.usage(cluster: "c", pods: [test.pod], podMetrics: test.metric.map { [$0] } ?? [],
                                     keys: ["cpu"], now: Self.now)
        let pod = try #require(usage["cpu"]?.first)
        #expect(pod.name == "c/a")
        #expect(pod.phase == test.phase)
        #expect(pod.ready == test.cpuReady)
        #expect((pod.usage != nil) == test.hasUsage)
        #expect(pod.request == 100)
        if test.hasUsage { #expect(pod.usage == 50) }
    }

    @Test func memoryIgnoresReadinessAndContainersAreSummedOrPicked() throws {
        let initialising = Self.pod("a", ready: false, started: -10, transition: -10)
        let usage = TargetPods.usage(cluster: "c", pods: [initialising, Self.pod("b")],
                                     podMetrics: [Self.metric("a"), Self.metric("b", cpu: "80m")],
                                     keys: ["cpu", "memory", "cpu/app", "cpu/other"], now: Self.now)
        let memory: Int64 = 32 * 1024 * 1024 * 1000
        #expect(usage["memory"]?.map(\.usage) == [memory, memory])
        #expect(usage["cpu"]?.map(\.usage) == [50, 80])
        #expect(usage["cpu/app"]?.map(\.usage) == [50, 80])
        #expect(usage["cpu/other"]?.map(\.request) == [nil, nil])
        // The calculator then leaves the initialising pod out of a CPU scale-down (ready pods only: 80m of 100m).
        let proposal = try ReplicaCalculator.utilization(current: 2, targetUtilization: 50, pods: usage["cpu"]!,
                                                         resource: "cpu", tolerance: 0.1)
        #expect(proposal.utilization == 80)
    }

    @Test(arguments: [("30s", 30.0), ("1m0s", 60.0), ("1.5s", 1.5), ("500ms", 0.5), ("1h", 3600.0)])
    func goDurations(_ text: String, _ seconds: Double) {
        #expect(TargetPods.duration(text) == seconds)
    }

    @Test func notDurations() {
        #expect(TargetPods.duration("") == nil)
        #expect(TargetPods.duration("15") == nil)
        #expect(TargetPods.duration("5x") == nil)
    }
}

extension TargetPodsTests {
    @Test func aPodsMetricIsReadFromTheCustomValues() {
        let usage = TargetPods.usage(cluster: "c", pods: [Self.pod("a"), Self.pod("b", phase: "Pending", ready: false)],
                                     podMetrics: [], keys: ["custom:qps"], custom: ["qps": ["a": 2500]], now: Self.now)
        #expect(usage["custom:qps"]?.map(\.usage) == [2500, nil])
        #expect(usage["custom:qps"]?.map(\.phase) == [.running, .pending])
        #expect(usage["custom:qps"]?.allSatisfy { $0.request == nil } == true)
        // Without a pod list there are no Pods metrics.
        #expect(TargetPods.usage(cluster: "c", podMetrics: [], replicas: 2, readyReplicas: 2, podTemplate: nil,
                                 keys: ["custom:qps"])["custom:qps"] == nil)
    }
}
