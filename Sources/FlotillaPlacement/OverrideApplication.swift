import FlotillaModel
import Foundation

/// One rule of one override policy that applies to a (template, cluster) pair.
public struct AppliedOverride: Sendable, Hashable {
    public var policyKind: String
    public var policyName: String
    /// Nil for a ClusterOverridePolicy.
    public var policyNamespace: String?
    public var ruleIndex: Int
    public var overriders: Overriders
}

/// An overrider that could not be applied: the policy, the rule, the cluster and why.
public struct OverrideError: Error, Sendable, Hashable, CustomStringConvertible {
    public var policyKind: String
    public var policyName: String
    public var ruleIndex: Int
    public var cluster: String
    public var reason: String

    public var description: String {
        "\(policyKind) \(policyName) rule \(ruleIndex) on cluster \(cluster): \(reason)"
    }
}

/// Which override rules apply to a template on a cluster, and applying them, in Karmada's order
/// (`pkg/util/overridemanager/overridemanager.go`).
public enum OverrideApplication {
    /// The rules that apply, in application order: ClusterOverridePolicies first, then (for namespaced templates)
    /// the OverridePolicies of the template's namespace; within each scope, policies by implicit priority
    /// ascending then name ascending (so the most specific is applied last and wins), rules in declaration order.
    public static func rules(for template: KubernetesObject, on cluster: Cluster,
                             clusterOverridePolicies: [ClusterOverridePolicy],
                             overridePolicies: [OverridePolicy]) -> [AppliedOverride] {
        candidates(for: template, clusterOverridePolicies: clusterOverridePolicies, overridePolicies: overridePolicies)
            .rules(on: cluster)
    }

    /// The rules of the policies that select a template, in application order, before cluster targeting: computed
    /// once per template, then filtered per cluster.
    public struct Candidates: Sendable {
        var entries: [(target: ClusterAffinity?, rule: AppliedOverride)]

        /// The rules whose `targetCluster` is absent or matches `cluster`.
        public func rules(on cluster: Cluster) -> [AppliedOverride] {
            entries.compactMap { entry in
                if let target = entry.target, !target.matches(cluster) { return nil }
                return entry.rule
            }
        }

        public var isEmpty: Bool { entries.isEmpty }
    }

    public static func candidates(for template: KubernetesObject, clusterOverridePolicies: [ClusterOverridePolicy],
                                  overridePolicies: [OverridePolicy]) -> Candidates {
        let clusterScoped = clusterOverridePolicies.map {
            (kind: "ClusterOverridePolicy", name: $0.metadata.name, namespace: String?.none, spec: $0.spec)
        }
        var entries = ordered(clusterScoped, template: template)
        if let namespace = template.namespace {
            let namespaced = overridePolicies.filter { $0.metadata.namespace == namespace }.map {
                (kind: "OverridePolicy", name: $0.metadata.name, namespace: $0.metadata.namespace, spec: $0.spec)
            }
            entries += ordered(namespaced, template: template)
        }
        return Candidates(entries: entries)
    }

    private static func ordered(_ policies: [(kind: String, name: String, namespace: String?, spec: OverrideSpec)],
                                template: KubernetesObject) -> [(target: ClusterAffinity?, rule: AppliedOverride)] {
        let matching = policies.compactMap { policy -> (ImplicitPriority, String, [(target: ClusterAffinity?, rule: AppliedOverride)])? in
            let selectors = policy.spec.resourceSelectors ?? []
            let priority: ImplicitPriority = selectors.isEmpty ? .matchAll : selectors.priority(for: template)
            guard priority != .misMatch else { return nil }
            let rules = policy.spec.effectiveRules.enumerated().map { index, rule in
                (target: rule.targetCluster,
                 rule: AppliedOverride(policyKind: policy.kind, policyName: policy.name, policyNamespace: policy.namespace,
                                       ruleIndex: index, overriders: rule.overriders))
            }
            return (priority, policy.name, rules)
        }
        return matching.sorted { ($0.0.rawValue, $0.1) < ($1.0.rawValue, $1.1) }.flatMap(\.2)
    }

    /// The object after every rule, each rule's overriders in Karmada's fixed order: image, command, args,
    /// labels, annotations, field, plaintext.
    public static func apply(_ rules: [AppliedOverride], to object: JSONValue, kind: String,
                             cluster: String) throws(OverrideError) -> JSONValue {
        var result = object
        for rule in rules {
            do {
                result = try apply(rule.overriders, to: result, kind: kind)
            } catch {
                throw OverrideError(policyKind: rule.policyKind, policyName: rule.policyName, ruleIndex: rule.ruleIndex,
                                    cluster: cluster, reason: error.description)
            }
        }
        return result
    }

    static func apply(_ overriders: Overriders, to object: JSONValue, kind: String) throws(JSONPatchError) -> JSONValue {
        var result = object
        for image in overriders.imageOverrider ?? [] {
            result = try JSONPatch.apply(try OverriderPatches.image(image, object: result, kind: kind), to: result)
        }
        for command in overriders.commandOverrider ?? [] {
            result = try JSONPatch.apply(OverriderPatches.commandOrArgs(command, field: "command", object: result,
                                                                         kind: kind), to: result)
        }
        for args in overriders.argsOverrider ?? [] {
            result = try JSONPatch.apply(OverriderPatches.commandOrArgs(args, field: "args", object: result, kind: kind),
                                         to: result)
        }
        for (field, list) in [("labels", overriders.labelsOverrider), ("annotations", overriders.annotationsOverrider)] {
            guard let list, !list.isEmpty else { continue }
            var metadata = result["metadata"] ?? .object([:])
            let current = metadata[field]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
            let updated = OverriderPatches.applyMap(list, to: current)
            if updated != current || metadata[field] == nil && !updated.isEmpty {
                metadata[field] = .object(updated.mapValues(JSONValue.string))
                result["metadata"] = metadata
            }
        }
        for field in overriders.fieldOverrider ?? [] {
            result = try FieldOverriding.apply(field, to: result)
        }
        if let plaintext = overriders.plaintext, !plaintext.isEmpty {
            result = try JSONPatch.apply(OverriderPatches.plaintext(plaintext), to: result)
        }
        return result
    }
}

extension OverrideApplication {
    /// The value Karmada writes in `policy.karmada.io/applied-overrides` (and `applied-cluster-overrides`): a JSON
    /// array of `{policyName, overriders}` sorted by policy name, fields in Karmada's order; nil for no rules.
    public static func appliedAnnotation(_ rules: [AppliedOverride]) -> String? {
        guard !rules.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let entries = rules.enumerated().sorted { ($0.element.policyName, $0.offset) < ($1.element.policyName, $1.offset) }
            .map { entry -> String in
                let overriders = (try? encoder.encode(entry.element.overriders)).map { String(decoding: $0, as: UTF8.self) }
                return "{\"policyName\":\(JSONValue.quoted(entry.element.policyName)),\"overriders\":\(overriders ?? "{}")}"
            }
        return "[" + entries.joined(separator: ",") + "]"
    }
}
