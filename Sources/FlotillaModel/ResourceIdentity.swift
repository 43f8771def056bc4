/// The identity of a Kubernetes object: API group, kind, namespace (nil when cluster-scoped) and name.
///
/// The version is not part of the identity: `apps/v1` and `apps/v1beta2` Deployments of one name are one object.
public struct ResourceIdentity: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var group: String
    public var kind: String
    public var namespace: String?
    public var name: String

    public init(group: String, kind: String, namespace: String?, name: String) {
        self.group = group
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// `Kind.group/namespace/name`, or `Kind/name` for core cluster-scoped objects.
    public var description: String {
        let groupKind = group.isEmpty ? kind : "\(kind).\(group)"
        if let namespace { return "\(groupKind) \(namespace)/\(name)" }
        return "\(groupKind) \(name)"
    }

    public static func < (lhs: ResourceIdentity, rhs: ResourceIdentity) -> Bool {
        (lhs.group, lhs.kind, lhs.namespace ?? "", lhs.name) < (rhs.group, rhs.kind, rhs.namespace ?? "", rhs.name)
    }

    /// The group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
    public static func group(ofAPIVersion apiVersion: String) -> String {
        guard let slash = apiVersion.firstIndex(of: "/") else { return "" }
        return String(apiVersion[..<slash])
    }
}
