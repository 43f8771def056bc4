import FlotillaModel
import Foundation

/// A FederatedHPA's `behavior` with Kubernetes' defaults filled in (`SetDefaults_HorizontalPodAutoscalerBehavior`,
/// which Karmada's `SetDefaultsFederatedHPA` lifts): scale up with no stabilisation, by the larger of 100% or 4 pods
/// per 15 s; scale down after a 300 s stabilisation window, by up to 100% per 15 s.
public struct ScalingRules: Sendable, Hashable {
    public var stabilizationWindowSeconds: Int32
    public var selectPolicy: ScalingPolicySelect
    public var policies: [HPAScalingPolicy]
    /// The direction's own tolerance (autoscaling/v2 `tolerance`), else the controller's.
    public var tolerance: Double?

    /// The rules of scaling up, from `behavior.scaleUp`.
    public static func scaleUp(_ rules: HPAScalingRules?) -> ScalingRules {
        ScalingRules(stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? 0,
                     selectPolicy: rules?.selectPolicy ?? .max,
                     policies: rules?.policies ?? [HPAScalingPolicy(type: .percent, value: 100, periodSeconds: 15),
                                                   HPAScalingPolicy(type: .pods, value: 4, periodSeconds: 15)],
                     tolerance: rules?.tolerance.flatMap(Self.fraction))
    }

    /// The rules of scaling down, from `behavior.scaleDown`.
    public static func scaleDown(_ rules: HPAScalingRules?) -> ScalingRules {
        ScalingRules(stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? 300,
                     selectPolicy: rules?.selectPolicy ?? .max,
                     policies: rules?.policies ?? [HPAScalingPolicy(type: .percent, value: 100, periodSeconds: 15)],
                     tolerance: rules?.tolerance.flatMap(Self.fraction))
    }

    /// The longest policy period: how long scale events must be remembered.
    var longestPeriod: Int32 { policies.map(\.periodSeconds).max() ?? 0 }

    /// A tolerance quantity (`0.05`, `50m`) as a fraction.
    static func fraction(_ quantity: Quantity) -> Double? {
        quantity.milliValue.map { Double($0) / 1000 }
    }

    /// The HPA's `calculateScaleUpLimitWithScalingRules`: the most replicas these policies allow now, counting from
    /// the replicas at the start of each policy's period.
    func scaleUpLimit(current: Int32, events: AutoscalerHistory, now: Date) -> Int32 {
        limit(current: current, events: events, now: now, up: true)
    }

    /// The HPA's `calculateScaleDownLimitWithBehaviors`: the fewest replicas these policies allow now.
    func scaleDownLimit(current: Int32, events: AutoscalerHistory, now: Date) -> Int32 {
        limit(current: current, events: events, now: now, up: false)
    }

    /// Each policy's proposal from the replicas at the start of its period; `Max` takes the largest change, `Min` the
    /// smallest (for a scale-down the largest change is the fewest replicas).
    private func limit(current: Int32, events: AutoscalerHistory, now: Date, up: Bool) -> Int32 {
        if selectPolicy == .disabled { return current }
        let largestChange = selectPolicy != .min
        var result: Int32?
        for policy in policies {
            let added = events.change(up: true, within: policy.periodSeconds, now: now)
            let removed = events.change(up: false, within: policy.periodSeconds, now: now)
            let start = current - added + removed
            let proposed: Int32
            switch (policy.type, up) {
            case (.pods, true): proposed = start + policy.value
            case (.pods, false): proposed = start - policy.value
            case (.percent, true): proposed = Int32((Double(start) * (1 + Double(policy.value) / 100)).rounded(.up))
            case (.percent, false): proposed = Int32(Double(start) * (1 - Double(policy.value) / 100))
            }
            let takeHigher = up == largestChange
            result = result.map { takeHigher ? max($0, proposed) : min($0, proposed) } ?? proposed
        }
        return result ?? current
    }
}
