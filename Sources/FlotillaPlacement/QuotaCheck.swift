import FlotillaModel

/// A FederatedResourceQuota's `overall` checked against a plan, as Karmada's quota enforcement checks the bindings
/// of a namespace: the requests of every placed replica of the namespace's workloads (per-replica requests as the
/// estimator computes them, times the replicas on each cluster) against each limit. Request limits (`cpu`,
/// `requests.cpu`, `memory`, `requests.nvidia.com/gpu` ...) and `pods` are checked; `limits.*` and object counts
/// are not (a plan does not know them).
public enum QuotaCheck {
    /// One limit the plan goes over.
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        public var quota: String
        public var resource: String
        /// What the plan uses and what the quota allows, in the quota's units (cpu in millicores).
        public var used: Int64
        public var allowed: Int64

        public var description: String {
            "FederatedResourceQuota \(quota): \(resource): the plan requests \(Self.text(used, resource)), "
                + "the overall quota allows \(Self.text(allowed, resource))"
        }

        static func text(_ amount: Int64, _ resource: String) -> String {
            guard resource.hasSuffix("cpu") else { return "\(amount)" }
            return amount % 1000 == 0 ? "\(amount / 1000)" : "\(amount)m"
        }
    }

    /// The limit a quota key puts on a per-replica request: the request's resource name, or `pods` (nil: not checked).
    static func requestName(_ key: String) -> String? {
        if key == "pods" { return "pods" }
        if key.hasPrefix("limits.") || key.hasPrefix("count/") { return nil }
        let name = key.hasPrefix("requests.") ? String(key.dropFirst("requests.".count)) : key
        return WorkloadInterpreter.counts(name) ? name : nil
    }

    /// Every limit of `quotas` the plan goes over, sorted.
    public static func violations(_ plan: Plan, quotas: [FederatedResourceQuota]) -> [Violation] {
        var result: [Violation] = []
        for quota in quotas {
            let namespace = quota.metadata.namespace ?? "default"
            var used: [String: Int64] = [:]
            for placement in plan.placements where placement.error == nil && placement.hasReplicas
                && placement.template.namespace == namespace {
                let replicas = placement.clusters.reduce(Int64(0)) { $0 +| Int64($1.replicas) }
                used["pods", default: 0] = used["pods", default: 0] +| replicas
                for (name, quantity) in WorkloadInterpreter.resourceRequest(of: placement.template) ?? [:] {
                    guard let amount = quantity.amount(for: name) else { continue }
                    used[name, default: 0] = used[name, default: 0] +| (amount *| replicas)
                }
            }
            let name = "\(namespace)/\(quota.metadata.name)"
            for (key, limit) in quota.spec.overall {
                guard let resource = requestName(key), let allowed = limit.amount(for: resource) else { continue }
                let amount = used[resource] ?? 0
                if amount > allowed { result.append(Violation(quota: name, resource: key, used: amount, allowed: allowed)) }
            }
        }
        return result.sorted { ($0.quota, $0.resource) < ($1.quota, $1.resource) }
    }
}
