/// `placement`: which clusters, and how replicas are divided among them.
public struct Placement: Codable, Sendable, Hashable {
    public var clusterAffinity: ClusterAffinity?
    public var clusterAffinities: [ClusterAffinityTerm]?
    public var clusterTolerations: [Toleration]?
    public var spreadConstraints: [SpreadConstraint]?
    public var replicaScheduling: ReplicaSchedulingStrategy?
    public var workloadAffinity: WorkloadAffinity?

    public init(clusterAffinity: ClusterAffinity? = nil, replicaScheduling: ReplicaSchedulingStrategy? = nil) {
        self.clusterAffinity = clusterAffinity
        self.replicaScheduling = replicaScheduling
    }
}

/// A spread constraint: spread by a field or a label, into between `minGroups` and `maxGroups` groups.
public struct SpreadConstraint: Codable, Sendable, Hashable {
    public var spreadByField: SpreadByField?
    public var spreadByLabel: String?
    public var maxGroups: Int?
    public var minGroups: Int?

    public init(spreadByField: SpreadByField? = nil, spreadByLabel: String? = nil, maxGroups: Int? = nil,
                minGroups: Int? = nil) {
        self.spreadByField = spreadByField
        self.spreadByLabel = spreadByLabel
        self.maxGroups = maxGroups
        self.minGroups = minGroups
    }
}

/// The fields a spread constraint can spread by.
public enum SpreadByField: String, KarmadaEnum {
    case cluster
    case region
    case zone
    case provider
}

/// `replicaScheduling`.
public struct ReplicaSchedulingStrategy: Codable, Sendable, Hashable {
    public var replicaSchedulingType: ReplicaSchedulingType?
    public var replicaDivisionPreference: ReplicaDivisionPreference?
    public var weightPreference: ClusterPreferences?

    public init(replicaSchedulingType: ReplicaSchedulingType? = nil,
                replicaDivisionPreference: ReplicaDivisionPreference? = nil,
                weightPreference: ClusterPreferences? = nil) {
        self.replicaSchedulingType = replicaSchedulingType
        self.replicaDivisionPreference = replicaDivisionPreference
        self.weightPreference = weightPreference
    }
}

/// `Duplicated` or `Divided`.
public enum ReplicaSchedulingType: String, KarmadaEnum {
    case duplicated = "Duplicated"
    case divided = "Divided"
}

/// `Aggregated` or `Weighted`.
public enum ReplicaDivisionPreference: String, KarmadaEnum {
    case aggregated = "Aggregated"
    case weighted = "Weighted"
}

/// `weightPreference`: static weights, or a dynamic weight factor.
public struct ClusterPreferences: Codable, Sendable, Hashable {
    public var staticWeightList: [StaticClusterWeight]?
    public var dynamicWeight: DynamicWeightFactor?

    public init(staticWeightList: [StaticClusterWeight]? = nil, dynamicWeight: DynamicWeightFactor? = nil) {
        self.staticWeightList = staticWeightList
        self.dynamicWeight = dynamicWeight
    }
}

/// A static weight for the clusters an affinity selects.
public struct StaticClusterWeight: Codable, Sendable, Hashable {
    public var targetCluster: ClusterAffinity
    public var weight: Int64

    public init(targetCluster: ClusterAffinity, weight: Int64) {
        self.targetCluster = targetCluster
        self.weight = weight
    }
}

/// The factor dynamic weights are computed from.
public enum DynamicWeightFactor: String, KarmadaEnum {
    case availableReplicas = "AvailableReplicas"
}

/// Workload affinity and anti-affinity between templates that share a label value.
public struct WorkloadAffinity: Codable, Sendable, Hashable {
    public var affinity: WorkloadAffinityTerm?
    public var antiAffinity: WorkloadAffinityTerm?
}

/// The label key whose value groups templates.
public struct WorkloadAffinityTerm: Codable, Sendable, Hashable {
    public var groupByLabelKey: String
}
