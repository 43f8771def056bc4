/// `cluster.karmada.io/v1alpha1` Cluster: one member cluster.
public struct Cluster: Sendable, Hashable {
    public var metadata: ObjectMeta
    public var spec: ClusterSpec
    public var status: ClusterStatus?
    public var location: SourceLocation

    public init(metadata: ObjectMeta, spec: ClusterSpec, status: ClusterStatus? = nil,
                location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
        self.location = location
    }

    public var name: String { metadata.name }
}

/// `policy.karmada.io/v1alpha1` PropagationPolicy: namespaced, selects templates of its own namespace.
public struct PropagationPolicy: Sendable, Hashable {
    public var metadata: ObjectMeta
    public var spec: PropagationSpec
    public var location: SourceLocation

    public init(metadata: ObjectMeta, spec: PropagationSpec,
                location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.metadata = metadata
        self.spec = spec
        self.location = location
    }
}

/// `policy.karmada.io/v1alpha1` ClusterPropagationPolicy: cluster-scoped, selects templates of any namespace.
public struct ClusterPropagationPolicy: Sendable, Hashable {
    public var metadata: ObjectMeta
    public var spec: PropagationSpec
    public var location: SourceLocation

    public init(metadata: ObjectMeta, spec: PropagationSpec,
                location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.metadata = metadata
        self.spec = spec
        self.location = location
    }
}

/// `policy.karmada.io/v1alpha1` OverridePolicy: namespaced per-cluster differences.
public struct OverridePolicy: Sendable, Hashable {
    public var metadata: ObjectMeta
    public var spec: OverrideSpec
    public var location: SourceLocation

    public init(metadata: ObjectMeta, spec: OverrideSpec,
                location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.metadata = metadata
        self.spec = spec
        self.location = location
    }
}

/// `policy.karmada.io/v1alpha1` ClusterOverridePolicy: cluster-scoped per-cluster differences.
public struct ClusterOverridePolicy: Sendable, Hashable {
    public var metadata: ObjectMeta
    public var spec: OverrideSpec
    public var location: SourceLocation

    public init(metadata: ObjectMeta, spec: OverrideSpec,
                location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.metadata = metadata
        self.spec = spec
        self.location = location
    }
}

/// `autoscaling.karmada.io/v1alpha1` FederatedHPA: autoscaling across clusters.
public struct FederatedHPA: Sendable, Hashable {
    public var metadata: ObjectMeta
    public var spec: FederatedHPASpec
    public var location: SourceLocation

    public init(metadata: ObjectMeta, spec: FederatedHPASpec,
                location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.metadata = metadata
        self.spec = spec
        self.location = location
    }
}
