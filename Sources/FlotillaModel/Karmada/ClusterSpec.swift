/// The spec of a Karmada `Cluster` (`cluster.karmada.io/v1alpha1`).
public struct ClusterSpec: Codable, Sendable, Hashable {
    public var id: String?
    public var syncMode: ClusterSyncMode
    public var apiEndpoint: String?
    public var secretRef: LocalSecretReference?
    public var impersonatorSecretRef: LocalSecretReference?
    public var insecureSkipTLSVerification: Bool?
    public var proxyURL: String?
    public var proxyHeader: [String: String]?
    public var provider: String?
    public var region: String?
    /// Deprecated and unused by the scheduler: use `zones`.
    public var zone: String?
    public var zones: [String]?
    public var taints: [Taint]?
    public var resourceModels: [ResourceModel]?

    public init(syncMode: ClusterSyncMode, provider: String? = nil, region: String? = nil, zones: [String]? = nil) {
        self.syncMode = syncMode
        self.provider = provider
        self.region = region
        self.zones = zones
    }
}

/// `Push` or `Pull`.
public enum ClusterSyncMode: String, KarmadaEnum {
    case push = "Push"
    case pull = "Pull"
}

/// A reference to a Secret (in Flotilla: a kubeconfig file in the credentials folder).
public struct LocalSecretReference: Codable, Sendable, Hashable {
    public var namespace: String?
    public var name: String
}

/// A grade of node sizes, used by the general estimator.
public struct ResourceModel: Codable, Sendable, Hashable {
    public var grade: Int
    public var ranges: [ResourceModelRange]
}

/// The range of one resource in a resource model grade.
public struct ResourceModelRange: Codable, Sendable, Hashable {
    public var name: String
    public var min: Quantity
    public var max: Quantity
}

/// The status of a Karmada `Cluster`, when a repository carries one (used by `plan` as cluster state).
public struct ClusterStatus: Codable, Sendable, Hashable {
    public var kubernetesVersion: String?
    public var apiEnablements: [APIEnablement]?
    public var conditions: [Condition]?
    public var nodeSummary: NodeSummary?
    public var resourceSummary: ResourceSummary?
    public var remedyActions: [String]?

    public init(kubernetesVersion: String? = nil, apiEnablements: [APIEnablement]? = nil,
                resourceSummary: ResourceSummary? = nil) {
        self.kubernetesVersion = kubernetesVersion
        self.apiEnablements = apiEnablements
        self.resourceSummary = resourceSummary
    }
}

/// The resources a cluster serves in one group/version.
public struct APIEnablement: Codable, Sendable, Hashable {
    public var groupVersion: String
    public var resources: [APIResource]?

    public init(groupVersion: String, resources: [APIResource]?) {
        self.groupVersion = groupVersion
        self.resources = resources
    }
}

/// One served resource.
public struct APIResource: Codable, Sendable, Hashable {
    public var name: String?
    public var kind: String

    public init(name: String?, kind: String) {
        self.name = name
        self.kind = kind
    }
}

/// `metav1.Condition`.
public struct Condition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    public var observedGeneration: Int64?
    public var lastTransitionTime: String?
    public var reason: String?
    public var message: String?
}

/// Node counts.
public struct NodeSummary: Codable, Sendable, Hashable {
    public var totalNum: Int?
    public var readyNum: Int?
}

/// Capacity: allocatable, allocated and allocating resources, and the node count per resource model grade.
public struct ResourceSummary: Codable, Sendable, Hashable {
    public var allocatable: [String: Quantity]?
    public var allocating: [String: Quantity]?
    public var allocated: [String: Quantity]?
    public var allocatableModelings: [AllocatableModeling]?

    public init(allocatable: [String: Quantity]?, allocating: [String: Quantity]?, allocated: [String: Quantity]?,
                allocatableModelings: [AllocatableModeling]?) {
        self.allocatable = allocatable
        self.allocating = allocating
        self.allocated = allocated
        self.allocatableModelings = allocatableModelings
    }
}

/// The number of nodes of one grade.
public struct AllocatableModeling: Codable, Sendable, Hashable {
    public var grade: Int
    public var count: Int
}
