import FlotillaModel

/// A cluster that passed the filters, as replica assignment sees it.
public struct ClusterCandidate: Sendable, Hashable {
    public var cluster: Cluster
    /// The estimator's free capacity for one more replica of the template.
    public var allocatableReplicas: Int32
    /// 0 when the primary affinity matched; i + 1 when `overflowAffinities[i]` did.
    public var overflowOrder: Int
    /// The cluster's position in the scheduler's name-sorted cluster list; -1 when unknown.
    public var position: Int

    public init(cluster: Cluster, allocatableReplicas: Int32 = Int32.max, overflowOrder: Int = 0, position: Int = -1) {
        self.cluster = cluster
        self.allocatableReplicas = allocatableReplicas
        self.overflowOrder = overflowOrder
        self.position = position
    }

    public var name: String { cluster.name }
}

/// How replicas are divided, resolved from `replicaScheduling` with Karmada's defaults.
public enum ReplicaStrategy: String, Sendable, Hashable {
    case duplicated = "Duplicated"
    case staticWeight = "StaticWeight"
    case dynamicWeight = "DynamicWeight"
    case aggregated = "Aggregated"

    /// Absent → Duplicated; present with no type → Divided (CRD default) and Weighted (webhook default).
    public init(_ strategy: ReplicaSchedulingStrategy?) {
        guard let strategy else {
            self = .duplicated
            return
        }
        switch (strategy.replicaSchedulingType ?? .divided, strategy.replicaDivisionPreference ?? .weighted) {
        case (.duplicated, _): self = .duplicated
        case (.divided, .aggregated): self = .aggregated
        case (.divided, .weighted):
            self = strategy.weightPreference?.dynamicWeight != nil ? .dynamicWeight : .staticWeight
        }
    }
}

/// Karmada's replica assignment (`pkg/scheduler/core/common.go`, `assignment.go`, `division_algorithm.go`).
public enum ReplicaAssignment {
    /// What to place: the template's replicas, whether it is a workload, its UID (for tie-breaks) and the previous
    /// placement (placement is sticky).
    public struct Request: Sendable {
        public var replicas: Int32
        /// Replicas > 0, or per-replica resource requirements: a workload goes through division.
        public var isWorkload: Bool
        public var uid: String
        public var previous: [TargetCluster]
        /// A rebalance: divide from scratch instead of scaling the previous placement.
        public var fresh: Bool
        /// The clusterAffinities term in force, when it has overflow tiers.
        public var hasOverflowTiers: Bool
        /// Static weights already computed per cluster position (the scheduler computes them once per policy).
        public var staticWeights: [Int64]?

        public init(replicas: Int32, isWorkload: Bool? = nil, uid: String = "", previous: [TargetCluster] = [],
                    fresh: Bool = false, hasOverflowTiers: Bool = false, staticWeights: [Int64]? = nil) {
            self.staticWeights = staticWeights
            self.replicas = replicas
            self.isWorkload = isWorkload ?? (replicas > 0)
            self.uid = uid
            self.previous = previous
            self.fresh = fresh
            self.hasOverflowTiers = hasOverflowTiers
        }
    }

    /// `AssignReplicas`: target clusters for the candidates, without 0-replica entries (non-workloads get every
    /// candidate with 0).
    public static func assign(_ candidates: [ClusterCandidate], strategy: ReplicaSchedulingStrategy?,
                              request: Request) throws(PlacementError) -> [TargetCluster] {
        guard !candidates.isEmpty else { throw PlacementError.noClustersAvailable }
        guard request.isWorkload else { return candidates.map { TargetCluster(name: $0.name, replicas: 0) } }
        let resolved = ReplicaStrategy(strategy)
        let result: [TargetCluster]
        if request.hasOverflowTiers && (resolved == .dynamicWeight || resolved == .aggregated) {
            result = try assignByTiers(candidates, strategy: resolved, request: request)
        } else {
            result = try assign(candidates, resolved: resolved, strategy: strategy, request: request)
        }
        return result.filter { $0.replicas > 0 }
    }

