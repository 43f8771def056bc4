/// One object of the source: every field as written, its identity, and where it came from.
public struct KubernetesObject: Sendable, Hashable {
    /// The whole object.
    public var content: JSONValue { didSet { identity = Self.identity(of: content) } }
    /// Where the document starts.
    public var location: SourceLocation
    /// Group, kind, namespace and name: worked out once (placement asks for it many times per template).
    public private(set) var identity: ResourceIdentity

    public init(content: JSONValue, location: SourceLocation) {
        self.content = content
        self.location = location
        self.identity = Self.identity(of: content)
    }

    private static func identity(of content: JSONValue) -> ResourceIdentity {
        ResourceIdentity(group: ResourceIdentity.group(ofAPIVersion: content["apiVersion"]?.stringValue ?? ""),
                         kind: content["kind"]?.stringValue ?? "",
                         namespace: content.value(at: ["metadata", "namespace"])?.stringValue,
                         name: content.value(at: ["metadata", "name"])?.stringValue ?? "")
    }

    public var apiVersion: String { content["apiVersion"]?.stringValue ?? "" }
    public var kind: String { content["kind"]?.stringValue ?? "" }
    public var name: String { content.value(at: ["metadata", "name"])?.stringValue ?? "" }
    /// The namespace; nil for cluster-scoped objects.
    public var namespace: String? { content.value(at: ["metadata", "namespace"])?.stringValue }
    public var group: String { ResourceIdentity.group(ofAPIVersion: apiVersion) }

    public var labels: [String: String] { Self.stringMap(content.value(at: ["metadata", "labels"])) }
    public var annotations: [String: String] { Self.stringMap(content.value(at: ["metadata", "annotations"])) }
    /// `metadata.uid` when the source sets one (Karmada breaks replica ties on its hash).
    public var uid: String? { content.value(at: ["metadata", "uid"])?.stringValue }


    static func stringMap(_ value: JSONValue?) -> [String: String] {
        guard let members = value?.objectValue else { return [:] }
        var result: [String: String] = [:]
        for (key, member) in members {
            result[key] = member.stringValue
        }
        return result
    }
}

/// The metadata Flotilla reads from a Karmada object.
public struct ObjectMeta: Sendable, Hashable {
    public var name: String
    /// Nil for cluster-scoped objects.
    public var namespace: String?
    public var labels: [String: String]
    public var annotations: [String: String]

    public init(name: String, namespace: String? = nil, labels: [String: String] = [:],
                annotations: [String: String] = [:]) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
    }

    init(_ object: KubernetesObject) {
        self.init(name: object.name, namespace: object.namespace, labels: object.labels,
                  annotations: object.annotations)
    }
}
