/// The spec of a Karmada `ClusterTaintPolicy` (`policy.karmada.io/v1alpha1`, cluster-scoped): taints added to the
/// target clusters when all `addOnConditions` match, and removed when all `removeOnConditions` match (additions are
/// evaluated first). Taints are never removed because the policy went away.
public struct ClusterTaintPolicySpec: Codable, Sendable, Hashable {
    /// The clusters looked at; nil: every cluster. A cluster that stops matching keeps its taints.
    public var targetClusters: ClusterAffinity?
    public var addOnConditions: [MatchCondition]?
    public var removeOnConditions: [MatchCondition]?
    public var taints: [Taint]
}

/// One condition of a cluster's status, matched against a set of statuses (`True`, `False`, `Unknown`).
public struct MatchCondition: Codable, Sendable, Hashable {
    public var conditionType: String
    public var `operator`: MatchOperator
    public var statusValues: [String]

    /// Whether the cluster's status of this condition (`Unknown` when the cluster has none) matches.
    public func matches(_ conditions: [String: String]) -> Bool {
        let status = conditions[conditionType] ?? "Unknown"
        return statusValues.contains(status) == (self.operator == .in)
    }
}

/// `In` or `NotIn`.
public enum MatchOperator: String, KarmadaEnum {
    case `in` = "In"
    case notIn = "NotIn"
}

/// `policy.karmada.io/v1alpha1` ClusterTaintPolicy.
public enum ClusterTaintPolicyKind: KarmadaPolicyKind {
    public typealias Spec = ClusterTaintPolicySpec
    public static let kind = "ClusterTaintPolicy"
}

public typealias ClusterTaintPolicy = KarmadaPolicy<ClusterTaintPolicyKind>
