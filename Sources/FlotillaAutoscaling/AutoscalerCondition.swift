/// An `autoscaling/v2` HorizontalPodAutoscaler condition, as a FederatedHPA's status carries it.
public struct AutoscalerCondition: Sendable, Hashable, Codable {
    /// `AbleToScale`, `ScalingActive` or `ScalingLimited`.
    public var type: String
    /// `True` or `False`.
    public var status: String
    public var reason: String
    public var message: String

    public init(type: String, status: Bool, reason: String, message: String) {
        self.type = type
        self.status = status ? "True" : "False"
        self.reason = reason
        self.message = message
    }
}

/// One metric's current value, as the status shows it.
public struct MetricStatus: Sendable, Hashable, Codable {
    /// `Resource cpu`, `ContainerResource memory/app` ...
    public var metric: String
    /// Current average utilization in percent (Utilization targets).
    public var averageUtilization: Int32?
    /// Current average value per pod, as a quantity (`250m`, `128Mi`).
    public var averageValue: String
    /// The target, as written (`80%`, `500m`).
    public var target: String
}
