import FlotillaModel

/// Per-replica resource requests of a template (`replicaRequirements.resourceRequest`).
public typealias ResourceRequest = [String: Quantity]

/// Replicas already promised to a cluster but not yet in its reported usage (Karmada's assumed workloads).
public struct AssumedWorkload: Sendable, Hashable {
    public var replicas: Int64
    public var request: ResourceRequest

    public init(replicas: Int64, request: ResourceRequest) {
        self.replicas = replicas
        self.request = request
    }
}

/// Why the resource-model path could not estimate.
public struct ResourceModelError: Error, Sendable, Hashable {
    public var reason: String
}

/// How many more replicas of a template a cluster can take, as Karmada's general estimator computes it
/// (`pkg/estimator/client/general.go`): from the resource summary (allocatable − allocated − allocating over the
/// per-replica request, CPU in millicores), or from the cluster's resource models when it reports node counts per
/// grade — always capped by the pods the cluster still allows.
public enum CapacityEstimator {
    /// Pods the cluster still allows: allocatable − allocated − allocating, at least 0.
    public static func allowedPods(_ summary: ResourceSummary?) -> Int64 {
        guard let summary else { return 0 }
        let allocatable = summary.allocatable?["pods"]?.integerValue ?? 0
        let used = (summary.allocated?["pods"]?.integerValue ?? 0) +| (summary.allocating?["pods"]?.integerValue ?? 0)
        return max(0, allocatable -| used)
    }

    /// The replicas that fit in the summary's free resources.
    public static func maxReplicasFromSummary(_ summary: ResourceSummary?, request: ResourceRequest,
                                              assumed: [AssumedWorkload] = []) -> Int64 {
        guard let summary else { return 0 }
        var result = Int64.max
        for (name, quantity) in request.sorted(by: { $0.key < $1.key }) where name != "pods" {
            let requested = amount(quantity, resource: name)
            guard requested > 0 else { continue }
            let allocatable = summary.allocatable?[name].map { amount($0, resource: name) }
            guard let allocatable else { return 0 }
            var free = allocatable -| (summary.allocated?[name].map { amount($0, resource: name) } ?? 0)
                -| (summary.allocating?[name].map { amount($0, resource: name) } ?? 0)
            for workload in assumed {
                free = free -| (workload.replicas *| (workload.request[name].map { amount($0, resource: name) } ?? 0))
            }
            result = min(result, max(0, free) / requested)
        }
        return result
    }

    /// The replicas that fit on the cluster's modelled nodes: each grade's count becomes that many nodes whose
    /// capacity is the grade's range minimums (and 110 pods); assumed replicas are placed first, first fit, grades
    /// ascending.
    public static func maxReplicasFromModels(_ cluster: Cluster, request: ResourceRequest,
                                             assumed: [AssumedWorkload] = []) throws(ResourceModelError) -> Int64 {
        let models = (cluster.spec.resourceModels ?? []).sorted { $0.grade < $1.grade }
        guard !models.isEmpty else { throw ResourceModelError(reason: "the cluster defines no resource models") }
        let counts = Dictionary((cluster.status?.resourceSummary?.allocatableModelings ?? []).map { ($0.grade, $0.count) },
                                uniquingKeysWith: +)
        let resources = request.keys.filter { $0 != "pods" }.sorted()
        var nodes: [[String: Int64]] = []
        for model in models {
            var capacity: [String: Int64] = ["pods": 110]
            for range in model.ranges { capacity[range.name] = amount(range.min, resource: range.name) }
            for resource in resources where capacity[resource] == nil {
                throw ResourceModelError(reason: "resource model is inapplicable as missing resource: \(resource)")
            }
            nodes += Array(repeating: capacity, count: max(0, counts[model.grade] ?? 0))
        }
        func fits(_ node: [String: Int64], _ request: ResourceRequest) -> Int64 {
            var count = node["pods"] ?? 0
            for (name, quantity) in request where name != "pods" {
                let requested = amount(quantity, resource: name)
                guard requested > 0 else { continue }
                count = min(count, max(0, node[name] ?? 0) / requested)
            }
            return count
        }
        func take(_ replicas: Int64, from node: inout [String: Int64], _ request: ResourceRequest) {
            node["pods", default: 0] = node["pods", default: 0] -| replicas
            for (name, quantity) in request where name != "pods" {
                node[name, default: 0] = node[name, default: 0] -| (replicas *| amount(quantity, resource: name))
            }
        }
        for workload in assumed {
            var remaining = workload.replicas
            for index in nodes.indices where remaining > 0 {
                let placed = min(remaining, fits(nodes[index], workload.request))
                take(placed, from: &nodes[index], workload.request)
                remaining -= placed
            }
        }
        return nodes.reduce(Int64(0)) { $0 +| fits($1, request) }
    }

