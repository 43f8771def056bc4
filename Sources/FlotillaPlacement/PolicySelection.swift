import FlotillaModel

/// The propagation policy that governs a template, and why it won.
public struct PolicyChoice: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case propagationPolicy = "PropagationPolicy"
        case clusterPropagationPolicy = "ClusterPropagationPolicy"
    }

    public var kind: Kind
    public var name: String
    /// Nil for a ClusterPropagationPolicy.
    public var namespace: String?
    public var spec: PropagationSpec
    public var explicitPriority: Int32
    public var implicitPriority: ImplicitPriority
}

/// Chooses one propagation policy per template, exactly as Karmada's detector does (`pkg/detector/compare.go`).
public enum PolicySelection {
    /// The winner among candidates: highest explicit priority, then best selector match, then the byte-wise
    /// smallest name. Candidates whose selectors do not match are skipped.
    public static func highestPriority(
        among candidates: [(name: String, spec: PropagationSpec)], for template: KubernetesObject
    ) -> (name: String, spec: PropagationSpec, implicit: ImplicitPriority)? {
        var best: (name: String, spec: PropagationSpec, implicit: ImplicitPriority)?
        for candidate in candidates {
            let implicit = candidate.spec.resourceSelectors.priority(for: template)
            guard implicit != .misMatch else { continue }
            guard let current = best else {
                best = (candidate.name, candidate.spec, implicit)
                continue
            }
            let explicit = candidate.spec.priority ?? 0
            let bestExplicit = current.spec.priority ?? 0
            if explicit > bestExplicit
                || (explicit == bestExplicit && implicit > current.implicit)
                || (explicit == bestExplicit && implicit == current.implicit
                    && Array(candidate.name.utf8).lexicographicallyPrecedes(Array(current.name.utf8))) {
                best = (candidate.name, candidate.spec, implicit)
            }
        }
        return best
    }

    /// The policy for a template: a matching PropagationPolicy of its own namespace beats every
    /// ClusterPropagationPolicy; cluster-scoped templates only ever get ClusterPropagationPolicies.
    public static func choose(for template: KubernetesObject, propagationPolicies: [PropagationPolicy],
                              clusterPropagationPolicies: [ClusterPropagationPolicy]) -> PolicyChoice? {
        choose(for: template, in: Index(propagationPolicies: propagationPolicies,
                                        clusterPropagationPolicies: clusterPropagationPolicies))
    }

    /// The policies of a plan, grouped once: a template is only ever matched against its own namespace's
    /// PropagationPolicies and the ClusterPropagationPolicies (not every policy of the source).
    public struct Index: Sendable {
        var byNamespace: [String: [(name: String, spec: PropagationSpec)]] = [:]
        var cluster: [(name: String, spec: PropagationSpec)] = []

        public init(propagationPolicies: [PropagationPolicy], clusterPropagationPolicies: [ClusterPropagationPolicy]) {
            for policy in propagationPolicies {
                guard let namespace = policy.metadata.namespace else { continue }
                byNamespace[namespace, default: []].append((policy.metadata.name, policy.spec))
            }
            cluster = clusterPropagationPolicies.map { (name: $0.metadata.name, spec: $0.spec) }
        }
    }

    /// The policy for a template, from an index of the plan's policies.
    public static func choose(for template: KubernetesObject, in index: Index) -> PolicyChoice? {
        if let namespace = template.namespace {
            if let winner = highestPriority(among: index.byNamespace[namespace] ?? [], for: template) {
                return PolicyChoice(kind: .propagationPolicy, name: winner.name, namespace: namespace,
                                    spec: winner.spec, explicitPriority: winner.spec.priority ?? 0,
                                    implicitPriority: winner.implicit)
            }
        }
        guard let winner = highestPriority(among: index.cluster, for: template) else { return nil }
        return PolicyChoice(kind: .clusterPropagationPolicy, name: winner.name, namespace: nil, spec: winner.spec,
                            explicitPriority: winner.spec.priority ?? 0, implicitPriority: winner.implicit)
    }
}
