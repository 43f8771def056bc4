import FlotillaModel

/// Unknown fields, as the API server treats them: a custom resource is pruned to its CRD's structural schema
/// (`x-kubernetes-preserve-unknown-fields` keeps what is below it), a built-in kind to the fields its type has at
/// the top level, and every object's `metadata` to ObjectMeta's. What is dropped depends on the request's
/// `fieldValidation`: `Strict` refuses the request (400), `Warn` (the default) drops the fields and warns, `Ignore`
/// drops them silently.
enum SimPruning {
    /// What a kind's objects may hold.
    enum Schema {
        /// A CRD's `openAPIV3Schema` for the version.
        case structural(JSONValue)
        /// A built-in kind: its top-level fields (beside apiVersion, kind and metadata); nil keeps everything.
        case builtIn(Set<String>?)
    }

    static let objectMeta: Set<String> = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
        "managedFields",
    ]

    /// The top-level fields of the built-in kinds the simulator serves.
    static func topLevel(kind: String) -> Set<String>? {
        switch kind {
        case "ConfigMap": return ["data", "binaryData", "immutable"]
        case "Secret": return ["data", "stringData", "type", "immutable"]
        case "ServiceAccount": return ["secrets", "imagePullSecrets", "automountServiceAccountToken"]
        case "Role": return ["rules"]
        case "ClusterRole": return ["rules", "aggregationRule"]
        case "RoleBinding", "ClusterRoleBinding": return ["subjects", "roleRef"]
        case "Namespace", "Node", "Service", "PersistentVolumeClaim", "PersistentVolume", "Pod", "Deployment",
             "StatefulSet", "ReplicaSet", "DaemonSet", "Job", "CronJob", "Ingress", "NetworkPolicy", "IngressClass",
             "HorizontalPodAutoscaler", "Lease", "CustomResourceDefinition":
            return ["spec", "status"]
        default: return nil
        }
    }

    /// The object without the fields the schema does not declare, and their paths (sorted).
    static func prune(_ object: JSONValue, schema: Schema) -> (JSONValue, [String]) {
        guard case .object(var members) = object else { return (object, []) }
        var dropped: [String] = []
        if case .object(let metadata)? = members["metadata"] {
            var kept = metadata
            for key in metadata.keys.sorted() where !objectMeta.contains(key) {
                kept[key] = nil
                dropped.append("metadata.\(key)")
            }
            members["metadata"] = .object(kept)
        }
        switch schema {
        case .builtIn(nil):
            break
        case .builtIn(let fields?):
            for key in members.keys.sorted() where !["apiVersion", "kind", "metadata"].contains(key) && !fields.contains(key) {
                members[key] = nil
                dropped.append(key)
            }
        case .structural(let root):
            for key in members.keys.sorted() where !["apiVersion", "kind", "metadata"].contains(key) {
                guard let value = members[key] else { continue }
                if let property = root["properties"]?[key] {
                    members[key] = prune(value, property, path: key, dropped: &dropped)
                } else if !preservesUnknown(root) {
                    members[key] = nil
                    dropped.append(key)
                }
            }
        }
        return (.object(members), dropped.sorted())
    }

    static func preservesUnknown(_ schema: JSONValue) -> Bool {
        schema["x-kubernetes-preserve-unknown-fields"] == .bool(true)
    }

    /// Prunes a value below the root by its schema node.
    private static func prune(_ value: JSONValue, _ schema: JSONValue, path: String, dropped: inout [String]) -> JSONValue {
        switch value {
        case .object(var members):
            let properties = schema["properties"]?.objectValue
            let additional = schema["additionalProperties"]
            let embedded = schema["x-kubernetes-embedded-resource"] == .bool(true)
            // (An object node that declares no properties keeps nothing unless it preserves unknown fields, as in a
            // real server: the classic surprise of a CRD schema written as a bare `type: object`.)
            for key in members.keys.sorted() {
                guard let child = members[key] else { continue }
                let childPath = "\(path).\(key)"
                if let property = properties?[key] {
                    members[key] = prune(child, property, path: childPath, dropped: &dropped)
                } else if let additional, case .object = additional {
                    members[key] = prune(child, additional, path: childPath, dropped: &dropped)
                } else if additional == .bool(true) || preservesUnknown(schema)
                            || (embedded && ["apiVersion", "kind", "metadata"].contains(key)) {
                    continue
                } else {
                    members[key] = nil
                    dropped.append(childPath)
                }
            }
            return .object(members)
        case .array(let items):
            guard let itemSchema = schema["items"], case .object = itemSchema else { return value }
            return .array(items.enumerated().map { index, item in
                prune(item, itemSchema, path: "\(path)[\(index)]", dropped: &dropped)
            })
        default:
            return value
        }
    }
}
