/// The spec shared by `PropagationPolicy` and `ClusterPropagationPolicy` (`policy.karmada.io/v1alpha1`).
public struct PropagationSpec: Codable, Sendable, Hashable {
    public var resourceSelectors: [ResourceSelector]
    /// Deprecated alias of `propagateDeps`.
    public var association: Bool?
    public var propagateDeps: Bool?
    public var placement: Placement?
    public var priority: Int32?
    public var preemption: PreemptionBehavior?
    public var dependentOverrides: [String]?
    public var schedulerName: String?
    public var failover: FailoverBehavior?
    public var conflictResolution: ConflictResolution?
    public var activationPreference: ActivationPreference?
    public var suspension: Suspension?
    public var preserveResourcesOnDeletion: Bool?
    public var schedulePriority: SchedulePriority?

    public init(resourceSelectors: [ResourceSelector], placement: Placement? = nil) {
        self.resourceSelectors = resourceSelectors
        self.placement = placement
    }

    /// Whether dependencies follow the workload (`propagateDeps`, or its deprecated alias `association`).
    public var propagatesDependencies: Bool { propagateDeps ?? association ?? false }
}

/// `Always` or `Never`.
public enum PreemptionBehavior: String, KarmadaEnum {
    case always = "Always"
    case never = "Never"
}

/// What to do when the target object already exists and was not created by Karmada.
public enum ConflictResolution: String, KarmadaEnum {
    case abort = "Abort"
    case overwrite = "Overwrite"
}

/// `""` (push policy changes at once) or `Lazy`.
public enum ActivationPreference: String, KarmadaEnum {
    case immediate = ""
    case lazy = "Lazy"
}

/// Suspension of dispatching to all or some clusters.
public struct Suspension: Codable, Sendable, Hashable {
    public var dispatching: Bool?
    public var dispatchingOnClusters: SuspendClusters?
}

/// The clusters a suspension applies to.
public struct SuspendClusters: Codable, Sendable, Hashable {
    public var clusterNames: [String]?
}

/// The scheduling priority of the templates a policy selects.
public struct SchedulePriority: Codable, Sendable, Hashable {
    public var priorityClassSource: String?
    public var priorityClassName: String?
}

/// `failover`: application and cluster failover behaviour.
public struct FailoverBehavior: Codable, Sendable, Hashable {
    public var application: ApplicationFailoverBehavior?
    public var cluster: ClusterFailoverBehavior?
}

/// Application failover: when and how a workload leaves a cluster where it is unhealthy.
public struct ApplicationFailoverBehavior: Codable, Sendable, Hashable {
    public var decisionConditions: DecisionConditions?
    public var purgeMode: PurgeMode?
    public var gracePeriodSeconds: Int32?
    public var statePreservation: StatePreservation?

    public init(decisionConditions: DecisionConditions? = nil, purgeMode: PurgeMode? = nil,
                gracePeriodSeconds: Int32? = nil, statePreservation: StatePreservation? = nil) {
        self.decisionConditions = decisionConditions
        self.purgeMode = purgeMode
        self.gracePeriodSeconds = gracePeriodSeconds
        self.statePreservation = statePreservation
    }
}

/// Cluster failover: how workloads leave a cluster that fails.
public struct ClusterFailoverBehavior: Codable, Sendable, Hashable {
    public var purgeMode: PurgeMode?
    public var statePreservation: StatePreservation?
}

/// When application failover triggers.
public struct DecisionConditions: Codable, Sendable, Hashable {
    public var tolerationSeconds: Int32?

    public init(tolerationSeconds: Int32? = nil) { self.tolerationSeconds = tolerationSeconds }
}

/// How the old copy of a migrated workload is removed.
public enum PurgeMode: String, KarmadaEnum {
    case directly = "Directly"
    case gracefully = "Gracefully"
    case never = "Never"
    /// Older spellings Karmada still accepts.
    case immediately = "Immediately"
    case graciously = "Graciously"
}

/// State carried over from the old copy to the new one on failover.
public struct StatePreservation: Codable, Sendable, Hashable {
    public var rules: [StatePreservationRule]

    public init(rules: [StatePreservationRule]) { self.rules = rules }
}

/// One state preservation rule: a label to write, from a JSONPath into the old copy's status.
public struct StatePreservationRule: Codable, Sendable, Hashable {
    public var aliasLabelName: String
    public var jsonPath: String

    public init(aliasLabelName: String, jsonPath: String) {
        self.aliasLabelName = aliasLabelName
        self.jsonPath = jsonPath
    }
}
