import FlotillaAutoscaling
import FlotillaModel
import Foundation
import Testing

/// The HPA controller's normalisation (bounds, stabilisation windows, behaviour policies), with a test clock: each
/// case passes `now` explicitly.
@Suite struct FederatedHPADecisionTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func spec(min: Int32 = 1, max: Int32 = 100, target: Int64 = 100,
                     behavior: HorizontalPodAutoscalerBehavior? = nil) -> FederatedHPASpec {
        FederatedHPASpec(scaleTargetRef: CrossVersionObjectReference(kind: "Deployment", name: "web", apiVersion: "apps/v1"),
                         minReplicas: min, maxReplicas: max,
                         metrics: [MetricSpec(type: .resource, resource: ResourceMetricSource(
                            name: "cpu", target: MetricTarget(type: .averageValue, averageValue: Quantity("\(target)m"))))],
                         behavior: behavior)
    }

    /// `count` running pods each using `usage` millicores.
    static func pods(_ count: Int, usage: Int64) -> [String: [PodUsage]] {
        ["cpu": (0..<count).map { PodUsage(name: "c/p\($0)", usage: usage, request: 200) }]
    }

    @Test func scaleUpIsRateLimitedByTheDefaultPolicies() {
        // 2 pods at 10x the target want 20; by default at most max(+100%, +4 pods) per 15 s: 6.
        let first = FederatedHPADecision.decide(spec: Self.spec(), current: 2, pods: Self.pods(2, usage: 1000),
                                                history: .init(), now: Self.start)
        #expect(first.desiredReplicas == 6)
        #expect(first.conditions.contains { $0.type == "ScalingLimited" && $0.status == "True" && $0.reason == "ScaleUpLimit" })
        // 5 s later, the period started at 2: still 6.
        let second = FederatedHPADecision.decide(spec: Self.spec(), current: 6, pods: Self.pods(6, usage: 1000),
                                                 history: first.history, now: Self.start + 5)
        #expect(second.desiredReplicas == 6)
        // After the period: +100% of 6 = 12 (more than +4).
        let third = FederatedHPADecision.decide(spec: Self.spec(), current: 6, pods: Self.pods(6, usage: 1000),
                                                history: second.history, now: Self.start + 16)
        #expect(third.desiredReplicas == 12)
        #expect(third.history.lastScaleTime == Self.start + 16)
    }

    @Test func selectPolicyMinTakesTheSmallerStep() {
        let behavior = HorizontalPodAutoscalerBehavior(scaleUp: HPAScalingRules(selectPolicy: .min))
        let decision = FederatedHPADecision.decide(spec: Self.spec(behavior: behavior), current: 2,
                                                   pods: Self.pods(2, usage: 1000), history: .init(), now: Self.start)
        #expect(decision.desiredReplicas == 4)
    }

    @Test func scaleDownWaitsForTheStabilizationWindow() {
        var history = AutoscalerHistory()
        // At 10 pods and on target, the recommendation is 10.
        let steady = FederatedHPADecision.decide(spec: Self.spec(), current: 10, pods: Self.pods(10, usage: 100),
                                                 history: history, now: Self.start)
        #expect(steady.desiredReplicas == 10)
        history = steady.history
        // The load drops to a fifth: 2 recommended, but the last 300 s recommended 10.
        let held = FederatedHPADecision.decide(spec: Self.spec(), current: 10, pods: Self.pods(10, usage: 20),
                                               history: history, now: Self.start + 60)
        #expect(held.desiredReplicas == 10)
        #expect(held.conditions.contains { $0.reason == "ScaleDownStabilized" })
        let later = FederatedHPADecision.decide(spec: Self.spec(), current: 10, pods: Self.pods(10, usage: 20),
                                                history: held.history, now: Self.start + 301)
        // The recommendation of 60 s is 2 as well, so the window's highest is 2 once the 10 has left it.
        #expect(later.desiredReplicas == 2)
    }

    @Test func theDocumentationsScaleDownPolicies() {
        // From the HPA documentation: 4 pods or 10% per 60 s, whichever removes more. 80 → 72, then 72 → 64 (10% of
        // 72 is 7.2, rounded so 8 go).
        let behavior = HorizontalPodAutoscalerBehavior(scaleDown: HPAScalingRules(
            stabilizationWindowSeconds: 0,
            policies: [HPAScalingPolicy(type: .pods, value: 4, periodSeconds: 60),
                       HPAScalingPolicy(type: .percent, value: 10, periodSeconds: 60)]))
        let spec = Self.spec(behavior: behavior)
        let first = FederatedHPADecision.decide(spec: spec, current: 80, pods: Self.pods(80, usage: 12), history: .init(),
                                                now: Self.start)
        #expect(first.desiredReplicas == 72)
        #expect(first.conditions.contains { $0.reason == "ScaleDownLimit" })
        let within = FederatedHPADecision.decide(spec: spec, current: 72, pods: Self.pods(72, usage: 12),
                                                 history: first.history, now: Self.start + 30)
        #expect(within.desiredReplicas == 72)
        let next = FederatedHPADecision.decide(spec: spec, current: 72, pods: Self.pods(72, usage: 12),
                                               history: within.history, now: Self.start + 61)
        #expect(next.desiredReplicas == 64)
    }

    @Test func disabledDirectionNeverMoves() {
        let behavior = HorizontalPodAutoscalerBehavior(scaleDown: HPAScalingRules(stabilizationWindowSeconds: 0,
                                                                                  selectPolicy: .disabled))
        let decision = FederatedHPADecision.decide(spec: Self.spec(behavior: behavior), current: 10,
                                                   pods: Self.pods(10, usage: 10), history: .init(), now: Self.start)
        #expect(decision.desiredReplicas == 10)
        #expect(!decision.scales)
    }

    @Test func boundsAndDisabledScaling() {
        let above = FederatedHPADecision.decide(spec: Self.spec(max: 8), current: 10, pods: [:], history: .init(),
                                                now: Self.start)
        #expect(above.desiredReplicas == 8)
        #expect(above.reason == "Current number of replicas above Spec.MaxReplicas")
        let below = FederatedHPADecision.decide(spec: Self.spec(min: 3), current: 1, pods: [:], history: .init(),
                                                now: Self.start)
        #expect(below.desiredReplicas == 3)
        let zero = FederatedHPADecision.decide(spec: Self.spec(), current: 0, pods: [:], history: .init(), now: Self.start)
        #expect(zero.desiredReplicas == 0)
        #expect(zero.conditions.contains { $0.type == "ScalingActive" && $0.status == "False" && $0.reason == "ScalingDisabled" })
        // The maximum caps a proposal: TooManyReplicas.
        let capped = FederatedHPADecision.decide(spec: Self.spec(max: 3), current: 2, pods: Self.pods(2, usage: 1000),
                                                 history: .init(), now: Self.start)
        #expect(capped.desiredReplicas == 3)
        #expect(capped.conditions.contains { $0.reason == "TooManyReplicas" })
    }

    @Test func noMetricsKeepsTheReplicasAndSaysWhy() {
        let pods = ["cpu": [PodUsage(name: "a", usage: nil, request: 100)]]
        let decision = FederatedHPADecision.decide(spec: Self.spec(), current: 1, pods: pods, history: .init(),
                                                   now: Self.start)
        #expect(decision.desiredReplicas == 1)
        #expect(decision.conditions.contains { $0.type == "ScalingActive" && $0.status == "False"
            && $0.reason == "FailedGetResourceMetric" })
    }

    @Test func defaultMetricIsEightyPercentCPU() {
        var spec = Self.spec()
        spec.metrics = nil
        // 2 pods at 400m of 200m requested: 200% against 80% → ceil(2.5 * 2) = 5.
        let decision = FederatedHPADecision.decide(spec: spec, current: 2, pods: Self.pods(2, usage: 400),
                                                   history: .init(), now: Self.start)
        #expect(decision.desiredReplicas == 5)
        #expect(decision.metrics.first?.averageUtilization == 200)
        #expect(decision.metrics.first?.target == "80%")
    }
}

