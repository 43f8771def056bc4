/// The spec of a Karmada `WorkloadRebalancer` (`apps.karmada.io/v1alpha1`, cluster-scoped): a one-off fresh
/// placement of the named workloads, ignoring where they run now (sticky scheduling) once.
public struct WorkloadRebalancerSpec: Codable, Sendable, Hashable {
    /// The workloads to place afresh.
    public var workloads: [RebalanceObjectReference]
    /// How long after it finished the rebalancer is kept (Karmada deletes it then; Flotilla reports it expired).
    public var ttlSecondsAfterFinished: Int32?
}

/// A workload named by a WorkloadRebalancer.
public struct RebalanceObjectReference: Codable, Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    /// Empty for a cluster-scoped resource.
    public var namespace: String?

    /// The template it names.
    public var identity: ResourceIdentity {
        ResourceIdentity(group: ResourceIdentity.group(ofAPIVersion: apiVersion), kind: kind,
                         namespace: (namespace ?? "").isEmpty ? nil : namespace, name: name)
    }
}

/// `apps.karmada.io/v1alpha1` WorkloadRebalancer.
public enum WorkloadRebalancerKind: KarmadaPolicyKind {
    public typealias Spec = WorkloadRebalancerSpec
    public static let kind = "WorkloadRebalancer"
}

public typealias WorkloadRebalancer = KarmadaPolicy<WorkloadRebalancerKind>

extension WorkloadRebalancer {
    /// What identifies one run: the name and the workloads (a rebalancer whose list changes runs again, for the
    /// workloads it did not rebalance yet).
    public func runKey(for workload: RebalanceObjectReference) -> String {
        "\(metadata.name)\t\(workload.identity.description)"
    }
}
