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

    /// The replicas of a workload (Deployment, ReplicaSet and StatefulSet default to 1; a Job's parallelism);
    /// nil for kinds without replicas.
    public static func replicas(of template: KubernetesObject) -> Int32? {
        switch template.kind {
        case "Deployment", "ReplicaSet", "StatefulSet":
            return Int32(clamping: template.content.value(at: ["spec", "replicas"])?.intValue ?? 1)
        case "Job":
            return Int32(clamping: template.content.value(at: ["spec", "parallelism"])?.intValue ?? 1)
        default:
            return nil
        }
    }

    /// Per-replica requests: the sum over containers, raised to any larger init container's request.
    public static func resourceRequest(of template: KubernetesObject) -> ResourceRequest? {
        guard let spec = podSpec(of: template) else { return nil }
        var total: [String: Int64] = [:]
        for container in spec["containers"]?.arrayValue ?? [] {
            for (name, quantity) in requests(of: container) { total[name, default: 0] += quantity }
        }
        for container in spec["initContainers"]?.arrayValue ?? [] {
            for (name, quantity) in requests(of: container) { total[name] = max(total[name] ?? 0, quantity) }
        }
        guard !total.isEmpty else { return nil }
        // CPU was summed in millicores and is written back as such, so the estimator reads it exactly.
        return Dictionary(uniqueKeysWithValues: total.map { name, amount in
            (name, Quantity(name == "cpu" ? "\(amount)m" : "\(amount)"))
        })
    }

    private static func requests(of container: JSONValue) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for (name, value) in container.value(at: ["resources", "requests"])?.objectValue ?? [:] {
            let quantity = Quantity(value.stringValue ?? value.intValue.map(String.init) ?? "")
            if let amount = quantity.amount(for: name) { result[name] = amount }
        }
        return result
    }

    /// The objects a workload's pods reference, as identities in the template's namespace: ConfigMaps and Secrets
    /// (volumes, env, envFrom, projected sources, image pull secrets), PersistentVolumeClaims and the ServiceAccount.
    public static func dependencies(of template: KubernetesObject) -> [ResourceIdentity] {
        guard let spec = podSpec(of: template), let namespace = template.namespace else { return [] }
        var found: Set<ResourceIdentity> = []
        func add(_ kind: String, _ name: String?) {
            guard let name, !name.isEmpty else { return }
            found.insert(ResourceIdentity(group: "", kind: kind, namespace: namespace, name: name))
        }
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
        add("ServiceAccount", spec["serviceAccountName"]?.stringValue)
        return found.sorted()
    }
}
