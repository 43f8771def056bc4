import FlotillaModel

/// A feasible cluster as spread selection sees it: its score, free capacity and overflow tier.
public struct ScoredCluster: Sendable, Hashable {
    public var cluster: Cluster
    /// The sum of the score plugins (0–100 each).
    public var score: Int64
    /// Free capacity plus the replicas already placed there.
    public var availableReplicas: Int64
    /// 0 for the primary affinity, i + 1 for `overflowAffinities[i]`.
    public var overflowOrder: Int
    /// The cluster's position in a name-sorted list (the scheduler's), so ties break without comparing strings;
    /// -1 when unknown.
    public var position: Int

    public init(cluster: Cluster, score: Int64 = 0, availableReplicas: Int64 = 0, overflowOrder: Int = 0,
                position: Int = -1) {
        self.cluster = cluster
        self.score = score
        self.availableReplicas = availableReplicas
        self.overflowOrder = overflowOrder
        self.position = position
    }

    public var name: String { cluster.name }
}

/// A group of clusters (a region) offered to `SpreadSelection.selectGroups`: its cluster count and score.
public struct ClusterGroup: Sendable, Hashable {
    public var name: String
    public var value: Int64
    public var weight: Int64

    public init(name: String, value: Int64, weight: Int64) {
        self.name = name
        self.value = value
        self.weight = weight
    }
}

/// Karmada's cluster selection under spread constraints (`pkg/scheduler/core/spreadconstraint`).
public enum SpreadSelection {
    /// The global order: overflow tier, score (high first), then — when asked — available replicas (most first),
    /// then name.
    public static func sorted(_ clusters: [ScoredCluster], byAvailableReplicas: Bool = true) -> [ScoredCluster] {
        clusters.sorted { a, b in
            if a.overflowOrder != b.overflowOrder { return a.overflowOrder < b.overflowOrder }
            if a.score != b.score { return a.score > b.score }
            if byAvailableReplicas && a.availableReplicas != b.availableReplicas {
                return a.availableReplicas > b.availableReplicas
            }
            if a.position >= 0 && b.position >= 0 { return a.position < b.position }
            return a.name < b.name
        }
    }

    /// Whether spread constraints are ignored: static-weight division (Divided + Weighted with no weight
    /// preference, or a static weight list and no dynamic weight).
    public static func ignoresSpreadConstraints(_ placement: Placement) -> Bool {
        guard let strategy = placement.replicaScheduling,
              strategy.replicaSchedulingType == .divided, strategy.replicaDivisionPreference == .weighted else {
            return false
        }
        guard let preference = strategy.weightPreference else { return true }
        return !(preference.staticWeightList ?? []).isEmpty && preference.dynamicWeight == nil
    }

    /// Whether capacity is ignored when selecting (Duplicated, or no replica scheduling).
    public static func ignoresAvailableReplicas(_ placement: Placement) -> Bool {
        placement.replicaScheduling == nil || placement.replicaScheduling?.replicaSchedulingType == .duplicated
    }

    /// `SelectBestClusters`: every cluster when there is no constraint (or static weights); else by region when a
    /// region constraint exists, else by cluster. `clusters` must already be in the global order.
    public static func selectBestClusters(_ placement: Placement, clusters: [ScoredCluster],
                                          needReplicas: Int64) throws(PlacementError) -> [ScoredCluster] {
        let constraints = placement.spreadConstraints ?? []
        if constraints.isEmpty || ignoresSpreadConstraints(placement) { return clusters }
        let need = ignoresAvailableReplicas(placement) ? -1 : needReplicas
        var byField: [SpreadByField: SpreadConstraint] = [:]
        for constraint in constraints {
            if let field = constraint.spreadByField { byField[field] = constraint }
        }
        if let region = byField[.region] {
            let regions = groupByRegion(clusters, placement: placement, replicas: need)
            return try selectByRegion(region: region, cluster: byField[.cluster] ?? SpreadConstraint(spreadByField: .cluster), regions: regions)
        }
        if let cluster = byField[.cluster] {
            return try selectByCluster(cluster, clusters: clusters, needReplicas: need)
        }
        throw PlacementError.unschedulable("just support cluster and region spread constraint")
    }

