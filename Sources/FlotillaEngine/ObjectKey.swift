import FlotillaModel

/// An object in a member cluster, with the apiVersion needed to reach it. Sorted by apply order, then identity.
/// Its identity is group, kind, namespace and name: the version only says how to reach it, so a template moving
/// from `v1alpha1` to `v1` is the same object, updated in place (never pruned and re-created).
public struct ObjectKey: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var apiVersion: String { didSet { derive() } }
    public var kind: String { didSet { derive() } }
    public var namespace: String?
    public var name: String
    /// The API group, and the place in the apply order: derived once (sorting thousands of keys compares them often).
    public private(set) var group: String = ""
    public private(set) var applyRank: Int = 10

    public init(apiVersion: String, kind: String, namespace: String?, name: String) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
        derive()
    }

    private mutating func derive() {
        group = ResourceIdentity.group(ofAPIVersion: apiVersion)
        applyRank = Self.applyRank(group: group, kind: kind)
    }

    private enum CodingKeys: String, CodingKey { case apiVersion, kind, namespace, name }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(apiVersion: try container.decode(String.self, forKey: .apiVersion),
                  kind: try container.decode(String.self, forKey: .kind),
                  namespace: try container.decodeIfPresent(String.self, forKey: .namespace),
                  name: try container.decode(String.self, forKey: .name))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(apiVersion, forKey: .apiVersion)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(namespace, forKey: .namespace)
        try container.encode(name, forKey: .name)
    }

    public init?(_ object: JSONValue) {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue,
              let name = object.value(at: ["metadata", "name"])?.stringValue else { return nil }
        self.init(apiVersion: apiVersion, kind: kind,
                  namespace: object.value(at: ["metadata", "namespace"])?.stringValue, name: name)
    }

    public var isNamespace: Bool { kind == "Namespace" && apiVersion == "v1" }
    public var isCustomResourceDefinition: Bool {
        kind == "CustomResourceDefinition" && group == "apiextensions.k8s.io"
    }

    public static func == (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        lhs.name == rhs.name && lhs.kind == rhs.kind && lhs.namespace == rhs.namespace
            && (lhs.apiVersion == rhs.apiVersion || lhs.group == rhs.group)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(kind)
        hasher.combine(namespace)  // (the group is left out of the hash: equal keys agree on it anyway)
    }
    public var identity: ResourceIdentity { ResourceIdentity(group: group, kind: kind, namespace: namespace, name: name) }
    /// The informer that sees it.
    public var kindKey: KindKey { KindKey(apiVersion: apiVersion, kind: kind) }

    public var description: String { identity.description }

    /// One line of the inventory: `apiVersion kind namespace name` (`-` for no namespace).
    public var inventoryLine: String { "\(apiVersion) \(kind) \(namespace ?? "-") \(name)" }

    public init?(inventoryLine line: Substring) {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard parts.count == 4 else { return nil }
        self.init(apiVersion: parts[0], kind: parts[1], namespace: parts[2] == "-" ? nil : parts[2], name: parts[3])
    }

    /// Where a kind goes in DESIGN.md's apply order: Namespaces, CRDs, ServiceAccounts and RBAC, ConfigMaps,
    /// Secrets, PVCs, Services, workloads, then the rest. Deletes go in reverse.
    public static func applyRank(group: String, kind: String) -> Int {
        switch (group, kind) {
        case ("", "Namespace"): return 0
        case ("apiextensions.k8s.io", "CustomResourceDefinition"): return 1
        case ("", "ServiceAccount"): return 2
        case ("rbac.authorization.k8s.io", "ClusterRole"), ("rbac.authorization.k8s.io", "Role"): return 3
        case ("rbac.authorization.k8s.io", "ClusterRoleBinding"), ("rbac.authorization.k8s.io", "RoleBinding"): return 4
        case ("", "ConfigMap"): return 5
        case ("", "Secret"): return 6
        case ("", "PersistentVolumeClaim"): return 7
        case ("", "Service"): return 8
        case ("apps", _), ("batch", _), ("", "Pod"), ("", "ReplicationController"): return 9
        default: return 10
        }
    }


    public static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        // Same kind (most comparisons in a sort): rank and group are equal, skip computing them.
        if lhs.kind == rhs.kind && lhs.apiVersion == rhs.apiVersion {
            return (lhs.namespace ?? "", lhs.name) < (rhs.namespace ?? "", rhs.name)
        }
        return (lhs.applyRank, lhs.group, lhs.kind, lhs.namespace ?? "", lhs.name)
            < (rhs.applyRank, rhs.group, rhs.kind, rhs.namespace ?? "", rhs.name)
    }
}

/// A kind as a client reaches it.
public struct KindKey: Sendable, Hashable, Comparable {
    public var apiVersion: String
    public var kind: String

    public static func < (lhs: KindKey, rhs: KindKey) -> Bool { (lhs.apiVersion, lhs.kind) < (rhs.apiVersion, rhs.kind) }
}
