import FlotillaModel

/// What Karmada's default resource interpreter reads from a template (`pkg/resourceinterpreter/default/native`):
/// replicas, per-replica resource requests, and the ConfigMaps, Secrets, PVCs and ServiceAccounts its pods use.
public enum WorkloadInterpreter {
    /// The pod template of a workload kind, or the Pod itself.
    public static func podSpec(of template: KubernetesObject) -> JSONValue? {
        switch template.kind {
        case "Pod": return template.content["spec"]
        case "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job":
            return template.content.value(at: ["spec", "template", "spec"])
        case "CronJob": return template.content.value(at: ["spec", "jobTemplate", "spec", "template", "spec"])
        default: return nil
        }
    }

    /// The replicas of a workload, as Karmada's `GetReplicas` reads them from a template the API server defaulted:
    /// Deployment, ReplicaSet and StatefulSet `spec.replicas` (1 when absent); a Job `min(parallelism,
    /// completions ?? parallelism)` (parallelism 1 when absent); a Pod 1; nil for kinds without replicas.
    public static func replicas(of template: KubernetesObject) -> Int32? {
        switch template.kind {
        case "Deployment", "ReplicaSet", "StatefulSet":
            return Int32(clamping: template.content.value(at: ["spec", "replicas"])?.intValue ?? 1)
        case "Job":
            let parallelism = template.content.value(at: ["spec", "parallelism"])?.intValue ?? 1
            let completions = template.content.value(at: ["spec", "completions"])?.intValue ?? parallelism
            return Int32(clamping: min(parallelism, completions))
        case "Pod":
            return template.group.isEmpty ? 1 : nil
        default:
            return nil
        }
    }

    /// Where a workload's per-cluster replicas are written (Karmada's `ReviseReplica`): `spec.parallelism` for a
    /// Job, `spec.replicas` for the others that have them; nil for a Pod (one replica, never revised).
    public static func replicasField(of template: KubernetesObject) -> String? {
        switch template.kind {
        case "Job": return "parallelism"
        case "Deployment", "ReplicaSet", "StatefulSet": return "replicas"
        default: return nil
        }
    }

    /// Per-replica requests as Karmada computes them (`AddPodTemplateRequest`, KARMADA.md H.P1): each container's
    /// limits stand in for the requests it lacks (per key); containers are summed, each init container raises a
    /// resource to its own value if larger, the pod's `overhead` is added; only CPU, memory, ephemeral storage, pods
    /// and scalar resources (extended such as `nvidia.com/gpu`, hugepages, attachable volumes, `*kubernetes.io/*`)
    /// count; zero entries are dropped, and nothing left is no request.
    public static func resourceRequest(of template: KubernetesObject) -> ResourceRequest? {
        guard let spec = podSpec(of: template) else { return nil }
        var total: [String: Int64] = [:]
        for container in spec["containers"]?.arrayValue ?? [] {
            for (name, amount) in requests(of: container) { total[name] = (total[name] ?? 0) +| amount }
        }
        for container in spec["initContainers"]?.arrayValue ?? [] {
            for (name, amount) in requests(of: container) { total[name] = max(total[name] ?? 0, amount) }
        }
        for (name, amount) in amounts(spec["overhead"]) { total[name] = (total[name] ?? 0) +| amount }
        total = total.filter { $0.value != 0 }
        guard !total.isEmpty else { return nil }
        // CPU was summed in millicores and is written back as such, so the estimator reads it exactly.
        return Dictionary(uniqueKeysWithValues: total.map { name, amount in
            (name, Quantity(name == "cpu" ? "\(amount)m" : "\(amount)"))
        })
    }

    /// A container's requests, each missing key taken from its limits.
    private static func requests(of container: JSONValue) -> [String: Int64] {
        amounts(container.value(at: ["resources", "limits"]))
            .merging(amounts(container.value(at: ["resources", "requests"]))) { _, request in request }
    }

    /// The resources of a resource list that count (see `counts`), in the estimator's units.
    private static func amounts(_ list: JSONValue?) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for (name, value) in list?.objectValue ?? [:] where counts(name) {
            let quantity = Quantity(value.stringValue ?? value.intValue.map(String.init) ?? "")
            if let amount = quantity.amount(for: name) { result[name] = amount }
        }
        return result
    }

    /// Whether Karmada's resource list keeps a resource name: the four it knows, and scalar resources
    /// (`lifted.IsScalarResourceName`).
    static func counts(_ name: String) -> Bool {
        if ["cpu", "memory", "ephemeral-storage", "pods"].contains(name) { return true }
        if name.hasPrefix("hugepages-") || name.hasPrefix("attachable-volumes-") || name.contains("kubernetes.io/") {
            return true
        }
        return name.contains("/") && !name.hasPrefix("requests.")
    }

    /// The objects a workload's pods reference, as identities in the template's namespace: ConfigMaps and Secrets
    /// (volumes, env, envFrom, projected sources, image pull secrets), PersistentVolumeClaims and the ServiceAccount.
    public static func dependencies(of template: KubernetesObject) -> [ResourceIdentity] {
        guard let namespace = template.namespace else { return [] }
        var found: Set<ResourceIdentity> = []
        func add(_ kind: String, _ name: String?) {
            guard let name, !name.isEmpty else { return }
            found.insert(ResourceIdentity(group: "", kind: kind, namespace: namespace, name: name))
        }
        switch (template.group, template.kind) {
        case ("networking.k8s.io", "Ingress"), ("extensions", "Ingress"):
            // The TLS Secrets an Ingress names.
            for tls in template.content.value(at: ["spec", "tls"])?.arrayValue ?? [] { add("Secret", tls["secretName"]?.stringValue) }
            return found.sorted()
        case ("multicluster.x-k8s.io", "ServiceImport"):
            // The Service Karmada derives for it.
            add("Service", "derived-\(template.name)")
            return found.sorted()
        default:
            break
        }
        guard let spec = podSpec(of: template) else { return [] }
        let containers = (spec["containers"]?.arrayValue ?? []) + (spec["initContainers"]?.arrayValue ?? [])
        for container in containers {
            for env in container["env"]?.arrayValue ?? [] {
                add("ConfigMap", env.value(at: ["valueFrom", "configMapKeyRef", "name"])?.stringValue)
                add("Secret", env.value(at: ["valueFrom", "secretKeyRef", "name"])?.stringValue)
            }
            for source in container["envFrom"]?.arrayValue ?? [] {
                add("ConfigMap", source.value(at: ["configMapRef", "name"])?.stringValue)
                add("Secret", source.value(at: ["secretRef", "name"])?.stringValue)
            }
        }
        for volume in spec["volumes"]?.arrayValue ?? [] {
            add("ConfigMap", volume.value(at: ["configMap", "name"])?.stringValue)
            add("Secret", volume.value(at: ["secret", "secretName"])?.stringValue)
            add("PersistentVolumeClaim", volume.value(at: ["persistentVolumeClaim", "claimName"])?.stringValue)
            for source in volume.value(at: ["projected", "sources"])?.arrayValue ?? [] {
                add("ConfigMap", source.value(at: ["configMap", "name"])?.stringValue)
                add("Secret", source.value(at: ["secret", "name"])?.stringValue)
            }
        }
        for secret in spec["imagePullSecrets"]?.arrayValue ?? [] { add("Secret", secret["name"]?.stringValue) }
        // Every namespace has the `default` ServiceAccount: not a dependency (as in Karmada).
        if let account = spec["serviceAccountName"]?.stringValue, account != "default" { add("ServiceAccount", account) }
        return found.sorted()
    }
}
