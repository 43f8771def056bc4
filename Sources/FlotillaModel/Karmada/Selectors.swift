/// `metav1.LabelSelector`: matchLabels AND matchExpressions.
public struct LabelSelector: Codable, Sendable, Hashable {
    public var matchLabels: [String: String]?
    public var matchExpressions: [LabelSelectorRequirement]?

    public init(matchLabels: [String: String]? = nil, matchExpressions: [LabelSelectorRequirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }
}

/// One expression of a label selector.
public struct LabelSelectorRequirement: Codable, Sendable, Hashable {
    public var key: String
    public var `operator`: SelectorOperator
    public var values: [String]?

    public init(key: String, operator: SelectorOperator, values: [String]? = nil) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }
}

/// The operators of label and field selectors.
public enum SelectorOperator: String, KarmadaEnum {
    case `in` = "In"
    case notIn = "NotIn"
    case exists = "Exists"
    case doesNotExist = "DoesNotExist"
    case gt = "Gt"
    case lt = "Lt"
}

/// Karmada's `FieldSelector`: expressions on a Cluster's `provider`, `region` and `zone`.
public struct FieldSelector: Codable, Sendable, Hashable {
    public var matchExpressions: [LabelSelectorRequirement]?

    public init(matchExpressions: [LabelSelectorRequirement]? = nil) {
        self.matchExpressions = matchExpressions
    }
}

/// Karmada's `ClusterAffinity`: which clusters a policy or an override rule targets.
public struct ClusterAffinity: Codable, Sendable, Hashable {
    public var labelSelector: LabelSelector?
    public var fieldSelector: FieldSelector?
    public var clusterNames: [String]?
    public var exclude: [String]?

    public init(labelSelector: LabelSelector? = nil, fieldSelector: FieldSelector? = nil,
                clusterNames: [String]? = nil, exclude: [String]? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.clusterNames = clusterNames
        self.exclude = exclude
    }
}

/// One term of `clusterAffinities`: a named affinity, tried in order, with optional overflow tiers.
public struct ClusterAffinityTerm: Codable, Sendable, Hashable {
    public var affinityName: String
    public var labelSelector: LabelSelector?
    public var fieldSelector: FieldSelector?
    public var clusterNames: [String]?
    public var exclude: [String]?
    public var overflowAffinities: [ClusterAffinity]?

    /// The inline affinity of the term.
    public var affinity: ClusterAffinity {
        ClusterAffinity(labelSelector: labelSelector, fieldSelector: fieldSelector,
                        clusterNames: clusterNames, exclude: exclude)
    }
}

/// `corev1.Toleration`, tolerating Cluster taints.
public struct Toleration: Codable, Sendable, Hashable {
    public var key: String?
    public var `operator`: TolerationOperator?
    public var value: String?
    public var effect: TaintEffect?
    public var tolerationSeconds: Int64?
}

/// The operators of a toleration.
public enum TolerationOperator: String, KarmadaEnum {
    case exists = "Exists"
    case equal = "Equal"
}

/// `corev1.Taint` on a Cluster.
public struct Taint: Codable, Sendable, Hashable {
    public var key: String
    public var value: String?
    public var effect: TaintEffect
    public var timeAdded: String?

    public init(key: String, value: String? = nil, effect: TaintEffect, timeAdded: String? = nil) {
        self.key = key
        self.value = value
        self.effect = effect
        self.timeAdded = timeAdded
    }
}

/// The effects of a taint.
public enum TaintEffect: String, KarmadaEnum {
    case noSchedule = "NoSchedule"
    case preferNoSchedule = "PreferNoSchedule"
    case noExecute = "NoExecute"
}

/// Karmada's `ResourceSelector`: which resource templates a policy selects.
public struct ResourceSelector: Codable, Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var namespace: String?
    public var name: String?
    public var labelSelector: LabelSelector?

    public init(apiVersion: String, kind: String, namespace: String? = nil, name: String? = nil,
                labelSelector: LabelSelector? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.labelSelector = labelSelector
    }
}
