/// The spec of a Karmada `FederatedResourceQuota` (`policy.karmada.io/v1alpha1`): an overall quota for a namespace
/// across the fleet, and static per-cluster assignments that become a `ResourceQuota` of the same name in that
/// namespace on each listed cluster.
public struct FederatedResourceQuotaSpec: Codable, Sendable, Hashable {
    /// The desired hard limits for each named resource, over all clusters.
    public var overall: [String: Quantity]
    /// The ResourceQuota each listed cluster gets; clusters not listed get none.
    public var staticAssignments: [StaticClusterAssignment]?
}

/// One cluster's share of a FederatedResourceQuota.
public struct StaticClusterAssignment: Codable, Sendable, Hashable {
    public var clusterName: String
    public var hard: [String: Quantity]
}

/// `policy.karmada.io/v1alpha1` FederatedResourceQuota.
public enum FederatedResourceQuotaKind: KarmadaPolicyKind {
    public typealias Spec = FederatedResourceQuotaSpec
    public static let kind = "FederatedResourceQuota"
}

public typealias FederatedResourceQuota = KarmadaPolicy<FederatedResourceQuotaKind>

extension FederatedResourceQuota {
    /// The `ResourceQuota` each statically assigned cluster gets, by cluster name.
    public var resourceQuotas: [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for assignment in spec.staticAssignments ?? [] {
            var hard: [String: JSONValue] = [:]
            for (resource, quantity) in assignment.hard { hard[resource] = .string(quantity.text) }
            result[assignment.clusterName] = .object([
                "apiVersion": .string("v1"), "kind": .string("ResourceQuota"),
                "metadata": .object(["name": .string(metadata.name),
                                     "namespace": .string(metadata.namespace ?? "default")]),
                "spec": .object(["hard": .object(hard)]),
            ])
        }
        return result
    }
}
