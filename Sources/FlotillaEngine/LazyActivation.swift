import FlotillaModel
import FlotillaPlacement

/// Karmada's `activationPreference: Lazy` across revisions: a template selected by a Lazy policy goes on being placed
/// by the policy as it was when the template last changed (Karmada's binding keeps that placement), whatever else
/// happens meanwhile — a policy edited or replaced, a cluster failing. When the template itself changes, the policy
/// selecting it now takes over. Pure.
public enum LazyActivation {
    /// What placed a template last: the policy as it was then, and the template as it was then.
    public struct Record: Sendable {
        public var choice: PolicyChoice
        public var template: JSONValue
    }

    /// The records after `plan`: each placed template's policy; a template that failed keeps its earlier record.
    public static func records(_ plan: Plan, previous: [ResourceIdentity: Record]) -> [ResourceIdentity: Record] {
        var result: [ResourceIdentity: Record] = [:]
        result.reserveCapacity(plan.placements.count)
        for placement in plan.placements {
            if let choice = placement.choice {
                result[placement.identity] = Record(choice: choice, template: placement.template.content)
            } else if let kept = previous[placement.identity] {
                result[placement.identity] = kept
            }
        }
        return result
    }

    /// The templates of `manifests` to place by their recorded policy: unchanged since it placed them, and selected
    /// now by a Lazy policy. Empty (and nothing looked at) when no policy is Lazy.
    public static func pins(_ manifests: Manifests, records: [ResourceIdentity: Record]) -> [ResourceIdentity: PolicyChoice] {
        let anyLazy = manifests.propagationPolicies.contains { $0.spec.activationPreference == .lazy }
            || manifests.clusterPropagationPolicies.contains { $0.spec.activationPreference == .lazy }
        guard anyLazy, !records.isEmpty else { return [:] }
        let index = PolicySelection.Index(propagationPolicies: manifests.propagationPolicies,
                                          clusterPropagationPolicies: manifests.clusterPropagationPolicies)
        var pins: [ResourceIdentity: PolicyChoice] = [:]
        for template in manifests.templates {
            guard let record = records[template.identity], record.template == template.content,
                  let now = PolicySelection.choose(for: template, in: index),
                  now.spec.activationPreference == .lazy, now != record.choice else { continue }
            pins[template.identity] = record.choice
        }
        return pins
    }
}
