import Foundation

/// The Kubernetes HPA's replica calculator (`pkg/controller/podautoscaler/replica_calculator.go`, which Karmada's
/// FederatedHPA lifts), for Resource and ContainerResource metrics: a Utilization target (percent of the pods'
/// requests) or an AverageValue target (per pod). Pods are grouped as the HPA groups them — terminating and failed
/// ones ignored, pending ones unready, ones without metrics missing, not-ready ones unready for CPU — and missing and
/// unready pods are assumed to use nothing on a scale-up and (missing ones) their full request on a scale-down, so a
/// guess never reverses the direction. Pure.
public enum ReplicaCalculator {
    /// A metric's proposal: the replicas and the current value the status shows.
    public struct Proposal: Sendable, Hashable {
        public var replicas: Int32
        /// The current average utilization in percent (Utilization targets).
        public var utilization: Int32?
        /// The current average value per pod, in milli-units.
        public var averageValue: Int64
    }

    /// Replicas for a Utilization target of `targetUtilization` percent.
    public static func utilization(current: Int32, targetUtilization: Int32, pods: [PodUsage], resource: String,
                                   tolerance: Double) throws(AutoscalingError) -> Proposal {
        let groups = try group(pods, cpu: resource == "cpu")
        var requests: [String: Int64] = [:]
        for pod in pods {
            guard let request = pod.request else { throw .missingRequest(resource: resource) }
            requests[pod.name] = request
        }
        var metrics = groups.metrics
        guard !metrics.isEmpty else { throw .noMetrics }
        let (ratio, utilization, average) = try utilizationRatio(metrics, requests: requests, target: targetUtilization)
        let scaleUpWithUnready = !groups.unready.isEmpty && ratio > 1.0
        if !scaleUpWithUnready && groups.missing.isEmpty {
            if abs(1.0 - ratio) <= tolerance { return Proposal(replicas: current, utilization: utilization, averageValue: average) }
            return Proposal(replicas: Int32((ratio * Double(groups.readyCount)).rounded(.up)), utilization: utilization,
                            averageValue: average)
        }
        if !groups.missing.isEmpty {
            if ratio < 1.0 {
                // On a scale-down, missing pods use all their request (or the target, when it is above 100%).
                let fallback = Int64(max(100, targetUtilization))
                for name in groups.missing { metrics[name] = (requests[name] ?? 0) * fallback / 100 }
            } else if ratio > 1.0 {
                for name in groups.missing { metrics[name] = 0 }
            }
        }
        if scaleUpWithUnready { for name in groups.unready { metrics[name] = 0 } }
        let (newRatio, _, _) = try utilizationRatio(metrics, requests: requests, target: targetUtilization)
        return settle(current: current, ratio: ratio, newRatio: newRatio, count: metrics.count, tolerance: tolerance,
                      utilization: utilization, average: average)
    }

    /// Replicas for an AverageValue target of `targetAverage` milli-units per pod.
    public static func averageValue(current: Int32, targetAverage: Int64, pods: [PodUsage], resource: String,
                                    tolerance: Double) throws(AutoscalingError) -> Proposal {
        let groups = try group(pods, cpu: resource == "cpu")
        var metrics = groups.metrics
        guard !metrics.isEmpty, targetAverage > 0 else { throw .noMetrics }
        let average = metrics.values.reduce(0, +) / Int64(metrics.count)
        let ratio = Double(average) / Double(targetAverage)
        let scaleUpWithUnready = !groups.unready.isEmpty && ratio > 1.0
        if !scaleUpWithUnready && groups.missing.isEmpty {
            if abs(1.0 - ratio) <= tolerance { return Proposal(replicas: current, utilization: nil, averageValue: average) }
            return Proposal(replicas: Int32((ratio * Double(groups.readyCount)).rounded(.up)), utilization: nil,
                            averageValue: average)
        }
        if !groups.missing.isEmpty {
            if ratio < 1.0 {
                for name in groups.missing { metrics[name] = targetAverage }
            } else if ratio > 1.0 {
                for name in groups.missing { metrics[name] = 0 }
            }
        }
        if scaleUpWithUnready { for name in groups.unready { metrics[name] = 0 } }
        let newRatio = Double(metrics.values.reduce(0, +) / Int64(metrics.count)) / Double(targetAverage)
        return settle(current: current, ratio: ratio, newRatio: newRatio, count: metrics.count, tolerance: tolerance,
                      utilization: nil, average: average)
    }

    /// The second pass: no change when it is small or the guesses would turn the direction around.
    private static func settle(current: Int32, ratio: Double, newRatio: Double, count: Int, tolerance: Double,
                               utilization: Int32?, average: Int64) -> Proposal {
        let unchanged = Proposal(replicas: current, utilization: utilization, averageValue: average)
        if abs(1.0 - newRatio) <= tolerance || (ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0) {
            return unchanged
        }
        let replicas = Int32((newRatio * Double(count)).rounded(.up))
        if (newRatio < 1.0 && replicas > current) || (newRatio > 1.0 && replicas < current) { return unchanged }
        return Proposal(replicas: replicas, utilization: utilization, averageValue: average)
    }

    /// The HPA's `GetResourceUtilizationRatio`: integer percent of the summed requests, then its ratio to the target.
    private static func utilizationRatio(_ metrics: [String: Int64], requests: [String: Int64], target: Int32)
        throws(AutoscalingError) -> (Double, Int32, Int64) {
        var usage: Int64 = 0
        var requested: Int64 = 0
        var entries: Int64 = 0
        for (name, value) in metrics {
            guard let request = requests[name] else { continue }
            usage += value
            requested += request
            entries += 1
        }
        guard requested > 0, target > 0 else { throw .noMetrics }
        let utilization = Int32(usage * 100 / requested)
        return (Double(utilization) / Double(target), utilization, usage / entries)
    }

    private struct Groups {
        var metrics: [String: Int64] = [:]
        var readyCount = 0
        var unready: [String] = []
        var missing: [String] = []
    }

    /// The HPA's `groupPods` (`PodUsage.ready` says whether a CPU sample counts: `TargetPods` applies the CPU
    /// initialisation period and the initial readiness delay).
    private static func group(_ pods: [PodUsage], cpu: Bool) throws(AutoscalingError) -> Groups {
        guard !pods.isEmpty else { throw .noPods }
        var groups = Groups()
        for pod in pods {
            switch pod.phase {
            case .terminating, .failed: continue
            case .pending:
                groups.unready.append(pod.name)
                continue
            case .running: break
            }
            guard let usage = pod.usage else {
                groups.missing.append(pod.name)
                continue
            }
            if cpu && !pod.ready {
                groups.unready.append(pod.name)
                continue
            }
            groups.metrics[pod.name] = usage
            groups.readyCount += 1
        }
        return groups
    }
}
