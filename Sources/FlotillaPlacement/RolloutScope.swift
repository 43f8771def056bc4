import FlotillaModel

/// What a RolloutPolicy governs in one revision: the templates it selects and, per stage, the clusters (a cluster in
/// the first stage whose selector matches its labels; a stage without a selector takes every cluster no earlier stage
/// took). A template selected by several RolloutPolicies belongs to the first by name.
public struct RolloutScope: Sendable, Equatable {
    /// The policy's name.
    public var policy: String
    /// The policy's spec (its stages in order, deadline, failure mode).
    public var spec: RolloutPolicySpec
    /// Each stage's clusters, sorted.
    public var clusters: [[String]]
    /// The templates the policy governs.
    public var templates: Set<ResourceIdentity>

    public init(policy: String, spec: RolloutPolicySpec, clusters: [[String]], templates: Set<ResourceIdentity>) {
        self.policy = policy
        self.spec = spec
        self.clusters = clusters
        self.templates = templates
    }

    /// The stages' names, in order.
    public var stages: [String] { spec.stages.map(\.name) }

    /// Every cluster of every stage.
    public var allClusters: [String] { clusters.flatMap { $0 } }

    /// The stage index of `cluster`, or nil when no stage has it.
    public func stage(of cluster: String) -> Int? {
        clusters.firstIndex { $0.contains(cluster) }
    }

    /// The scopes of the source's RolloutPolicies, by policy name.
    public static func of(_ manifests: Manifests) -> [RolloutScope] {
        var taken: Set<ResourceIdentity> = []
        var scopes: [RolloutScope] = []
        for policy in manifests.rolloutPolicies.sorted(by: { $0.metadata.name < $1.metadata.name }) {
            let selectors = policy.spec.resourceSelectors ?? []
            var templates: Set<ResourceIdentity> = []
            for template in manifests.templates where !taken.contains(template.identity) {
                if selectors.isEmpty || selectors.priority(for: template) != .misMatch {
                    templates.insert(template.identity)
                }
            }
            taken.formUnion(templates)
            var placed: Set<String> = []
            var clusters: [[String]] = []
            for stage in policy.spec.stages {
                let members = manifests.clusters.filter { cluster in
                    !placed.contains(cluster.name)
                        && (stage.clusterSelector?.matches(cluster.metadata.labels) ?? true)
                }.map(\.name).sorted()
                placed.formUnion(members)
                clusters.append(members)
            }
            scopes.append(RolloutScope(policy: policy.metadata.name, spec: policy.spec, clusters: clusters,
                                       templates: templates))
        }
        return scopes
    }

    /// `policy/stage` for every cluster some stage has (for `plan` and `explain`).
    public static func stageNames(_ manifests: Manifests) -> [String: String] {
        var result: [String: String] = [:]
        for scope in of(manifests) {
            for (index, members) in scope.clusters.enumerated() {
                for cluster in members where result[cluster] == nil {
                    result[cluster] = "\(scope.policy)/\(scope.stages[index])"
                }
            }
        }
        return result
    }
}