    static func assign(_ candidates: [ClusterCandidate], resolved: ReplicaStrategy, strategy: ReplicaSchedulingStrategy?,
                       request: Request) throws(PlacementError) -> [TargetCluster] {
        switch resolved {
        case .duplicated:
            return candidates.map { TargetCluster(name: $0.name, replicas: request.replicas) }
        case .staticWeight:
            return staticWeight(candidates, preference: strategy?.weightPreference, request: request)
        case .dynamicWeight, .aggregated:
            return try dynamic(candidates, aggregated: resolved == .aggregated, request: request)
        }
    }

    /// Fills overflow tiers in order: each takes at most the sum of its clusters' available replicas.
    static func assignByTiers(_ candidates: [ClusterCandidate], strategy: ReplicaStrategy,
                              request: Request) throws(PlacementError) -> [TargetCluster] {
        let previous = Dictionary(request.previous.map { ($0.name, $0.replicas) }, uniquingKeysWith: +)
        var remaining = request.replicas
        var result: [TargetCluster] = []
        for order in Set(candidates.map(\.overflowOrder)).sorted() where remaining > 0 {
            let tier = candidates.filter { $0.overflowOrder == order }
            let available = tier.reduce(Int64(0)) { $0 + Int64($1.allocatableReplicas) + Int64(previous[$1.name] ?? 0) }
            let share = Int32(min(Int64(remaining), available))
            guard share > 0 else { continue }
            var tierRequest = request
            tierRequest.replicas = share
            tierRequest.previous = request.previous.filter { target in tier.contains { $0.name == target.name } }
            result += try dynamic(tier, aggregated: strategy == .aggregated, request: tierRequest)
            remaining -= share
        }
        if remaining > 0 {
            throw PlacementError.unschedulable(
                "Clusters available replicas are not enough to schedule, \(remaining) replicas remain unassigned")
        }
        return result
    }

    /// Static weights: each cluster's weight is the largest of the rules that match it; clusters of weight 0 get
    /// nothing; no match at all (or no rules) means weight 1 each. The whole count is divided afresh every time.
    static func staticWeight(_ candidates: [ClusterCandidate], preference: ClusterPreferences?,
                             request: Request) -> [TargetCluster] {
        var weights: [(cluster: String, weight: Int64)] = candidates.map { candidate in
            if let known = request.staticWeights, candidate.position >= 0, candidate.position < known.count {
                return (candidate.name, known[candidate.position])
            }
            let rules = preference?.staticWeightList ?? []
            let weight = rules.filter { $0.targetCluster.matches(candidate.cluster) }.map(\.weight).max() ?? 0
            return (candidate.name, weight)
        }
        if weights.reduce(0, { $0 + $1.weight }) == 0 {
            weights = candidates.map { ($0.name, 1) }
        }
        var dispenser = ReplicaDispenser(numReplicas: request.replicas, uid: request.uid)
        dispenser.allocate(byWeight: weights.filter { $0.weight > 0 })
        return dispenser.result
    }

    /// Dynamic weights and Aggregated: scale the previous placement up (new replicas by free capacity, added to
    /// what is there) or down (in proportion to what is there), or keep it; divide afresh on a rebalance.
    static func dynamic(_ candidates: [ClusterCandidate], aggregated: Bool,
                        request: Request) throws(PlacementError) -> [TargetCluster] {
        let names = Set(candidates.map(\.name))
        let scheduled = mergeTargetClusters(request.previous.filter { names.contains($0.name) }, [])
        let assigned = scheduled.reduce(Int64(0)) { $0 + Int64($1.replicas) }
        let target = Int64(request.replicas)
        if request.fresh {
            let previous = Dictionary(scheduled.map { ($0.name, $0.replicas) }, uniquingKeysWith: +)
            let available = sortedDescending(candidates.map {
                TargetCluster(name: $0.name, replicas: saturatingAdd($0.allocatableReplicas, previous[$0.name] ?? 0))
            })
            return try divide(available, target: request.replicas, scheduled: [], aggregated: aggregated, uid: request.uid)
        }
        if assigned > target {
            return try divide(sortedDescending(scheduled), target: request.replicas, scheduled: scheduled,
                              aggregated: aggregated, uid: request.uid)
        }
        if assigned < target {
            // Only Aggregated's prefix depends on the order; Webster's division does not.
            let unsorted = candidates.map { TargetCluster(name: $0.name, replicas: $0.allocatableReplicas) }
            let available = aggregated ? sortedDescending(unsorted) : unsorted
            let added = try divide(available, target: Int32(target - assigned), scheduled: scheduled,
                                   aggregated: aggregated, uid: request.uid)
            return mergeTargetClusters(scheduled, added)
        }
        return scheduled
    }