    /// By cluster: the first `min(#clusters, maxGroups)` clusters; when capacity matters and falls short, swap the
    /// last chosen slots for unchosen clusters with more available replicas.
    public static func selectByCluster(_ constraint: SpreadConstraint, clusters: [ScoredCluster],
                                       needReplicas: Int64) throws(PlacementError) -> [ScoredCluster] {
        let minGroups = constraint.minGroups ?? 0
        if clusters.count < minGroups {
            throw PlacementError.unschedulable("the number of feasible clusters is less than spreadConstraint.MinGroups")
        }
        let count = min(clusters.count, constraint.maxGroups ?? 0)
        guard count > 0 else { throw PlacementError.noClustersAvailable }
        var selected = Array(clusters.prefix(count))
        var rest = Array(clusters.dropFirst(count))
        guard needReplicas >= 0 else { return selected }
        func total() -> Int64 { selected.reduce(0) { $0 + $1.availableReplicas } }
        var slot = count - 1
        while total() < needReplicas && slot >= 0 {
            let own = selected[slot].availableReplicas
            if let best = rest.indices.filter({ rest[$0].availableReplicas > own })
                .max(by: { rest[$0].availableReplicas < rest[$1].availableReplicas }) {
                swap(&selected[slot], &rest[best])
            }
            slot -= 1
        }
        if total() < needReplicas {
            throw PlacementError.unschedulable("no enough resource when selecting \(count) clusters")
        }
        return selected
    }

    /// A region and its clusters (in the global order) with its group score.
    public struct Region: Sendable, Hashable {
        public var name: String
        public var score: Int64
        public var clusters: [ScoredCluster]

        public init(name: String, score: Int64, clusters: [ScoredCluster]) {
            self.name = name
            self.score = score
            self.clusters = clusters
        }
    }

    /// The clusters grouped by their non-empty region, each region scored by `groupScore`.
    public static func groupByRegion(_ clusters: [ScoredCluster], placement: Placement, replicas: Int64) -> [Region] {
        var regions: [String: [ScoredCluster]] = [:]
        var order: [String] = []
        for cluster in clusters {
            guard let region = cluster.cluster.spec.region, !region.isEmpty else { continue }
            if regions[region] == nil { order.append(region) }
            regions[region, default: []].append(cluster)
        }
        let constraints = placement.spreadConstraints ?? []
        let regionMin = constraints.first { $0.spreadByField == .region }?.minGroups ?? 0
        let clusterMin = constraints.first { $0.spreadByField == .cluster }?.minGroups ?? 0
        return order.map { name in
            Region(name: name, score: groupScore(regions[name]!, placement: placement, replicas: replicas,
                                                 minGroups: regionMin, clusterMinGroups: clusterMin),
                   clusters: regions[name]!)
        }
    }

    /// A group's score (`calcGroupScore`). Duplicated: 1000 per cluster that can hold every replica, plus their
    /// mean score. Divided: walk the clusters until enough of them hold ceil(replicas / minGroups); 1000 per
    /// replica held (up to that target) plus the mean score of the clusters walked.
    public static func groupScore(_ clusters: [ScoredCluster], placement: Placement?, replicas: Int64, minGroups: Int,
                                  clusterMinGroups: Int = 0) -> Int64 {
        let unit: Int64 = 1000
        let duplicated = placement?.replicaScheduling == nil || placement?.replicaScheduling?.replicaSchedulingType == .duplicated
        if duplicated {
            return duplicateGroupScore(clusters, replicas: replicas)
        }
        let groups = Int64(max(minGroups, 1))
        let target = (replicas + groups - 1) / groups
        let needed = max(clusterMinGroups, minGroups)
        var available: Int64 = 0
        var score: Int64 = 0
        var count = 0
        for cluster in clusters {
            available += cluster.availableReplicas
            score += cluster.score
            count += 1
            if count >= needed && available >= target { break }
        }
        guard !clusters.isEmpty else { return 0 }
        if available < target {
            return unit * available + score / Int64(clusters.count)
        }
        return unit * target + score / Int64(count)
    }

    /// `calcGroupScoreForDuplicate`: 1000 per cluster that can hold all replicas plus their mean score; 0 if none.
    public static func duplicateGroupScore(_ clusters: [ScoredCluster], replicas: Int64) -> Int64 {
        let valid = clusters.filter { $0.availableReplicas >= replicas }
        guard !valid.isEmpty else { return 0 }
        return 1000 * Int64(valid.count) + valid.reduce(0) { $0 + $1.score } / Int64(valid.count)
    }

