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
        for target in placement.clusters {
            guard let cluster = clustersByName[target.name] else { continue }
            var object = base
            if placement.hasReplicas && strategy != .duplicated {
                object["spec"]?["replicas"] = .int(Int64(target.replicas))
            }
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
            var metadata = object["metadata"] ?? .object([:])
            var labels = metadata["labels"]?.objectValue ?? [:]
            labels[Self.managedByLabel] = managedByValue
            metadata["labels"] = .object(labels)
            var annotations = metadata["annotations"]?.objectValue ?? [:]
            if !source.isEmpty { annotations[Self.sourceAnnotation] = sourceName }
            if let policyName { annotations[Self.policyAnnotation] = policyName }
            metadata["annotations"] = .object(annotations)
            object["metadata"] = metadata
            placement.works[cluster.name] = object
            if !rules.isEmpty { placement.overrides[cluster.name] = rules }
        }
        if !errors.isEmpty {
            placement.error = errors.joined(separator: "; ")
        }
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
}