    /// `dynamicDivideReplicas`: checks capacity, takes Aggregated's shortest prefix (previously scheduled clusters
    /// first), then divides by Webster with available replicas as the weights.
    public static func divide(_ available: [TargetCluster], target: Int32, scheduled: [TargetCluster],
                              aggregated: Bool, uid: String = "") throws(PlacementError) -> [TargetCluster] {
        let total = available.reduce(Int64(0)) { $0 + Int64($1.replicas) }
        guard total >= Int64(target) else {
            throw PlacementError.unschedulable("Clusters available replicas \(total) are not enough to schedule.")
        }
        var clusters = available
        if aggregated {
            let previouslyScheduled = Set(scheduled.filter { $0.replicas > 0 }.map(\.name))
            clusters = clusters.filter { previouslyScheduled.contains($0.name) }
                + clusters.filter { !previouslyScheduled.contains($0.name) }
            var sum: Int64 = 0
            for (index, cluster) in clusters.enumerated() {
                sum += Int64(cluster.replicas)
                if sum >= Int64(target) {
                    clusters = Array(clusters[...index])
                    break
                }
            }
        }
        var dispenser = ReplicaDispenser(numReplicas: target, uid: uid)
        dispenser.allocate(byWeight: clusters.map { ($0.name, Int64($0.replicas)) })
        return dispenser.result
    }

    /// Replicas summed by name: the old entries in their order, then new names in theirs.
    public static func mergeTargetClusters(_ old: [TargetCluster], _ new: [TargetCluster]) -> [TargetCluster] {
        var result: [TargetCluster] = []
        var index: [String: Int] = [:]
        for target in old + new {
            if let position = index[target.name] {
                result[position].replicas += target.replicas
            } else {
                index[target.name] = result.count
                result.append(target)
            }
        }
        return result
    }

    /// The targets, then every candidate they miss with 0 replicas (`attachZeroReplicasCluster`).
    public static func attachZeroReplicaClusters(_ targets: [TargetCluster],
                                                 candidates: [ClusterCandidate]) -> [TargetCluster] {
        let present = Set(targets.map(\.name))
        return targets + candidates.filter { !present.contains($0.name) }.map { TargetCluster(name: $0.name, replicas: 0) }
    }

    /// Whether the placement no longer adds up to the template's replicas (`IsBindingReplicasChanged`).
    public static func replicasChanged(replicas: Int32, clusters: [TargetCluster],
                                       strategy: ReplicaSchedulingStrategy?) -> Bool {
        switch strategy?.replicaSchedulingType {
        case .duplicated?: return clusters.contains { $0.replicas != replicas }
        case .divided?: return clusters.reduce(Int64(0)) { $0 + Int64($1.replicas) } != Int64(replicas)
        case nil: return false
        }
    }

    /// Sorted by replicas, most first; equal counts keep their order.
    static func sortedDescending(_ clusters: [TargetCluster]) -> [TargetCluster] {
        clusters.enumerated().sorted { ($0.element.replicas, -$0.offset) > ($1.element.replicas, -$1.offset) }
            .map(\.element)
    }

    private static func saturatingAdd(_ a: Int32, _ b: Int32) -> Int32 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int32.max : sum
    }
}