    /// By region: choose regions with `selectGroups`, take each chosen region's best cluster, then fill up to the
    /// cluster constraint's maxGroups with the rest of those regions' clusters (score, available, name).
    public static func selectByRegion(region: SpreadConstraint, cluster: SpreadConstraint,
                                      regions: [Region]) throws(PlacementError) -> [ScoredCluster] {
        if regions.count < (region.minGroups ?? 0) {
            throw PlacementError.unschedulable("the number of feasible region is less than spreadConstraint.MinGroups")
        }
        let groups = regions.map { ClusterGroup(name: $0.name, value: Int64($0.clusters.count), weight: $0.score) }
        guard let chosen = selectGroups(groups, minGroups: region.minGroups ?? 0, maxGroups: region.maxGroups ?? 0,
                                        target: Int64(cluster.minGroups ?? 0)) else {
            throw PlacementError.unschedulable("the number of clusters is less than the cluster spreadConstraint.MinGroups")
        }
        let byName = Dictionary(regions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var selected: [ScoredCluster] = []
        var candidates: [ScoredCluster] = []
        for group in chosen {
            guard let clusters = byName[group.name]?.clusters, let first = clusters.first else { continue }
            selected.append(first)
            candidates += clusters.dropFirst()
        }
        let needed = min(selected.count + candidates.count, cluster.maxGroups ?? 0)
        let rest = needed - selected.count
        if rest > 0 {
            selected += sorted(candidates).prefix(rest)
        }
        return selected
    }

    /// `selectGroups`: every combination (in value-ascending order) whose clusters reach `target` within
    /// [minGroups, maxGroups] groups is a feasible path; the best has the highest weight, then value, then was found
    /// first — unless a later path is a strict prefix of it, which then wins. Nil when none is feasible.
    public static func selectGroups(_ groups: [ClusterGroup], minGroups: Int, maxGroups: Int,
                                    target: Int64) -> [ClusterGroup]? {
        guard !groups.isEmpty else { return nil }
        let ordered = groups.sorted { a, b in
            if a.value != b.value { return a.value < b.value }
            if a.weight != b.weight { return a.weight > b.weight }
            return a.name < b.name
        }
        struct Path {
            var id: Int
            var groups: [ClusterGroup]
            var weight: Int64
            var value: Int64
        }
        var paths: [Path] = []
        var current: [ClusterGroup] = []
        func search(sum: Int64, from start: Int) {
            if sum >= target && current.count >= minGroups && current.count <= maxGroups {
                let pathGroups = current.sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.name < $1.name }
                paths.append(Path(id: paths.count + 1, groups: pathGroups, weight: current.reduce(0) { $0 + $1.weight },
                                  value: current.reduce(0) { $0 + $1.value }))
                return
            }
            if current.count >= maxGroups { return }
            for index in start..<ordered.count {
                current.append(ordered[index])
                search(sum: sum + ordered[index].value, from: index + 1)
                current.removeLast()
            }
        }
        search(sum: 0, from: 0)
        guard !paths.isEmpty else { return nil }
        let ranked = paths.sorted { a, b in
            if a.weight != b.weight { return a.weight > b.weight }
            if a.value != b.value { return a.value > b.value }
            return a.id < b.id
        }
        var best = ranked[0]
        for path in ranked.dropFirst() where path.groups.count < best.groups.count
            && zip(path.groups, best.groups).allSatisfy({ $0.name == $1.name }) {
            best = path
        }
        return best.groups
    }
}


extension SpreadSelection {
    /// Whether grouping by topology is skipped: no constraint, only a cluster constraint, or static weights.
    public static func ignoresTopology(_ placement: Placement) -> Bool {
        let constraints = placement.spreadConstraints ?? []
        if constraints.isEmpty || (constraints.count == 1 && constraints[0].spreadByField == .cluster) { return true }
        return ignoresSpreadConstraints(placement)
    }

    /// The distinct zones, regions and providers of the clusters, counted only for the fields a constraint spreads
    /// by (the groups Karmada builds).
    public static func topologyGroups(_ clusters: [ScoredCluster],
                                      placement: Placement) -> (zones: Set<String>, regions: Set<String>, providers: Set<String>) {
        guard !ignoresTopology(placement) else { return ([], [], []) }
        let fields = Set((placement.spreadConstraints ?? []).compactMap(\.spreadByField))
        var zones: Set<String> = []
        var regions: Set<String> = []
        var providers: Set<String> = []
        for cluster in clusters {
            if fields.contains(.zone) { zones.formUnion((cluster.cluster.spec.zones ?? []).filter { !$0.isEmpty }) }
            if fields.contains(.region), let region = cluster.cluster.spec.region, !region.isEmpty { regions.insert(region) }
            if fields.contains(.provider), let provider = cluster.cluster.spec.provider, !provider.isEmpty {
                providers.insert(provider)
            }
        }
        return (zones, regions, providers)
    }

    /// The overflow tier of a cluster under the clusterAffinities term in force: 0 for its primary affinity,
    /// i + 1 for `overflowAffinities[i]`, 1000 for none (and 0 when there is no such term).
    public static func overflowOrder(of cluster: Cluster, placement: Placement, observedAffinityName: String?) -> Int {
        guard let terms = placement.clusterAffinities, !terms.isEmpty else { return 0 }
        let term = terms.first { $0.affinityName == observedAffinityName } ?? terms[0]
        if term.affinity.matches(cluster) { return 0 }
        for (index, overflow) in (term.overflowAffinities ?? []).enumerated() where overflow.matches(cluster) {
            return index + 1
        }
        return 1000
    }
}
