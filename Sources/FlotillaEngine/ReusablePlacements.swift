import FlotillaModel
import FlotillaPlacement
import Foundation

/// Which placements of the revision in force a new revision can take over unchanged, so a commit re-plans and
/// re-renders only what it touched. A placement is reused when every input of it is what it was: the template, every
/// policy, override and autoscaler, the clusters and their state, and the template's previous placement (sticky
/// scheduling). Pure.
public enum ReusablePlacements {
    /// What the placements of the revision in force were computed from.
    public struct Inputs: Sendable {
        public var manifests: Manifests
        public var states: [String: ClusterState]
        public var previous: [ResourceIdentity: [TargetCluster]]

        public init(manifests: Manifests, states: [String: ClusterState], previous: [ResourceIdentity: [TargetCluster]]) {
            self.manifests = manifests
            self.states = states
            self.previous = previous
        }
    }

    /// The placements of `plan` (computed from `old`) that a plan from `new` may reuse. `changedFiles` are the source
    /// files whose bytes differ between the two revisions (added and removed ones included): a template read from
    /// an unchanged file at the same place is unchanged, without comparing its content.
    public static func find(plan: Plan, old: Inputs, new: Inputs, changedFiles: Set<String>)
        -> [ResourceIdentity: TemplatePlacement] {
        guard old.states == new.states else { return [:] }
        let everythingElseSame = sameEverythingButTemplates(old.manifests, new.manifests, changedFiles: changedFiles)
        // Karmada's `activationPreference: Lazy`: when only propagation policies changed, a template whose policy
        // is Lazy keeps its placement until the template itself changes.
        guard everythingElseSame
                || sameEverythingButTemplates(old.manifests, new.manifests, changedFiles: changedFiles,
                                              propagation: false) else { return [:] }
        let lazy: PolicySelection.Index? = everythingElseSame ? nil
            : PolicySelection.Index(propagationPolicies: new.manifests.propagationPolicies,
                                    clusterPropagationPolicies: new.manifests.clusterPropagationPolicies)
        var templates: [ResourceIdentity: KubernetesObject] = [:]
        if lazy != nil { for template in new.manifests.templates { templates[template.identity] = template } }
        var before: [ResourceIdentity: SourceLocation] = [:]
        for template in old.manifests.templates { before[template.identity] = template.location }
        var unchanged: Set<ResourceIdentity> = []
        for template in new.manifests.templates
        where !changedFiles.contains(template.location.file) && before[template.identity] == template.location {
            unchanged.insert(template.identity)
        }
        var result: [ResourceIdentity: TemplatePlacement] = [:]
        for placement in plan.placements where placement.error == nil && unchanged.contains(placement.identity) {
            guard old.previous[placement.identity] == new.previous[placement.identity] else { continue }
            if let lazy {
                guard let template = templates[placement.identity],
                      PolicySelection.choose(for: template, in: lazy)?.spec.activationPreference == .lazy else { continue }
            }
            result[placement.identity] = placement
        }
        return result
    }

    /// The paths whose content differs between two sorted file lists (present in only one of them included).
    public static func changedFiles(_ old: [(path: String, contents: Data)], _ new: [(path: String, contents: Data)])
        -> Set<String> {
        var before: [String: Data] = [:]
        for file in old { before[file.path] = file.contents }
        var changed: Set<String> = []
        for file in new {
            if before.removeValue(forKey: file.path) != file.contents { changed.insert(file.path) }
        }
        changed.formUnion(before.keys)
        return changed
    }

    /// Clusters, policies, overrides and autoscalers the same: none of them read from a changed file, and as many of
    /// each (a file that is unchanged holds the same objects at the same places).
    /// With `propagation: false`, propagation policies are left out of the comparison.
    static func sameEverythingButTemplates(_ left: Manifests, _ right: Manifests, changedFiles: Set<String>,
                                           propagation: Bool = true) -> Bool {
        guard left.clusters.count == right.clusters.count,
              !propagation || left.propagationPolicies.count == right.propagationPolicies.count,
              !propagation || left.clusterPropagationPolicies.count == right.clusterPropagationPolicies.count,
              left.overridePolicies.count == right.overridePolicies.count,
              left.clusterOverridePolicies.count == right.clusterOverridePolicies.count,
              left.federatedHPAs.count == right.federatedHPAs.count,
              left.federatedResourceQuotas.count == right.federatedResourceQuotas.count,
              left.clusterTaintPolicies.count == right.clusterTaintPolicies.count else { return false }
        if changedFiles.isEmpty { return true }
        for manifests in [left, right] {
            let policies = propagation ? manifests.propagationPolicies.map(\.location.file)
                + manifests.clusterPropagationPolicies.map(\.location.file) : []
            let files = manifests.clusters.map(\.location.file) + policies + manifests.overridePolicies.map(\.location.file)
                + manifests.clusterOverridePolicies.map(\.location.file) + manifests.federatedHPAs.map(\.location.file)
                + manifests.federatedResourceQuotas.map(\.location.file) + manifests.clusterTaintPolicies.map(\.location.file)
            if files.contains(where: changedFiles.contains) { return false }
        }
        return true
    }
}
