import FlotillaModel

/// The outcome of one scheduler filter for one cluster, with Karmada's reason text when it is filtered out.
public struct FilterResult: Sendable, Hashable {
    public var passed: Bool
    public var reason: String?

    public static let success = FilterResult(passed: true, reason: nil)

    public static func unschedulable(_ reason: String) -> FilterResult {
        FilterResult(passed: false, reason: reason)
    }
}

/// Karmada's scheduler filter plugins (`pkg/scheduler/framework/plugins/*`), as pure functions.
public enum ClusterFilters {
    /// ClusterAffinity: the placement's affinity, or the clusterAffinities term in force (the observed one, or the
    /// first), or any of that term's overflow affinities. No affinity admits every cluster.
    public static func clusterAffinity(_ placement: Placement?, observedAffinityName: String? = nil,
                                       cluster: Cluster) -> FilterResult {
        let reason = "cluster(s) did not match the placement cluster affinity constraint"
        if let affinity = placement?.clusterAffinity {
            return affinity.matches(cluster) ? .success : .unschedulable(reason)
        }
        if let terms = placement?.clusterAffinities, !terms.isEmpty {
            let term = terms.first { $0.affinityName == observedAffinityName } ?? terms[0]
            if term.affinity.matches(cluster) { return .success }
            if (term.overflowAffinities ?? []).contains(where: { $0.matches(cluster) }) { return .success }
            return .unschedulable(reason)
        }
        return .success
    }

    /// TaintToleration: a cluster with an untolerated NoSchedule or NoExecute taint is filtered, unless the
    /// template is already scheduled there.
    public static func taintToleration(_ placement: Placement?, scheduledClusters: Set<String>,
                                       cluster: Cluster) -> FilterResult {
        if scheduledClusters.contains(cluster.name) { return .success }
        guard let taint = cluster.untoleratedTaints(placement?.clusterTolerations ?? []).first else { return .success }
        return .unschedulable("cluster(s) had untolerated taint {\(taint.key)=\(taint.value ?? ""):\(taint.effect.rawValue)}")
    }

    /// APIEnablement: a cluster that does not serve the template's kind is filtered, unless the template is
    /// already scheduled there. A cluster whose API list is unknown passes.
    public static func apiEnablement(apiVersion: String, kind: String, scheduledClusters: Set<String>,
                                     cluster: Cluster) -> FilterResult {
        if scheduledClusters.contains(cluster.name) { return .success }
        return cluster.serves(apiVersion: apiVersion, kind: kind)
            ? .success : .unschedulable("cluster(s) did not have the API resource")
    }
}

extension ClusterFilters {
    /// SpreadConstraint: a cluster must have each property the placement spreads by (provider, region, zones).
    public static func spreadConstraint(_ placement: Placement?, cluster: Cluster) -> FilterResult {
        for constraint in placement?.spreadConstraints ?? [] {
            switch constraint.spreadByField {
            case .provider? where (cluster.spec.provider ?? "").isEmpty:
                return .unschedulable("cluster(s) did not have provider property")
            case .region? where (cluster.spec.region ?? "").isEmpty:
                return .unschedulable("cluster(s) did not have region property")
            case .zone? where (cluster.spec.zones ?? []).isEmpty:
                return .unschedulable("cluster(s) did not have zones property")
            default:
                continue
            }
        }
        return .success
    }

    /// ClusterEviction: a cluster the template is being evicted from gets no new placement.
    public static func clusterEviction(evictingFrom: Set<String>, cluster: Cluster) -> FilterResult {
        evictingFrom.contains(cluster.name) ? .unschedulable("cluster(s) is in the process of eviction") : .success
    }

    /// ClusterLocality score: 100 where the template already runs (placement is sticky), else 0.
    public static func localityScore(scheduledClusters: Set<String>, cluster: Cluster) -> Int64 {
        scheduledClusters.contains(cluster.name) ? 100 : 0
    }

    /// ClusterAffinity score: Karmada scores every cluster the minimum (0); preference comes from locality.
    public static func affinityScore(cluster: Cluster) -> Int64 { 0 }
}
