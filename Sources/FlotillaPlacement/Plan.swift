import FlotillaModel

/// Which policy placed a template.
public struct PolicyReference: Sendable, Hashable, Codable {
    public var kind: String
    public var namespace: String?
    public var name: String

    public init(kind: String, namespace: String?, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// `Kind namespace/name` or `Kind name`.
    public var description: String { namespace.map { "\(kind) \($0)/\(name)" } ?? "\(kind) \(name)" }
}

/// Why one cluster was or was not chosen for a template.
public struct ClusterDecision: Sendable, Hashable {
    public var cluster: String
    public var selected: Bool
    /// The replicas placed there; nil for templates without replicas or clusters not chosen.
    public var replicas: Int32?
    /// The first reason, kept apart so the common single-reason decision allocates no array (a plan holds one
    /// decision per template and cluster).
    private var reason: String
    private var moreReasons: [String]?

    public init(cluster: String, selected: Bool, replicas: Int32? = nil, reasons: [String]) {
        self.cluster = cluster
        self.selected = selected
        self.replicas = replicas
        self.reason = reasons.first ?? ""
        self.moreReasons = reasons.count > 1 ? Array(reasons.dropFirst()) : nil
    }

    public init(cluster: String, selected: Bool, replicas: Int32? = nil, reason: String) {
        self.cluster = cluster
        self.selected = selected
        self.replicas = replicas
        self.reason = reason
        self.moreReasons = nil
    }

    public var reasons: [String] {
        get { reason.isEmpty && moreReasons == nil ? [] : [reason] + (moreReasons ?? []) }
        set {
            reason = newValue.first ?? ""
            moreReasons = newValue.count > 1 ? Array(newValue.dropFirst()) : nil
        }
    }
}

/// The placement of one template: its policy, its clusters and replicas, the reasons, and the work per cluster.
public struct TemplatePlacement: Sendable {
    public var template: KubernetesObject
    public var policy: PolicyReference?
    /// Target clusters sorted by name; replicas 0 for templates without replicas.
    public var clusters: [TargetCluster]
    /// Whether the template has replicas (a workload).
    public var hasReplicas: Bool
    /// One decision per known cluster, sorted by cluster name.
    public var decisions: [ClusterDecision]
    /// The final object for each target cluster.
    public var works: [String: JSONValue]
    /// The override rules applied per cluster.
    public var overrides: [String: [AppliedOverride]]
    /// Why the template could not be placed (nothing is then applied for it).
    public var error: String?
    /// The overrides that failed, per cluster (their works are then missing; `error` says so too).
    public var overrideErrors: [OverrideError] = []
    /// True when the plan took this placement over from a previous plan unchanged (`Scheduler.reusable`).
    public var reused = false
    /// The policy that placed the template, as it was then (a Lazy template keeps being placed by it until the
    /// template itself changes).
    public var choice: PolicyChoice?
    /// The scheduling priority from the policy's `schedulePriority` (its PriorityClass's value; nil without one).
    /// As in Karmada, it orders scheduling only, never the placement itself.
    public var priority: Int64?
    /// The clusterAffinities term the placement used (`affinityName`); nil without terms.
    public var affinityTerm: String?

    public let identity: ResourceIdentity

    public init(template: KubernetesObject, policy: PolicyReference?, clusters: [TargetCluster], hasReplicas: Bool,
                decisions: [ClusterDecision], works: [String: JSONValue], overrides: [String: [AppliedOverride]],
                error: String?) {
        self.template = template
        self.policy = policy
        self.clusters = clusters
        self.hasReplicas = hasReplicas
        self.decisions = decisions
        self.works = works
        self.overrides = overrides
        self.error = error
        self.identity = template.identity
    }
}

/// The placement of every template of a revision.
public struct Plan: Sendable {
    /// The commit the source was read from; nil for a folder.
    public var revision: String?
    /// Placements sorted by template identity.
    public var placements: [TemplatePlacement]
    /// Templates no policy selects (not an error: they are not propagated).
    public var unplaced: [ResourceIdentity]
    /// The taints ClusterTaintPolicies put on each cluster for this plan (the next plan starts from them).
    public var policyTaints: [String: [Taint]] = [:]

    public init(revision: String?, placements: [TemplatePlacement], unplaced: [ResourceIdentity]) {
        self.revision = revision
        self.placements = placements
        self.unplaced = unplaced
    }
}
