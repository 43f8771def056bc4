import FlotillaModel

extension ClusterAffinity {
    /// Karmada's `ClusterMatches`: every given part must hold — not excluded, labels match the label selector,
    /// provider/region/zone match the field selector, and the name is listed when names are given.
    public func matches(_ cluster: Cluster) -> Bool {
        if (exclude ?? []).contains(cluster.name) { return false }
        if let labelSelector, !labelSelector.matches(cluster.metadata.labels) { return false }
        if let fieldSelector, !fieldSelector.matches(cluster) { return false }
        if let names = clusterNames, !names.isEmpty, !names.contains(cluster.name) { return false }
        return true
    }
}

extension FieldSelector {
    /// Karmada's field selector: `zone` against `spec.zones` as a set; `provider` and `region` as labels on the
    /// cluster's non-empty `spec.provider` and `spec.region`. Unknown keys never match `In`; an empty key fails.
    public func matches(_ cluster: Cluster) -> Bool {
        let fields = ClusterFields.extract(cluster)
        for requirement in matchExpressions ?? [] {
            if requirement.key.isEmpty { return false }
            if requirement.key == "zone" {
                if !ClusterFields.matchZones(requirement, zones: cluster.spec.zones ?? []) { return false }
            } else if !requirement.matches(fields) {
                return false
            }
        }
        return true
    }
}

/// The fields of a cluster a field selector sees.
public enum ClusterFields {
    /// `provider` and `region`, only when non-empty (`extractClusterFields`).
    public static func extract(_ cluster: Cluster) -> [String: String] {
        var fields: [String: String] = [:]
        if let provider = cluster.spec.provider, !provider.isEmpty { fields["provider"] = provider }
        if let region = cluster.spec.region, !region.isEmpty { fields["region"] = region }
        return fields
    }

    /// Set semantics against the cluster's zones (`matchZones`).
    public static func matchZones(_ requirement: LabelSelectorRequirement, zones: [String]) -> Bool {
        let values = Set(requirement.values ?? [])
        switch requirement.operator {
        case .in: return !zones.isEmpty && zones.contains(where: values.contains)
        case .notIn: return !zones.contains(where: values.contains)
        case .exists: return !zones.isEmpty
        case .doesNotExist: return zones.isEmpty
        case .gt, .lt: return false
        }
    }
}

extension Toleration {
    /// Whether this toleration tolerates `taint` (`corev1.Toleration.ToleratesTaint`).
    public func tolerates(_ taint: Taint) -> Bool {
        if let effect, effect != taint.effect { return false }
        if let key, !key.isEmpty, key != taint.key { return false }
        switch `operator` ?? .equal {
        case .exists:
            return true
        case .equal:
            return (value ?? "") == (taint.value ?? "")
        }
    }
}

extension Cluster {
    /// The NoSchedule and NoExecute taints that no toleration tolerates (the TaintToleration filter).
    public func untoleratedTaints(_ tolerations: [Toleration]) -> [Taint] {
        (spec.taints ?? []).filter { taint in
            (taint.effect == .noSchedule || taint.effect == .noExecute)
                && !tolerations.contains { $0.tolerates(taint) }
        }
    }

    /// Whether the cluster serves `kind` in `apiVersion`; true when its API list is unknown.
    public func serves(apiVersion: String, kind: String) -> Bool {
        guard let enablements = status?.apiEnablements else { return true }
        return enablements.contains { enablement in
            enablement.groupVersion == apiVersion && (enablement.resources ?? []).contains { $0.kind == kind }
        }
    }
}