/// Pods metrics (`custom.metrics.k8s.io`): averaged per pod against an AverageValue target, as the HPA's
/// `GetMetricReplicas` does; a pod without a value is missing.
@Suite struct PodsMetricTests {
    static func metric(_ json: String) throws -> MetricSpec {
        try JSONDecoder().decode(MetricSpec.self, from: Data(json.utf8))
    }

    static func spec(_ metric: MetricSpec) -> FederatedHPASpec {
        FederatedHPASpec(scaleTargetRef: CrossVersionObjectReference(kind: "Deployment", name: "web", apiVersion: "apps/v1"),
                         minReplicas: 1, maxReplicas: 100, metrics: [metric])
    }

    @Test func theAverageAgainstTheTargetGivesTheReplicas() throws {
        let metric = try Self.metric("""
            {"type": "Pods", "pods": {"metric": {"name": "http_requests"},
                                      "target": {"type": "AverageValue", "averageValue": "10"}}}
            """)
        #expect(FederatedHPADecision.usageKey(of: metric) == "custom:http_requests")
        let pods = ["custom:http_requests": [PodUsage(name: "a/p0", usage: 20_000, request: nil),
                                             PodUsage(name: "a/p1", usage: 20_000, request: nil)]]
        let decision = FederatedHPADecision.decide(spec: Self.spec(metric), current: 2, pods: pods, history: .init(),
                                                   now: FederatedHPADecisionTests.start)
        #expect(decision.desiredReplicas == 4)
        #expect(decision.metrics.map(\.metric) == ["Pods http_requests"])
        #expect(decision.metrics.first?.averageValue == "20" && decision.metrics.first?.target == "10")
        #expect(decision.metrics.first?.averageUtilization == nil)
        // One pod without a value on a scale-up counts as 0: (20 + 0) / 2 = 10 → on target, no change.
        let missing = ["custom:http_requests": [PodUsage(name: "a/p0", usage: 20_000, request: nil),
                                                PodUsage(name: "a/p1", usage: nil, request: nil)]]
        let held = FederatedHPADecision.decide(spec: Self.spec(metric), current: 2, pods: missing, history: .init(),
                                               now: FederatedHPADecisionTests.start)
        #expect(held.desiredReplicas == 2)
    }

    @Test func aPodsMetricNeedsAnAverageValueTarget() throws {
        let metric = try Self.metric("""
            {"type": "Pods", "pods": {"metric": {"name": "http_requests"},
                                      "target": {"type": "Utilization", "averageUtilization": 50}}}
            """)
        let decision = FederatedHPADecision.decide(spec: Self.spec(metric), current: 2,
                                                   pods: ["custom:http_requests": []], history: .init(),
                                                   now: FederatedHPADecisionTests.start)
        #expect(decision.desiredReplicas == 2)
        #expect(decision.conditions.contains { $0.type == "ScalingActive" && $0.status == "False" })
    }
}
