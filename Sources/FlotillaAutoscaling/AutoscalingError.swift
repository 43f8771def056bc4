/// Why the autoscaler could not compute a replica count from a metric. Each case is what the Kubernetes HPA reports
/// in its `ScalingActive` condition; none is terminal: the next sync period tries again.
public enum AutoscalingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The selector matched no pod in any target cluster.
    case noPods
    /// Pods exist but none has metrics (they might be unready).
    case noMetrics
    /// A container of the pods requests none of the resource a Utilization target needs.
    case missingRequest(resource: String)
    /// A metric source Flotilla does not read (custom and external metrics need an adapter).
    case unsupportedMetric(type: String)
    /// The target cannot be found or read (not in the source, not a workload, no cluster to read).
    case invalidTarget(String)

    public var description: String {
        switch self {
        case .noPods: "no pods returned by selector while calculating replica count"
        case .noMetrics: "did not receive metrics for targeted pods (pods might be unready)"
        case .missingRequest(let resource): "missing request for \(resource)"
        case .unsupportedMetric(let type): "\(type) metrics are not read (no custom or external metrics adapter)"
        case .invalidTarget(let reason): reason
        }
    }

    /// The `ScalingActive` condition's reason, as the HPA sets it.
    public var reason: String {
        switch self {
        case .noPods, .noMetrics, .missingRequest: "FailedGetResourceMetric"
        case .unsupportedMetric(let type): "FailedGet\(type)Metric"
        case .invalidTarget: "FailedGetScale"
        }
    }
}
