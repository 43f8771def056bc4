import FlotillaModel

/// What is known of a member cluster at planning time: readiness, served APIs and capacity. `plan` reads it from
/// `--cluster-state`; the daemon fills it from its probes. Unknown fields mean "no limit".
public struct ClusterState: Sendable, Hashable, Codable {
    public var ready: Bool?
    /// Used as is for every template when set.
    public var availableReplicas: Int64?
    public var allocatable: [String: Quantity]?
    public var allocated: [String: Quantity]?
    public var allocating: [String: Quantity]?
    /// `group/version/Kind` (`apps/v1/Deployment`, `v1/Service`) the cluster serves.
    public var apiEnablements: [String]?

    public init(ready: Bool? = nil, availableReplicas: Int64? = nil, allocatable: [String: Quantity]? = nil,
                allocated: [String: Quantity]? = nil, allocating: [String: Quantity]? = nil,
                apiEnablements: [String]? = nil) {
        self.ready = ready
        self.availableReplicas = availableReplicas
        self.allocatable = allocatable
        self.allocated = allocated
        self.allocating = allocating
        self.apiEnablements = apiEnablements
    }
}

/// The `--cluster-state` file: `clusters: {name: ClusterState}`.
public struct ClusterStateFile: Sendable, Codable {
    public var clusters: [String: ClusterState]

    public init(clusters: [String: ClusterState]) { self.clusters = clusters }
}

extension Cluster {
    /// The cluster as the scheduler sees it with `state` applied: the state's API list and capacity replace the
    /// Cluster's own status, and a NotReady cluster gets Karmada's `cluster.karmada.io/not-ready:NoExecute` taint.
    public func applying(_ state: ClusterState?) -> Cluster {
        guard let state else { return self }
        var cluster = self
        var status = cluster.status ?? ClusterStatus()
        if let apis = state.apiEnablements {
            var byGroupVersion: [String: [APIResource]] = [:]
            for api in apis {
                guard let slash = api.lastIndex(of: "/") else { continue }
                byGroupVersion[String(api[..<slash]), default: []].append(APIResource(name: nil, kind: String(api[api.index(after: slash)...])))
            }
            status.apiEnablements = byGroupVersion.keys.sorted().map { APIEnablement(groupVersion: $0, resources: byGroupVersion[$0]) }
        }
        if state.allocatable != nil || state.allocated != nil || state.allocating != nil {
            status.resourceSummary = ResourceSummary(allocatable: state.allocatable, allocating: state.allocating,
                                                     allocated: state.allocated, allocatableModelings: nil)
        }
        cluster.status = status
        if state.ready == false {
            var taints = cluster.spec.taints ?? []
            taints.append(Taint(key: Cluster.notReadyTaintKey, effect: .noExecute))
            cluster.spec.taints = taints
        }
        return cluster
    }

    /// Karmada's taint for a cluster that fails its health checks.
    public static let notReadyTaintKey = "cluster.karmada.io/not-ready"
}
