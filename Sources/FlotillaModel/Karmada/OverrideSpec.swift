/// The spec shared by `OverridePolicy` and `ClusterOverridePolicy` (`policy.karmada.io/v1alpha1`).
public struct OverrideSpec: Codable, Sendable, Hashable {
    /// Nil or empty selects every resource in scope.
    public var resourceSelectors: [ResourceSelector]?
    public var overrideRules: [RuleWithCluster]?
    /// Deprecated: use `overrideRules`.
    public var targetCluster: ClusterAffinity?
    /// Deprecated: use `overrideRules`.
    public var overriders: Overriders?

    public init(resourceSelectors: [ResourceSelector]? = nil, overrideRules: [RuleWithCluster]? = nil) {
        self.resourceSelectors = resourceSelectors
        self.overrideRules = overrideRules
    }

    /// The rules in force: `overrideRules`, or the deprecated pair as a single rule when there are none.
    public var effectiveRules: [RuleWithCluster] {
        if let overrideRules, !overrideRules.isEmpty { return overrideRules }
        if let overriders { return [RuleWithCluster(targetCluster: targetCluster, overriders: overriders)] }
        return []
    }
}

/// One override rule: the overriders for the clusters `targetCluster` selects (all clusters when nil).
public struct RuleWithCluster: Codable, Sendable, Hashable {
    public var targetCluster: ClusterAffinity?
    public var overriders: Overriders

    public init(targetCluster: ClusterAffinity? = nil, overriders: Overriders) {
        self.targetCluster = targetCluster
        self.overriders = overriders
    }
}

/// The overriders of one rule. Karmada applies them in a fixed order: image, command, args, labels, annotations,
/// field, plaintext.
public struct Overriders: Codable, Sendable, Hashable {
    public var plaintext: [PlaintextOverrider]?
    public var imageOverrider: [ImageOverrider]?
    public var commandOverrider: [CommandArgsOverrider]?
    public var argsOverrider: [CommandArgsOverrider]?
    public var labelsOverrider: [LabelAnnotationOverrider]?
    public var annotationsOverrider: [LabelAnnotationOverrider]?
    public var fieldOverrider: [FieldOverrider]?

    public init() {}

    /// Whether no overrider is set (Karmada's zero value).
    public var isEmpty: Bool {
        (plaintext ?? []).isEmpty && (imageOverrider ?? []).isEmpty && (commandOverrider ?? []).isEmpty
            && (argsOverrider ?? []).isEmpty && (labelsOverrider ?? []).isEmpty && (annotationsOverrider ?? []).isEmpty
            && (fieldOverrider ?? []).isEmpty
    }
}

/// `add`, `remove` or `replace`.
public enum OverriderOperator: String, KarmadaEnum {
    case add
    case remove
    case replace
}

/// A JSON patch operation on the whole object.
public struct PlaintextOverrider: Codable, Sendable, Hashable {
    public var path: String
    public var `operator`: OverriderOperator
    public var value: JSONValue?
}

/// Rewrites a part of container images.
public struct ImageOverrider: Codable, Sendable, Hashable {
    public var predicate: ImagePredicate?
    public var component: ImageComponent
    public var `operator`: OverriderOperator
    public var value: String?
}

/// The path of the one image an image overrider rewrites.
public struct ImagePredicate: Codable, Sendable, Hashable {
    public var path: String
}

/// The part of an image reference an image overrider rewrites.
public enum ImageComponent: String, KarmadaEnum {
    case registry = "Registry"
    case repository = "Repository"
    case tag = "Tag"
}

/// Adds to or removes from the command or args of the named container.
public struct CommandArgsOverrider: Codable, Sendable, Hashable {
    public var containerName: String
    public var `operator`: OverriderOperator
    public var value: [String]?
}

/// Adds, replaces or removes labels or annotations.
public struct LabelAnnotationOverrider: Codable, Sendable, Hashable {
    public var `operator`: OverriderOperator
    public var value: [String: String]?
}

/// Patches a JSON or YAML document held in a string field (`/data/app.yaml`).
public struct FieldOverrider: Codable, Sendable, Hashable {
    public var fieldPath: String
    public var json: [JSONPatchOperation]?
    public var yaml: [YAMLPatchOperation]?
}

/// One patch of a JSON document inside a field.
public struct JSONPatchOperation: Codable, Sendable, Hashable {
    public var subPath: String
    public var `operator`: OverriderOperator
    public var value: JSONValue?
}

/// One patch of a YAML document inside a field.
public struct YAMLPatchOperation: Codable, Sendable, Hashable {
    public var subPath: String
    public var `operator`: OverriderOperator
    public var value: JSONValue?
}
