import FlotillaModel
import FlotillaPlacement

/// How a template's works are dispatched to its clusters, from the PropagationPolicy that placed it (Karmada's
/// `suspension` and `conflictResolution`) and the template's own `work.karmada.io/conflict-resolution` annotation,
/// which Karmada lets take precedence over the policy.
public struct DispatchOptions: Sendable, Hashable {
    /// Dispatching is suspended to every cluster (`suspension.dispatching: true`).
    public var suspendedEverywhere = false
    /// Dispatching is suspended to these clusters (`suspension.dispatchingOnClusters.clusterNames`).
    public var suspendedClusters: Set<String> = []
    /// `conflictResolution: Overwrite`: an existing object of that name that Flotilla did not create is taken over.
    public var takeOver = false
    /// `preserveResourcesOnDeletion`: when the template leaves the source, its objects are released, not deleted.
    public var preserveOnDeletion = false

    /// The annotation a work carries when its policy preserves it on deletion: it is on the object in the cluster,
    /// so the release happens even when the template left the source while the daemon was down.
    public static let preserveAnnotation = "flotilla.dev/preserve-on-deletion"

    public init() {}

    /// Whether dispatching to `cluster` is suspended.
    public func isSuspended(on cluster: String) -> Bool { suspendedEverywhere || suspendedClusters.contains(cluster) }

    /// The template annotation that chooses the conflict resolution for one template.
    public static let conflictAnnotation = "work.karmada.io/conflict-resolution"

    /// The options of each placed template, from the policies of `manifests`.
    public static func of(_ plan: Plan, manifests: Manifests) -> [ResourceIdentity: DispatchOptions] {
        var namespaced: [String: PropagationSpec] = [:]
        for policy in manifests.propagationPolicies {
            namespaced["\(policy.metadata.namespace ?? "default")/\(policy.metadata.name)"] = policy.spec
        }
        var clusterWide: [String: PropagationSpec] = [:]
        for policy in manifests.clusterPropagationPolicies { clusterWide[policy.metadata.name] = policy.spec }
        var result: [ResourceIdentity: DispatchOptions] = [:]
        for placement in plan.placements {
            var spec: PropagationSpec?
            if let policy = placement.policy {
                spec = policy.kind == ClusterPropagationPolicyKind.kind
                    ? clusterWide[policy.name] : namespaced["\(policy.namespace ?? "default")/\(policy.name)"]
            }
            let options = DispatchOptions(spec: spec, annotations: placement.template.annotations)
            if options != DispatchOptions() { result[placement.identity] = options }
        }
        return result
    }

    /// The options a policy spec and a template's annotations give.
    public init(spec: PropagationSpec?, annotations: [String: String]) {
        preserveOnDeletion = spec?.preserveResourcesOnDeletion ?? false
        suspendedEverywhere = spec?.suspension?.dispatching ?? false
        suspendedClusters = Set(spec?.suspension?.dispatchingOnClusters?.clusterNames ?? [])
        switch annotations[Self.conflictAnnotation]?.lowercased() {
        case "overwrite": takeOver = true
        case "abort": takeOver = false
        default: takeOver = spec?.conflictResolution == .overwrite
        }
    }
}
