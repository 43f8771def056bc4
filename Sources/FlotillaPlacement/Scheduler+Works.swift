import FlotillaModel

extension Scheduler {
    /// The label every object Flotilla applies carries.
    public static let managedByLabel = "app.kubernetes.io/managed-by"
    /// The annotation naming the source path and revision of a work.
    public static let sourceAnnotation = "flotilla.dev/source"
    /// The annotation naming the policy that placed a work.
    public static let policyAnnotation = "flotilla.dev/policy"

    /// Renders the work of each target cluster: the template without server-set fields, the cluster's replicas
    /// when they are divided, the override rules for that cluster, and the ownership label and annotations.
    func renderWorks(_ placement: inout TemplatePlacement, strategy: ReplicaStrategy, context: Context) {
        placement.works = [:]
        placement.overrides = [:]
        placement.overrideErrors = []
        guard rendersWorks else { return }
        let clustersByName = context.clustersByName
        var errors: [String] = []
        let clusterRules = OverrideApplication.clusterCandidates(for: placement.template,
                                                                 manifests.clusterOverridePolicies)
        let namespaceRules = OverrideApplication.namespaceCandidates(for: placement.template, manifests.overridePolicies)
        let base = Self.strippingServerFields(placement.template.content)
        let policyName = placement.policy.map { JSONValue.string($0.description) }
        let sourceName = JSONValue.string(source)
        let managedByValue = JSONValue.string(managedBy)
        let divided = placement.hasReplicas && strategy != .duplicated
        // A divided Job's completions are divided too, by Webster with each cluster's parallelism as its weight.
        let completions = divided ? Self.jobCompletions(placement) : [:]
        for target in placement.clusters {
            guard let cluster = clustersByName[target.name] else { continue }
            var object = base
            if divided, let field = WorkloadInterpreter.replicasField(of: placement.template) {
                object["spec"]?[field] = .int(Int64(target.replicas))
            }
            if let share = completions[target.name] { object["spec"]?["completions"] = .int(Int64(share)) }
            let rules: [AppliedOverride]
            do {
                (object, rules) = try OverrideApplication.render(object, template: placement.template, cluster: cluster,
                                                                 clusterRules: clusterRules, namespaceRules: namespaceRules,
                                                                 overridePolicies: manifests.overridePolicies)
            } catch {
                errors.append(error.description)
                placement.overrideErrors.append(error)
                continue
            }
            placement.works[cluster.name] = stamped(object, managedBy: managedByValue, source: sourceName,
                                                    policy: policyName)
            if !rules.isEmpty { placement.overrides[cluster.name] = rules }
        }
        if !errors.isEmpty {
            placement.error = errors.joined(separator: "; ")
        }
    }

    /// The object with the ownership label and the source and policy annotations.
    func stamped(_ object: JSONValue, managedBy: JSONValue, source sourceName: JSONValue,
                 policy: JSONValue?) -> JSONValue {
        var object = object
        var metadata = object["metadata"] ?? .object([:])
        var labels = metadata["labels"]?.objectValue ?? [:]
        labels[Self.managedByLabel] = managedBy
        metadata["labels"] = .object(labels)
        var annotations = metadata["annotations"]?.objectValue ?? [:]
        if !source.isEmpty { annotations[Self.sourceAnnotation] = sourceName }
        if let policy { annotations[Self.policyAnnotation] = policy }
        metadata["annotations"] = .object(annotations)
        object["metadata"] = metadata
        return object
    }

    /// A FederatedResourceQuota's placement: a `ResourceQuota` of its name, in its namespace, on every statically
    /// assigned cluster (Karmada's static assignment). A cluster that is not registered is an error for its share.
    func quotaPlacement(_ quota: FederatedResourceQuota, context: Context) -> TemplatePlacement {
        let template = KubernetesObject(content: .object([
            "apiVersion": .string("policy.karmada.io/v1alpha1"), "kind": .string(FederatedResourceQuotaKind.kind),
            "metadata": .object(["name": .string(quota.metadata.name),
                                 "namespace": .string(quota.metadata.namespace ?? "default")]),
        ]), location: quota.location)
        let reference = PolicyReference(kind: FederatedResourceQuotaKind.kind,
                                        namespace: quota.metadata.namespace ?? "default", name: quota.metadata.name)
        var works: [String: JSONValue] = [:]
        var missing: [String] = []
        for (cluster, object) in quota.resourceQuotas.sorted(by: { $0.key < $1.key }) {
            guard context.clustersByName[cluster] != nil else { missing.append(cluster); continue }
            works[cluster] = stamped(object, managedBy: .string(managedBy), source: .string(source),
                                     policy: .string(reference.description))
        }
        let clusters = works.keys.sorted().map { TargetCluster(name: $0, replicas: 0) }
        var placement = TemplatePlacement(template: template, policy: reference, clusters: clusters, hasReplicas: false,
                                          decisions: [], works: rendersWorks ? works : [:], overrides: [:],
                                          error: missing.isEmpty ? nil
                                              : "staticAssignments name clusters that are not registered: "
                                                + missing.joined(separator: ", "))
        placement.reused = false
        return placement
    }

    /// The object without the fields a server sets (status, uid, resourceVersion, managedFields ...).
    static func strippingServerFields(_ object: JSONValue) -> JSONValue {
        var result = object
        result["status"] = nil
        if var metadata = result["metadata"] {
            for field in ["uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
                          "deletionTimestamp", "deletionGracePeriodSeconds"] {
                metadata[field] = nil
            }
            result["metadata"] = metadata
        }
        return result
    }

    /// A divided Job's `spec.completions` per cluster (Karmada's `DivideReplicasByJobCompletions`): dispensed by
    /// Webster with the clusters' parallelism as weights; empty for other kinds, or a Job without completions.
    static func jobCompletions(_ placement: TemplatePlacement) -> [String: Int32] {
        guard placement.template.kind == "Job", placement.template.group == "batch",
              let total = placement.template.content.value(at: ["spec", "completions"])?.intValue,
              placement.clusters.contains(where: { $0.replicas > 0 }) else { return [:] }
        var dispenser = ReplicaDispenser(numReplicas: Int32(clamping: total))
        dispenser.allocate(byWeight: placement.clusters.map { ($0.name, Int64($0.replicas)) })
        return Dictionary(uniqueKeysWithValues: dispenser.result.map { ($0.name, $0.replicas) })
    }
}
