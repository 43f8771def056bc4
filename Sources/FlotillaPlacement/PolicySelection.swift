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

    /// The policies of a plan, indexed once: a template is only ever matched against the policies with a selector
    /// for its apiVersion and kind (and, for selectors naming objects, its name) — PropagationPolicies of its own
    /// namespace, then ClusterPropagationPolicies — not against every policy of the source. A selector for another
    /// kind never matches (`ResourceSelector.priority(for:)`), so the choice is the same as over all of them.
    public struct Index: Sendable {
        struct Group: Sendable {
            var policies: [(name: String, spec: PropagationSpec)] = []
            /// Positions in `policies` by "apiVersion kind" and by "apiVersion kind name".
            var byKind: [String: [Int]] = [:]
            var byName: [String: [Int]] = [:]

            mutating func add(name: String, spec: PropagationSpec) {
                let position = policies.count
                policies.append((name, spec))
                for selector in spec.resourceSelectors {
                    if let selected = selector.name, !selected.isEmpty {
                        let key = "\(selector.apiVersion) \(selector.kind) \(selected)"
                        if byName[key]?.last != position { byName[key, default: []].append(position) }
                    } else {
                        let key = "\(selector.apiVersion) \(selector.kind)"
                        if byKind[key]?.last != position { byKind[key, default: []].append(position) }
                    }
                }
            }

            func candidates(for template: KubernetesObject) -> [(name: String, spec: PropagationSpec)] {
                var positions: Set<Int> = []
                // The template's own version, and its group's preferred one (see `ResourceSelector.versionMatches`).
                var versions = [template.apiVersion]
                if let preferred = ResourceSelector.preferredVersions[template.group], preferred != template.apiVersion {
                    versions.append(preferred)
                }
                for version in versions {
                    let kind = "\(version) \(template.kind)"
                    positions.formUnion((byKind[kind] ?? []) + (byName["\(kind) \(template.name)"] ?? []))
                }
                return positions.sorted().map { policies[$0] }
            }
        }

        var byNamespace: [String: Group] = [:]
        var cluster = Group()

        public init(propagationPolicies: [PropagationPolicy], clusterPropagationPolicies: [ClusterPropagationPolicy]) {
            for policy in propagationPolicies {
                guard let namespace = policy.metadata.namespace else { continue }
                byNamespace[namespace, default: Group()].add(name: policy.metadata.name, spec: policy.spec)
            }
            for policy in clusterPropagationPolicies { cluster.add(name: policy.metadata.name, spec: policy.spec) }
        }
    }

    /// The policy for a template, from an index of the plan's policies.
    public static func choose(for template: KubernetesObject, in index: Index) -> PolicyChoice? {
        if let namespace = template.namespace {
            if let winner = highestPriority(among: index.byNamespace[namespace]?.candidates(for: template) ?? [],
                                            for: template) {
                return PolicyChoice(kind: .propagationPolicy, name: winner.name, namespace: namespace,
                                    spec: winner.spec, explicitPriority: winner.spec.priority ?? 0,
                                    implicitPriority: winner.implicit)
            }
        }
        guard let winner = highestPriority(among: index.cluster.candidates(for: template), for: template) else { return nil }
        return PolicyChoice(kind: .clusterPropagationPolicy, name: winner.name, namespace: nil, spec: winner.spec,
                            explicitPriority: winner.spec.priority ?? 0, implicitPriority: winner.implicit)
    }
}
