import FlotillaModel
import Foundation

/// One sync period of a FederatedHPA, as Karmada's controller (the lifted Kubernetes HPA) computes it: the desired
/// total replicas of the target from its pods' metrics, stabilised and rate limited by the behaviour, within min and
/// max; the conditions and metric values for the status; and the history for the next period. Pure: the engine
/// gathers the pods and decides what to do with the result.
public struct FederatedHPADecision: Sendable, Hashable {
    /// The replicas the target has now (the template's, as last set).
    public var currentReplicas: Int32
    /// The replicas it should have.
    public var desiredReplicas: Int32
    public var metrics: [MetricStatus]
    public var conditions: [AutoscalerCondition]
    public var history: AutoscalerHistory
    /// Why it scales, when it does (the HPA's event message).
    public var reason: String?

    /// Whether the target's replicas change.
    public var scales: Bool { desiredReplicas != currentReplicas }

    /// The controller's default tolerance.
    public static let defaultTolerance = 0.1

    /// A decision that changes nothing and says why (the target cannot be found or read).
    public static func unable(current: Int32, history: AutoscalerHistory, error: AutoscalingError) -> FederatedHPADecision {
        FederatedHPADecision(currentReplicas: current, desiredReplicas: current, metrics: [], conditions: [
            AutoscalerCondition(type: "AbleToScale", status: false, reason: error.reason, message: "\(error)"),
        ], history: history, reason: nil)
    }

    /// The metrics `spec` scales on: its own, or 80% average CPU.
    public static func metrics(of spec: FederatedHPASpec) -> [MetricSpec] {
        let cpu = MetricSpec(type: .resource, resource: ResourceMetricSource(
            name: "cpu", target: MetricTarget(type: .utilization, averageUtilization: 80)))
        return (spec.metrics ?? []).isEmpty ? [cpu] : spec.metrics ?? []
    }

    /// What a metric reads from the pods: `cpu`, `memory`, `cpu/<container>` for a ContainerResource metric, or
    /// `custom:<name>` for a Pods metric (from `custom.metrics.k8s.io`); nil for Object and External metrics.
    public static func usageKey(of metric: MetricSpec) -> String? {
        switch metric.type {
        case .resource: metric.resource?.name
        case .containerResource: metric.containerResource.map { "\($0.name)/\($0.container)" }
        case .pods: metric.pods.map { customPrefix + $0.metric.name }
        default: nil
        }
    }

    /// The prefix of a Pods metric's usage key.
    public static let customPrefix = "custom:"