    /// The estimate for one cluster (`maxAvailableReplicas`); nil request means "pods only".
    public static func maxAvailableReplicas(_ cluster: Cluster, request: ResourceRequest?,
                                            assumed: [AssumedWorkload] = [], useResourceModels: Bool = true) -> Int64 {
        guard let summary = cluster.status?.resourceSummary else { return 0 }
        let assumedPods = assumed.reduce(Int64(0)) { $0 +| $1.replicas }
        let pods = max(0, allowedPods(summary) -| assumedPods)
        guard pods > 0 else { return 0 }
        guard let request else { return pods }
        if useResourceModels, !(summary.allocatableModelings ?? []).isEmpty,
           let modelled = try? maxReplicasFromModels(cluster, request: request, assumed: assumed) {
            return min(pods, modelled)
        }
        return min(pods, maxReplicasFromSummary(summary, request: request, assumed: assumed))
    }

    /// A cluster's free resources in whole units (CPU in millicores), parsed once and reused for every template.
    public struct Capacity: Sendable, Hashable {
        public var pods: Int64
        public var free: [String: Int64]
    }

    /// The free resources of a summary: allocatable − allocated − allocating per resource, and the pods allowed.
    public static func capacity(of summary: ResourceSummary) -> Capacity {
        var free: [String: Int64] = [:]
        for (name, quantity) in summary.allocatable ?? [:] where name != "pods" {
            free[name] = amount(quantity, resource: name)
                - (summary.allocated?[name].map { amount($0, resource: name) } ?? 0)
                - (summary.allocating?[name].map { amount($0, resource: name) } ?? 0)
        }
        return Capacity(pods: allowedPods(summary), free: free)
    }

    /// A request in whole units (CPU in millicores), parsed once per template.
    public static func amounts(_ request: ResourceRequest) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for (name, quantity) in request where name != "pods" { result[name] = amount(quantity, resource: name) }
        return result
    }

    /// The replicas that fit in a parsed capacity (the summary path of `maxAvailableReplicas`, without models).
    public static func maxReplicas(_ capacity: Capacity, request: [String: Int64]?) -> Int64 {
        guard capacity.pods > 0 else { return 0 }
        guard let request else { return capacity.pods }
        var result = capacity.pods
        for (name, requested) in request where requested > 0 {
            guard let free = capacity.free[name] else { return 0 }
            result = min(result, max(0, free) / requested)
        }
        return result
    }

    /// CPU in millicores, everything else in whole units.
    static func amount(_ quantity: Quantity, resource: String) -> Int64 {
        quantity.amount(for: resource) ?? 0
    }
}

infix operator +|: AdditionPrecedence
infix operator -|: AdditionPrecedence
infix operator *|: MultiplicationPrecedence

/// Saturating arithmetic: capacities come from member clusters and templates, which anyone may fill with absurd
/// values; a sum or product beyond 64 bits stays at the bound instead of trapping.
extension Int64 {
    public static func +| (lhs: Int64, rhs: Int64) -> Int64 {
        let (result, overflow) = lhs.addingReportingOverflow(rhs)
        return overflow ? (rhs > 0 ? .max : .min) : result
    }

    public static func -| (lhs: Int64, rhs: Int64) -> Int64 {
        let (result, overflow) = lhs.subtractingReportingOverflow(rhs)
        return overflow ? (rhs < 0 ? .max : .min) : result
    }

    public static func *| (lhs: Int64, rhs: Int64) -> Int64 {
        let (result, overflow) = lhs.multipliedReportingOverflow(by: rhs)
        return overflow ? ((lhs < 0) == (rhs < 0) ? .max : .min) : result
    }
}
