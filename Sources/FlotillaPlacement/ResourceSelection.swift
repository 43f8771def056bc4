import FlotillaModel

/// How well a resource selector matches a template (`pkg/util/selector.go` `ImplicitPriority`).
public enum ImplicitPriority: Int, Sendable, Comparable, CustomStringConvertible {
    case misMatch = 0
    case matchAll = 1
    case matchLabelSelector = 2
    case matchName = 3

    public static func < (lhs: ImplicitPriority, rhs: ImplicitPriority) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .misMatch: return "MisMatch"
        case .matchAll: return "MatchAll"
        case .matchLabelSelector: return "MatchLabelSelector"
        case .matchName: return "MatchName"
        }
    }
}

extension ResourceSelector {
    /// Karmada's `ResourceSelectorPriority`: apiVersion and kind must be equal strings; a non-empty namespace must
    /// equal the template's; a name decides alone (the label selector is then ignored); else a missing label
    /// selector matches the whole kind and a present one must match the labels.
    public func priority(for template: KubernetesObject) -> ImplicitPriority {
        guard kind == template.kind, Self.versionMatches(selector: apiVersion, template: template.apiVersion) else {
            return .misMatch
        }
        if let namespace, !namespace.isEmpty, namespace != (template.namespace ?? "") { return .misMatch }
        if let name, !name.isEmpty { return name == template.name ? .matchName : .misMatch }
        guard let labelSelector else { return .matchAll }
        return labelSelector.matches(template.labels) ? .matchLabelSelector : .misMatch
    }

    /// Karmada's resource detector sees a built-in template in its group's preferred version, whatever version the
    /// manifest was written in: a selector of that version selects it too (an `autoscaling/v1`
    /// HorizontalPodAutoscaler is selected by an `autoscaling/v2` selector). Otherwise the versions must be equal.
    static func versionMatches(selector: String, template: String) -> Bool {
        if selector == template { return true }
        let group = ResourceIdentity.group(ofAPIVersion: template)
        return !group.isEmpty && group == ResourceIdentity.group(ofAPIVersion: selector)
            && preferredVersions[group] == selector
    }

    /// The preferred version of the built-in groups served in more than one version.
    static let preferredVersions: [String: String] = [
        "autoscaling": "autoscaling/v2", "batch": "batch/v1", "policy": "policy/v1",
        "networking.k8s.io": "networking.k8s.io/v1", "discovery.k8s.io": "discovery.k8s.io/v1",
        "storage.k8s.io": "storage.k8s.io/v1", "flowcontrol.apiserver.k8s.io": "flowcontrol.apiserver.k8s.io/v1",
        "apiextensions.k8s.io": "apiextensions.k8s.io/v1", "rbac.authorization.k8s.io": "rbac.authorization.k8s.io/v1",
        "scheduling.k8s.io": "scheduling.k8s.io/v1", "certificates.k8s.io": "certificates.k8s.io/v1",
    ]

    /// Whether the selector matches the template at all.
    public func matches(_ template: KubernetesObject) -> Bool { priority(for: template) != .misMatch }
}

extension Array where Element == ResourceSelector {
    /// The best match over the selectors (`ResourceMatchSelectorsPriority`); an empty list matches nothing.
    public func priority(for template: KubernetesObject) -> ImplicitPriority {
        lazy.map { $0.priority(for: template) }.max() ?? .misMatch
    }

    /// The first selector of each (apiVersion, kind, namespace), reduced to those three fields
    /// (`ExtractUniqueNamespacedSelectors`).
    public func uniqueNamespacedSelectors() -> [ResourceSelector] {
        var seen: Set<String> = []
        var result: [ResourceSelector] = []
        for selector in self {
            let key = "\(selector.apiVersion)\u{0}\(selector.kind)\u{0}\(selector.namespace ?? "")"
            if seen.insert(key).inserted {
                result.append(ResourceSelector(apiVersion: selector.apiVersion, kind: selector.kind,
                                               namespace: selector.namespace))
            }
        }
        return result
    }
}