    /// Decides one period for `spec` (min and max as a CronFederatedHPA may have changed them), with the target's
    /// `current` replicas and its pods in every ready target cluster, by usage key (`usageKey(of:)`).
    public static func decide(spec: FederatedHPASpec, current: Int32, pods: [String: [PodUsage]],
                              history: AutoscalerHistory,
                              now: Date, tolerance: Double = defaultTolerance) -> FederatedHPADecision {
        let minimum = spec.effectiveMinReplicas
        let maximum = spec.maxReplicas
        var decision = FederatedHPADecision(currentReplicas: current, desiredReplicas: current, metrics: [],
                                            conditions: [], history: history, reason: nil)
        let up = ScalingRules.scaleUp(spec.behavior?.scaleUp)
        let down = ScalingRules.scaleDown(spec.behavior?.scaleDown)
        if current == 0 && minimum != 0 {
            decision.conditions = [
                AutoscalerCondition(type: "AbleToScale", status: true, reason: "SucceededGetScale",
                                    message: "the HPA controller was able to get the target's current scale"),
                AutoscalerCondition(type: "ScalingActive", status: false, reason: "ScalingDisabled",
                                    message: "scaling is disabled since the replica count of the target is zero"),
            ]
            return decision
        }
        var active = AutoscalerCondition(type: "ScalingActive", status: true, reason: "ValidMetricFound",
                                         message: "the HPA was able to successfully calculate a replica count")
        var able = AutoscalerCondition(type: "AbleToScale", status: true, reason: "ReadyForNewScale",
                                       message: "recommended size matches current size")
        var limited: AutoscalerCondition?
        if current > maximum {
            decision.desiredReplicas = maximum
            decision.reason = "Current number of replicas above Spec.MaxReplicas"
        } else if current < minimum {
            decision.desiredReplicas = minimum
            decision.reason = "Current number of replicas below Spec.MinReplicas"
        } else {
            let (proposal, statuses, failure) = proposals(spec: spec, current: current, pods: pods, up: up, down: down,
                                                          tolerance: tolerance)
            decision.metrics = statuses
            guard let proposal else {
                let error = failure ?? .noMetrics
                decision.conditions = [
                    AutoscalerCondition(type: "AbleToScale", status: true, reason: "SucceededGetScale",
                                        message: "the HPA controller was able to get the target's current scale"),
                    AutoscalerCondition(type: "ScalingActive", status: false, reason: error.reason,
                                        message: "the HPA was unable to compute the replica count: \(error)"),
                ]
                return decision
            }
            active.message = "the HPA was able to successfully calculate a replica count from \(proposal.metric)"
            // Stabilise: the lowest recommendation of the scale-up window and the highest of the scale-down one.
            let upCutoff = now.addingTimeInterval(-Double(up.stabilizationWindowSeconds))
            let downCutoff = now.addingTimeInterval(-Double(down.stabilizationWindowSeconds))
            var upRecommendation = proposal.replicas
            var downRecommendation = proposal.replicas
            for old in history.recommendations {
                if old.at > upCutoff { upRecommendation = min(upRecommendation, old.replicas) }
                if old.at > downCutoff { downRecommendation = max(downRecommendation, old.replicas) }
            }
            var stabilized = max(current, upRecommendation)
            stabilized = min(stabilized, downRecommendation)
            let keep = max(up.stabilizationWindowSeconds, down.stabilizationWindowSeconds)
            decision.history.recommendations.removeAll { now.timeIntervalSince($0.at) > Double(keep) }
            decision.history.recommendations.append(.init(replicas: proposal.replicas, at: now))
            if stabilized != proposal.replicas {
                let direction = stabilized < proposal.replicas ? "ScaleUpStabilized" : "ScaleDownStabilized"
                able = AutoscalerCondition(type: "AbleToScale", status: true, reason: direction,
                                           message: "recent recommendations were \(direction == "ScaleUpStabilized" ? "lower" : "higher") than current one, applying the \(direction == "ScaleUpStabilized" ? "lowest" : "highest") recent recommendation")
            }
            let (limitedTo, limitReason, limitMessage) = rateLimited(stabilized, current: current, minimum: minimum,
                                                                     maximum: maximum, up: up, down: down,
                                                                     history: history, now: now)
            limited = AutoscalerCondition(type: "ScalingLimited", status: limitedTo != stabilized, reason: limitReason,
                                          message: limitMessage)
            decision.desiredReplicas = limitedTo
            if limitedTo != current {
                decision.reason = "New size: \(limitedTo); reason: \(proposal.metric) \(limitedTo > current ? "above" : "below") target"
            }
        }
        if decision.scales {
            decision.history.recordScale(from: current, to: decision.desiredReplicas, keepUp: up.longestPeriod,
                                         keepDown: down.longestPeriod, now: now)
            able = AutoscalerCondition(type: "AbleToScale", status: true, reason: "SucceededRescale",
                                       message: "the HPA controller was able to update the target scale to \(decision.desiredReplicas)")
        }
        decision.conditions = [able, active] + (limited.map { [$0] } ?? [])
        return decision
    }

    /// The largest proposal over the metrics (default: 80% average CPU), or the first failure when every metric
    /// failed or some failed and the rest would scale down.
    private static func proposals(spec: FederatedHPASpec, current: Int32, pods: [String: [PodUsage]],
                                  up: ScalingRules, down: ScalingRules, tolerance: Double)
        -> ((replicas: Int32, metric: String)?, [MetricStatus], AutoscalingError?) {
        let specs = metrics(of: spec)
        var best: (replicas: Int32, metric: String)?
        var statuses: [MetricStatus] = []
        var failure: AutoscalingError?
        var failures = 0
        for metric in specs {
            do throws(AutoscalingError) {
                let (replicas, status) = try proposal(metric, current: current,
                                                      pods: usageKey(of: metric).flatMap { pods[$0] } ?? [],
                                                      up: up, down: down, tolerance: tolerance)
                statuses.append(status)
                if best == nil || replicas > best!.replicas { best = (replicas, status.metric) }
            } catch {
                if failure == nil { failure = error }
                failures += 1
            }
        }
        if failures >= specs.count || (failures > 0 && (best?.replicas ?? 0) < current) { return (nil, statuses, failure) }
        return (best, statuses, nil)
    }

