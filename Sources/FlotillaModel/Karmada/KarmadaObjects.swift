/// `cluster.karmada.io/v1alpha1` Cluster: one member cluster.
///
/// The scheduler copies clusters into every candidate list of every template, so the fields live in one shared,
/// copy-on-write box: a copy costs one reference count, not one per field.
public struct Cluster: Sendable, Hashable {
    private final class Storage: @unchecked Sendable {
        var metadata: ObjectMeta
        var spec: ClusterSpec
        var status: ClusterStatus?
        var location: SourceLocation

        init(metadata: ObjectMeta, spec: ClusterSpec, status: ClusterStatus?, location: SourceLocation) {
            self.metadata = metadata
            self.spec = spec
            self.status = status
            self.location = location
        }

        func copy() -> Storage { Storage(metadata: metadata, spec: spec, status: status, location: location) }
    }

    private var storage: Storage

    public init(metadata: ObjectMeta, spec: ClusterSpec, status: ClusterStatus? = nil,
                location: SourceLocation = SourceLocation(file: "", line: 0)) {
        storage = Storage(metadata: metadata, spec: spec, status: status, location: location)
    }

    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    public var metadata: ObjectMeta {
        get { storage.metadata }
        set { unique().metadata = newValue }
    }

    public var spec: ClusterSpec {
        get { storage.spec }
        set { unique().spec = newValue }
    }

    public var status: ClusterStatus? {
        get { storage.status }
        set { unique().status = newValue }
    }

    public var location: SourceLocation {
        get { storage.location }
        set { unique().location = newValue }
    }

    public var name: String { storage.metadata.name }

    public static func == (lhs: Cluster, rhs: Cluster) -> Bool {
        lhs.storage === rhs.storage || (lhs.metadata == rhs.metadata && lhs.spec == rhs.spec
                                        && lhs.status == rhs.status && lhs.location == rhs.location)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(metadata)
        hasher.combine(spec)
    }
}

/// The kind of a Karmada policy object: it names the kind and fixes the type of its spec.
public protocol KarmadaPolicyKind: Sendable {
    associatedtype Spec: Sendable & Hashable
    /// The `kind` as written in manifests.
    static var kind: String { get }
}

/// A Karmada policy object: metadata, a typed spec, and where it was read.
public struct KarmadaPolicy<Kind: KarmadaPolicyKind>: Sendable, Hashable {
    public var metadata: ObjectMeta
    public var spec: Kind.Spec
    public var location: SourceLocation

    public init(metadata: ObjectMeta, spec: Kind.Spec, location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.metadata = metadata
        self.spec = spec
        self.location = location
    }
}

/// `policy.karmada.io/v1alpha1` PropagationPolicy: namespaced, selects templates of its own namespace.
public enum PropagationPolicyKind: KarmadaPolicyKind {
    public typealias Spec = PropagationSpec
    public static let kind = "PropagationPolicy"
}

/// `policy.karmada.io/v1alpha1` ClusterPropagationPolicy: cluster-scoped, selects templates of any namespace.
public enum ClusterPropagationPolicyKind: KarmadaPolicyKind {
    public typealias Spec = PropagationSpec
    public static let kind = "ClusterPropagationPolicy"
}

/// `policy.karmada.io/v1alpha1` OverridePolicy: namespaced per-cluster differences.
public enum OverridePolicyKind: KarmadaPolicyKind {
    public typealias Spec = OverrideSpec
    public static let kind = "OverridePolicy"
}

/// `policy.karmada.io/v1alpha1` ClusterOverridePolicy: cluster-scoped per-cluster differences.
public enum ClusterOverridePolicyKind: KarmadaPolicyKind {
    public typealias Spec = OverrideSpec
    public static let kind = "ClusterOverridePolicy"
}

/// `autoscaling.karmada.io/v1alpha1` FederatedHPA: autoscaling across clusters.
public enum FederatedHPAKind: KarmadaPolicyKind {
    public typealias Spec = FederatedHPASpec
    public static let kind = "FederatedHPA"
}

public typealias PropagationPolicy = KarmadaPolicy<PropagationPolicyKind>
public typealias ClusterPropagationPolicy = KarmadaPolicy<ClusterPropagationPolicyKind>
public typealias OverridePolicy = KarmadaPolicy<OverridePolicyKind>
public typealias ClusterOverridePolicy = KarmadaPolicy<ClusterOverridePolicyKind>
public typealias FederatedHPA = KarmadaPolicy<FederatedHPAKind>
