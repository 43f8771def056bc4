import FlotillaModel
import FlotillaPlacement

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

    /// The placements of `plan` (computed from `old`) that a plan from `new` may reuse.
    public static func find(plan: Plan, old: Inputs, new: Inputs) -> [ResourceIdentity: TemplatePlacement] {
        guard old.states == new.states, sameEverythingButTemplates(old.manifests, new.manifests) else { return [:] }
        var before: [ResourceIdentity: JSONValue] = [:]
        for template in old.manifests.templates { before[template.identity] = template.content }
        var unchanged: Set<ResourceIdentity> = []
        for template in new.manifests.templates where before[template.identity] == template.content {
            unchanged.insert(template.identity)
        }
        var result: [ResourceIdentity: TemplatePlacement] = [:]
        for placement in plan.placements where placement.error == nil && unchanged.contains(placement.identity) {
            guard old.previous[placement.identity] == new.previous[placement.identity] else { continue }
            result[placement.identity] = placement
        }
        return result
    }

    /// Clusters, policies, overrides and autoscalers equal (their source locations included: conservative).
    static func sameEverythingButTemplates(_ left: Manifests, _ right: Manifests) -> Bool {
        left.clusters == right.clusters && left.propagationPolicies == right.propagationPolicies
            && left.clusterPropagationPolicies == right.clusterPropagationPolicies
            && left.overridePolicies == right.overridePolicies
            && left.clusterOverridePolicies == right.clusterOverridePolicies
            && left.federatedHPAs == right.federatedHPAs
    }
}
