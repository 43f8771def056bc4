/// Everything a source holds, sorted into roles, with the errors found while reading it.
public struct Manifests: Sendable {
    /// Resource templates: every object that is not one of the Karmada kinds below.
    public var templates: [KubernetesObject] = []
    public var clusters: [Cluster] = []
    public var propagationPolicies: [PropagationPolicy] = []
    public var clusterPropagationPolicies: [ClusterPropagationPolicy] = []
    public var overridePolicies: [OverridePolicy] = []
    public var clusterOverridePolicies: [ClusterOverridePolicy] = []
    public var federatedHPAs: [FederatedHPA] = []
    public var federatedResourceQuotas: [FederatedResourceQuota] = []
    public var workloadRebalancers: [WorkloadRebalancer] = []
    public var clusterTaintPolicies: [ClusterTaintPolicy] = []
    /// Scheduled changes of workloads' replicas and of FederatedHPAs' bounds (the daemon's autoscaling runs them).
    public var cronFederatedHPAs: [CronFederatedHPA] = []
    /// Flotilla's staged promotion of new revisions (`flotilla.dev/v1alpha1` RolloutPolicy), sorted by name once loaded.
    public var rolloutPolicies: [RolloutPolicy] = []
    /// Karmada control-plane objects Flotilla accepts but does not act on yet (MultiClusterService,
    /// WorkloadRebalancer ...): never propagated to member clusters, reported as warnings.
    public var notActedOn: [KubernetesObject] = []

    /// What reading the files accepted with a warning (`file:line: ...`), such as a mapping key defined twice.
    public var readWarnings: [String] = []

    /// A warning line (`file:line: ...`) for each thing accepted with a warning: what reading the files found, then
    /// each object accepted but not acted on, in file order.
    public var warnings: [String] {
        readWarnings + notActedOn.sorted { $0.location < $1.location }.map { object in
            "\(object.location): \(object.kind).\(object.group) \(object.name) is accepted but not acted on by Flotilla yet"
        }
    }
    /// Every error, sorted by location. A source with errors must never be applied.
    public var errors: [ManifestError] = []
    /// The number of files read.
    public var fileCount = 0

    public init() {}

    /// Appends another set's objects and errors (the file count is left alone).
    public mutating func append(_ other: Manifests) {
        templates += other.templates
        clusters += other.clusters
        propagationPolicies += other.propagationPolicies
        clusterPropagationPolicies += other.clusterPropagationPolicies
        overridePolicies += other.overridePolicies
        clusterOverridePolicies += other.clusterOverridePolicies
        federatedHPAs += other.federatedHPAs
        federatedResourceQuotas += other.federatedResourceQuotas
        workloadRebalancers += other.workloadRebalancers
        clusterTaintPolicies += other.clusterTaintPolicies
        cronFederatedHPAs += other.cronFederatedHPAs
        rolloutPolicies += other.rolloutPolicies
        notActedOn += other.notActedOn
        readWarnings += other.readWarnings
        errors += other.errors
    }

    /// Whether the source is valid.
    public var isValid: Bool { errors.isEmpty }

    /// The number of templates of each kind (`Deployment.apps`, `Service`), sorted by kind.
    public var templateCountsByKind: [(kind: String, count: Int)] {
        var counts: [String: Int] = [:]
        for template in templates {
            let key = template.group.isEmpty ? template.kind : "\(template.kind).\(template.group)"
            counts[key, default: 0] += 1
        }
        return counts.keys.sorted().map { ($0, counts[$0]!) }
    }
}
