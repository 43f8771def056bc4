/// The spec of a Karmada `FederatedHPA` (`autoscaling.karmada.io/v1alpha1`).
public struct FederatedHPASpec: Codable, Sendable, Hashable {
    public var scaleTargetRef: CrossVersionObjectReference
    public var minReplicas: Int32?
    public var maxReplicas: Int32
    public var metrics: [MetricSpec]?
    public var behavior: HorizontalPodAutoscalerBehavior?

    /// `minReplicas`, defaulting to 1 as Karmada does.
    public var effectiveMinReplicas: Int32 { minReplicas ?? 1 }

    public init(scaleTargetRef: CrossVersionObjectReference, minReplicas: Int32? = nil, maxReplicas: Int32,
                metrics: [MetricSpec]? = nil, behavior: HorizontalPodAutoscalerBehavior? = nil) {
        self.scaleTargetRef = scaleTargetRef
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.metrics = metrics
        self.behavior = behavior
    }
}

/// The workload a FederatedHPA scales.
public struct CrossVersionObjectReference: Codable, Sendable, Hashable {
    public var kind: String
    public var name: String
    public var apiVersion: String?

    public init(kind: String, name: String, apiVersion: String? = nil) {
        self.kind = kind
        self.name = name
        self.apiVersion = apiVersion
    }
}

/// `autoscaling/v2` MetricSpec.
public struct MetricSpec: Codable, Sendable, Hashable {
    public var type: MetricSourceType
    public var object: ObjectMetricSource?
    public var pods: PodsMetricSource?
    public var resource: ResourceMetricSource?
    public var containerResource: ContainerResourceMetricSource?
    public var external: ExternalMetricSource?

    public init(type: MetricSourceType, resource: ResourceMetricSource? = nil,
                containerResource: ContainerResourceMetricSource? = nil) {
        self.type = type
        self.resource = resource
        self.containerResource = containerResource
    }
}

/// The kinds of metric source.
public enum MetricSourceType: String, KarmadaEnum {
    case object = "Object"
    case pods = "Pods"
    case resource = "Resource"
    case containerResource = "ContainerResource"
    case external = "External"
}

/// A metric of another object.
public struct ObjectMetricSource: Codable, Sendable, Hashable {
    public var describedObject: CrossVersionObjectReference
    public var target: MetricTarget
    public var metric: MetricIdentifier
}

/// A metric averaged over the pods.
public struct PodsMetricSource: Codable, Sendable, Hashable {
    public var metric: MetricIdentifier
    public var target: MetricTarget
}

/// A resource (cpu, memory) metric of the pods.
public struct ResourceMetricSource: Codable, Sendable, Hashable {
    public var name: String
    public var target: MetricTarget

    public init(name: String, target: MetricTarget) {
        self.name = name
        self.target = target
    }
}

/// A resource metric of one container of the pods.
public struct ContainerResourceMetricSource: Codable, Sendable, Hashable {
    public var name: String
    public var target: MetricTarget
    public var container: String
}

/// A metric from outside the cluster.
public struct ExternalMetricSource: Codable, Sendable, Hashable {
    public var metric: MetricIdentifier
    public var target: MetricTarget
}

/// A metric's name and selector.
public struct MetricIdentifier: Codable, Sendable, Hashable {
    public var name: String
    public var selector: LabelSelector?
}

/// The target value of a metric.
public struct MetricTarget: Codable, Sendable, Hashable {
    public var type: MetricTargetType
    public var value: Quantity?
    public var averageValue: Quantity?
    public var averageUtilization: Int32?

    public init(type: MetricTargetType, value: Quantity? = nil, averageValue: Quantity? = nil,
                averageUtilization: Int32? = nil) {
        self.type = type
        self.value = value
        self.averageValue = averageValue
        self.averageUtilization = averageUtilization
    }
}

/// `Utilization`, `Value` or `AverageValue`.
public enum MetricTargetType: String, KarmadaEnum {
    case utilization = "Utilization"
    case value = "Value"
    case averageValue = "AverageValue"
}

/// `autoscaling/v2` scaling behaviour.
public struct HorizontalPodAutoscalerBehavior: Codable, Sendable, Hashable {
    public var scaleUp: HPAScalingRules?
    public var scaleDown: HPAScalingRules?

    public init(scaleUp: HPAScalingRules? = nil, scaleDown: HPAScalingRules? = nil) {
        self.scaleUp = scaleUp
        self.scaleDown = scaleDown
    }
}

/// The rules of one scaling direction.
public struct HPAScalingRules: Codable, Sendable, Hashable {
    public var stabilizationWindowSeconds: Int32?
    public var selectPolicy: ScalingPolicySelect?
    public var policies: [HPAScalingPolicy]?
    public var tolerance: Quantity?

    public init(stabilizationWindowSeconds: Int32? = nil, selectPolicy: ScalingPolicySelect? = nil,
                policies: [HPAScalingPolicy]? = nil, tolerance: Quantity? = nil) {
        self.stabilizationWindowSeconds = stabilizationWindowSeconds
        self.selectPolicy = selectPolicy
        self.policies = policies
        self.tolerance = tolerance
    }
}

/// `Max`, `Min` or `Disabled`.
public enum ScalingPolicySelect: String, KarmadaEnum {
    case max = "Max"
    case min = "Min"
    case disabled = "Disabled"
}

/// One scaling policy.
public struct HPAScalingPolicy: Codable, Sendable, Hashable {
    public var type: HPAScalingPolicyType
    public var value: Int32
    public var periodSeconds: Int32

    public init(type: HPAScalingPolicyType, value: Int32, periodSeconds: Int32) {
        self.type = type
        self.value = value
        self.periodSeconds = periodSeconds
    }
}

/// `Pods` or `Percent`.
public enum HPAScalingPolicyType: String, KarmadaEnum {
    case pods = "Pods"
    case percent = "Percent"
}