    private static func proposal(_ metric: MetricSpec, current: Int32, pods: [PodUsage], up: ScalingRules,
                                 down: ScalingRules, tolerance: Double) throws(AutoscalingError)
        -> (Int32, MetricStatus) {
        let name: String
        let target: MetricTarget
        let label: String
        switch metric.type {
        case .resource:
            guard let source = metric.resource else { throw .unsupportedMetric(type: "Resource") }
            (name, target, label) = (source.name, source.target, "Resource \(source.name)")
        case .containerResource:
            guard let source = metric.containerResource else { throw .unsupportedMetric(type: "ContainerResource") }
            (name, target, label) = (source.name, source.target, "ContainerResource \(source.name)/\(source.container)")
        case .pods:
            // The HPA reads a Pods metric per pod and compares its average to an AverageValue target.
            guard let source = metric.pods, source.target.type == .averageValue else {
                throw .unsupportedMetric(type: "Pods")
            }
            (name, target, label) = (customPrefix + source.metric.name, source.target, "Pods \(source.metric.name)")
        default:
            throw .unsupportedMetric(type: metric.type.rawValue)
        }
        // A direction's own tolerance applies to that direction; the controller's otherwise.
        func proposal(_ tolerance: Double) throws(AutoscalingError) -> ReplicaCalculator.Proposal {
            switch target.type {
            case .utilization:
                guard let percent = target.averageUtilization else { throw .unsupportedMetric(type: "Resource") }
                return try ReplicaCalculator.utilization(current: current, targetUtilization: percent, pods: pods,
                                                         resource: name, tolerance: tolerance)
            case .averageValue, .value:
                guard let value = (target.averageValue ?? target.value)?.milliValue else {
                    throw .unsupportedMetric(type: "Resource")
                }
                return try ReplicaCalculator.averageValue(current: current, targetAverage: value, pods: pods,
                                                          resource: name, tolerance: tolerance)
            }
        }
        var result = try proposal(tolerance)
        if result.replicas > current, let own = up.tolerance, own != tolerance { result = try proposal(own) }
        if result.replicas < current, let own = down.tolerance, own != tolerance { result = try proposal(own) }
        let targetText = target.type == .utilization ? "\(target.averageUtilization ?? 0)%"
            : (target.averageValue ?? target.value)?.description ?? ""
        let status = MetricStatus(metric: label, averageUtilization: result.utilization,
                                  averageValue: Self.quantity(result.averageValue, resource: name), target: targetText)
        return (result.replicas, status)
    }

    /// The HPA's `convertDesiredReplicasWithBehaviorRate`: within the policies' rate limits and min..max.
    private static func rateLimited(_ desired: Int32, current: Int32, minimum: Int32, maximum: Int32, up: ScalingRules,
                                    down: ScalingRules, history: AutoscalerHistory, now: Date)
        -> (Int32, String, String) {
        if desired > current {
            let limit = max(current, up.scaleUpLimit(current: current, events: history, now: now))
            let allowed = min(maximum, limit)
            if desired > allowed {
                return maximum > limit
                    ? (allowed, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
                    : (allowed, "TooManyReplicas", "the desired replica count is more than the maximum replica count")
            }
        } else if desired < current {
            let limit = min(current, down.scaleDownLimit(current: current, events: history, now: now))
            let allowed = max(minimum, limit)
            if desired < allowed {
                return minimum < limit
                    ? (allowed, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
                    : (allowed, "TooFewReplicas", "the desired replica count is less than the minimum replica count")
            }
        }
        return (desired, "DesiredWithinRange", "the desired count is within the acceptable range")
    }

    /// Milli-units as a quantity: CPU in millicores, memory in bytes.
    static func quantity(_ milli: Int64, resource: String) -> String {
        if resource == "cpu" { return "\(milli)m" }
        if resource.hasPrefix(customPrefix) { return milli % 1000 == 0 ? "\(milli / 1000)" : "\(milli)m" }
        let bytes = milli / 1000
        if bytes % (1 << 20) == 0 { return "\(bytes >> 20)Mi" }
        return "\(bytes)"
    }
}
