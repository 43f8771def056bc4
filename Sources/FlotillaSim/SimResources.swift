/// A resource a simulated cluster serves.
public struct SimResource: Sendable, Hashable {
    public var group: String
    public var version: String
    public var resource: String
    public var singular: String
    public var kind: String
    public var namespaced: Bool
    public var shortNames: [String]

    public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// `deployments.apps`, or `configmaps` for the core group, as Status messages print a GroupResource.
    public var groupResource: String { group.isEmpty ? resource : "\(resource).\(group)" }

    /// The built-in resources every simulated cluster serves.
    /// Groups of the built-in kinds (strategic merge patch applies to them, not to custom resources).
    static let builtInGroups: Set<String> = Set(builtIn.map(\.group))

    public static let builtIn: [SimResource] = {
        func core(_ resource: String, _ kind: String, namespaced: Bool = true, _ short: [String] = []) -> SimResource {
            SimResource(group: "", version: "v1", resource: resource, singular: kind.lowercased(), kind: kind,
                        namespaced: namespaced, shortNames: short)
        }
        func named(_ group: String, _ version: String, _ resource: String, _ kind: String, namespaced: Bool = true,
                   _ short: [String] = []) -> SimResource {
            SimResource(group: group, version: version, resource: resource, singular: kind.lowercased(), kind: kind,
                        namespaced: namespaced, shortNames: short)
        }
        return [
            core("namespaces", "Namespace", namespaced: false, ["ns"]), core("configmaps", "ConfigMap", ["cm"]),
            core("secrets", "Secret"), core("services", "Service", ["svc"]), core("serviceaccounts", "ServiceAccount", ["sa"]),
            core("persistentvolumeclaims", "PersistentVolumeClaim", ["pvc"]), core("pods", "Pod", ["po"]),
            core("nodes", "Node", namespaced: false, ["no"]), core("events", "Event", ["ev"]),
            core("persistentvolumes", "PersistentVolume", namespaced: false, ["pv"]),
            named("apps", "v1", "deployments", "Deployment", ["deploy"]), named("apps", "v1", "statefulsets", "StatefulSet", ["sts"]),
            named("apps", "v1", "replicasets", "ReplicaSet", ["rs"]), named("apps", "v1", "daemonsets", "DaemonSet", ["ds"]),
            named("batch", "v1", "jobs", "Job"), named("batch", "v1", "cronjobs", "CronJob", ["cj"]),
            named("networking.k8s.io", "v1", "ingresses", "Ingress", ["ing"]),
            named("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", ["netpol"]),
            named("networking.k8s.io", "v1", "ingressclasses", "IngressClass", namespaced: false),
            named("rbac.authorization.k8s.io", "v1", "roles", "Role"),
            named("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
            named("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", namespaced: false),
            named("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", namespaced: false),
            named("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", namespaced: false, ["crd"]),
            named("coordination.k8s.io", "v1", "leases", "Lease"),
            named("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", ["hpa"]),
            // Served in v1 too (stored in v2, the preferred version, listed first).
            named("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", ["hpa"]),
            named("metrics.k8s.io", "v1beta1", "pods", "PodMetrics"),
            named("metrics.k8s.io", "v1beta1", "nodes", "NodeMetrics", namespaced: false),
        ]
    }()
}
