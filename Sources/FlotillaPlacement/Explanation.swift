import FlotillaModel

/// Why one template went where it did (`flotilla explain`): every policy that selects it and why one won, every
/// cluster's filter verdicts and free capacity with the estimator's arithmetic, the division of its replicas, and the
/// overrides applied per cluster with the fields they change. A value computed from the same inputs as the plan, and
/// consistent with it: the clusters and replicas are the plan's.
public struct Explanation: Sendable {
    public var template: KubernetesObject
    /// Every PropagationPolicy of the template's namespace and every ClusterPropagationPolicy, the chosen one first,
    /// then the other matching ones in precedence order, then those that do not select it, by name.
    public var policies: [PolicyVerdict]
    /// One sentence on what placed the template: the chosen policy and why, or why none did.
    public var placedBy: String
    /// The replica scheduling of the chosen policy (`Duplicated`, `StaticWeight`, ...); nil without a policy.
    public var strategy: ReplicaStrategy?
    /// The template's replicas; nil when it is not a workload.
    public var replicas: Int32?
    /// The clusterAffinities term the placement used; nil without terms.
    public var affinityTerm: String?
    /// One entry per known cluster, by name.
    public var clusters: [ClusterExplanation]
    /// How the replicas were divided; nil for templates without replicas or not placed.
    public var division: DivisionExplanation?
    /// Why the template could not be placed.
    public var error: String?
    /// The RolloutPolicy that promotes the template's changes stage by stage, if one does.
    public var rollout: String? = nil
    /// Each cluster's stage of that RolloutPolicy.
    public var stages: [String: String] = [:]
}

/// One propagation policy as the detector saw it for a template.
public struct PolicyVerdict: Sendable, Hashable {
    public var policy: PolicyReference
    public var explicitPriority: Int32
    /// How its best resource selector matches (`MisMatch` when none does).
    public var match: ImplicitPriority
    /// The selector that matched best, as `resourceSelectors[i]: apiVersion Kind ...`; nil when none matched.
    public var selector: String?
    public var chosen: Bool
    /// Why it won, lost or does not apply.
    public var verdict: String
}

/// One scheduler filter plugin's verdict for one cluster.
public struct FilterVerdict: Sendable, Hashable {
    /// Karmada's plugin name: APIEnablement, ClusterAffinity, SpreadConstraint, TaintToleration, ClusterEviction.
    public var filter: String
    public var passed: Bool
    public var detail: String
}

/// Everything about one cluster for one template.
public struct ClusterExplanation: Sendable, Hashable {
    public var cluster: String
    public var filters: [FilterVerdict]
    /// The replicas the estimator says still fit (plus those already placed there); nil when not a workload or
    /// filtered out.
    public var availableReplicas: Int64?
    /// The estimator's arithmetic, one step per line.
    public var arithmetic: [String]
    /// The replicas the previous placement had there; nil when it had none.
    public var previousReplicas: Int32?
    public var selected: Bool
    public var replicas: Int32?
    /// The plan's reasons for this cluster.
    public var outcome: [String]
    /// The override rules applied to the cluster's work, in order.
    public var overrides: [OverrideStep]
}

/// One override rule applied to a work, and what it changed.
public struct OverrideStep: Sendable, Hashable {
    /// `OverridePolicy ns/name rule i` or `ClusterOverridePolicy name rule i`.
    public var rule: String
    /// The overriders the rule sets, in Karmada's application order.
    public var overriders: [String]
    /// The field paths of the work the rule changed (`spec.template.spec.containers[0].image`), sorted.
    public var fields: [String]
}

/// How a workload's replicas were divided among the selected clusters.
public struct DivisionExplanation: Sendable, Hashable {
    /// One cluster's part of the division.
    public struct Share: Sendable, Hashable {
        public var cluster: String
        /// The weight Webster's method divided by (static weight, or free replicas); nil for Duplicated.
        public var weight: Int64?
        /// Where the weight comes from.
        public var weightSource: String
        /// Replicas kept from the previous placement before the division.
        public var kept: Int32
        /// The exact proportional share of the divided replicas, two decimals; nil for Duplicated.
        public var ideal: String?
        public var replicas: Int32
    }

    public var strategy: ReplicaStrategy
    public var replicas: Int32
    /// The method, in one or two sentences.
    public var method: String
    /// The replicas divided by weight (after those kept); equal to `replicas` for a fresh division.
    public var divided: Int32
    public var shares: [Share]
    /// Which seats a tie decided, and by what rule; nil when no tie decided one.
    public var tieBreak: String?
}
