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
        Candidates(entries: clusterCandidates(for: template, clusterOverridePolicies).entries
                   + namespaceCandidates(for: template, overridePolicies).entries)
    }

    /// The ClusterOverridePolicy rules that select the object, in application order.
    public static func clusterCandidates(for object: KubernetesObject,
                                         _ clusterOverridePolicies: [ClusterOverridePolicy]) -> Candidates {
        let clusterScoped = clusterOverridePolicies.map {
            (kind: "ClusterOverridePolicy", name: $0.metadata.name, namespace: String?.none, spec: $0.spec)
        }
        return Candidates(entries: ordered(clusterScoped, template: object))
    }

    /// The rules of the OverridePolicies of the object's namespace (as the object says it now) that select it.
    public static func namespaceCandidates(for object: KubernetesObject, _ overridePolicies: [OverridePolicy]) -> Candidates {
        guard let namespace = object.namespace, !namespace.isEmpty else { return Candidates(entries: []) }
        let namespaced = overridePolicies.filter { $0.metadata.namespace == namespace }.map {
            (kind: "OverridePolicy", name: $0.metadata.name, namespace: $0.metadata.namespace, spec: $0.spec)
        }
        return Candidates(entries: ordered(namespaced, template: object))
    }

    /// Karmada's two steps for one cluster (`ApplyOverridePolicies`, KARMADA.md H.O4): the ClusterOverridePolicy
    /// rules, then the OverridePolicy rules matched and ordered against the object *as the first step left it* (its
    /// labels, name, namespace and kind now). `namespaceRules` are the template's, used as they are when the first
    /// step changed none of those. Returns the object and the rules applied, in order.
    public static func render(_ object: JSONValue, template: KubernetesObject, cluster: Cluster,
                              clusterRules: Candidates, namespaceRules: Candidates,
                              overridePolicies: [OverridePolicy]) throws(OverrideError) -> (JSONValue, [AppliedOverride]) {
        let first = clusterRules.rules(on: cluster)
        var result = try apply(first, to: object, cluster: cluster.name)
        var second = namespaceRules
        if !first.isEmpty, selectionChanged(object, result) {
            second = namespaceCandidates(for: KubernetesObject(content: result, location: template.location),
                                         overridePolicies)
        }
        let rules = second.rules(on: cluster)
        result = try apply(rules, to: result, cluster: cluster.name)
        return (result, first + rules)
    }

    /// Whether what policy selection looks at (apiVersion, kind, name, namespace, labels) differs.
    static func selectionChanged(_ before: JSONValue, _ after: JSONValue) -> Bool {
        for path in [["apiVersion"], ["kind"], ["metadata", "name"], ["metadata", "namespace"], ["metadata", "labels"]]
        where before.value(at: path) != after.value(at: path) {
            return true
        }
        return false
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
    public static func apply(_ rules: [AppliedOverride], to object: JSONValue,
                             cluster: String) throws(OverrideError) -> JSONValue {
        var result = object
        for rule in rules {
            do {
                result = try apply(rule.overriders, to: result)
            } catch {
                throw OverrideError(policyKind: rule.policyKind, policyName: rule.policyName, ruleIndex: rule.ruleIndex,
                                    cluster: cluster, reason: error.description)
            }
        }
        return result
    }

    /// One rule's overriders. Each follows the object's *current* kind, and an object left without a kind is an
    /// error, as Karmada re-decodes it after every patch (KARMADA.md H.O5).
    static func apply(_ overriders: Overriders, to object: JSONValue) throws(JSONPatchError) -> JSONValue {
        var result = try checkedKind(object)
        for image in overriders.imageOverrider ?? [] {
            result = try checkedKind(JSONPatch.apply(try OverriderPatches.image(image, object: result,
                                                                                kind: try checkedKind(result).kindText),
                                                     to: result))
        }
        for command in overriders.commandOverrider ?? [] {
            result = try checkedKind(JSONPatch.apply(OverriderPatches.commandOrArgs(command, field: "command", object: result,
                                                                                    kind: result.kindText), to: result))
        }
        for args in overriders.argsOverrider ?? [] {
            result = try checkedKind(JSONPatch.apply(OverriderPatches.commandOrArgs(args, field: "args", object: result,
                                                                                    kind: result.kindText), to: result))
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
            result = try checkedKind(FieldOverriding.apply(field, to: result))
        }
        if let plaintext = overriders.plaintext, !plaintext.isEmpty {
            result = try checkedKind(JSONPatch.apply(OverriderPatches.plaintext(plaintext), to: result))
        }
        return result
    }

    /// The object, or Karmada's error when its `kind` is missing, empty or not a string.
    static func checkedKind(_ object: JSONValue) throws(JSONPatchError) -> JSONValue {
        guard let kind = object["kind"]?.stringValue, !kind.isEmpty else {
            throw JSONPatchError(path: "/kind", reason: "Object 'Kind' is missing in '\(object.canonicalJSON())'")
        }
        return object
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

extension JSONValue {
    /// The object's `kind` (empty when it has none).
    var kindText: String { self["kind"]?.stringValue ?? "" }
}
