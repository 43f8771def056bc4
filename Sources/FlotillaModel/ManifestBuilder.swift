/// Turns parsed documents into templates and typed Karmada objects, validating each and the set as a whole.
struct ManifestBuilder {
    let documents: [ParsedDocument]
    /// Scopes that CRDs in the source define, keyed `group/kind`: true when cluster-scoped.
    private var customScopes: [String: Bool] = [:]
    private var seen: [ResourceIdentity: SourceLocation] = [:]

    init(documents: [ParsedDocument], customScopes: [String: Bool]? = nil) {
        self.documents = documents
        self.customScopes = customScopes ?? Self.customScopes(of: documents)
    }

    /// The scopes the CRDs among `documents` define, keyed `group/kind`: true when cluster-scoped.
    static func customScopes(of documents: [ParsedDocument]) -> [String: Bool] {
        var scopes: [String: Bool] = [:]
        for document in documents {
            guard document.value["kind"]?.stringValue == "CustomResourceDefinition",
                  let spec = document.value["spec"],
                  let group = spec["group"]?.stringValue,
                  let kind = spec.value(at: ["names", "kind"])?.stringValue
            else { continue }
            scopes["\(group)/\(kind)"] = spec["scope"]?.stringValue == "Cluster"
        }
        return scopes
    }

    /// What one file's documents build to, and the identities they define (to find one defined in two files).
    struct Fragment: Sendable {
        var manifests: Manifests
        var identities: [ResourceIdentity]
    }

    /// Builds the documents on their own (a file's, to be put together with the others by the loader).
    mutating func fragment() -> Fragment {
        var manifests = Manifests()
        build(into: &manifests)
        return Fragment(manifests: manifests, identities: Array(seen.keys))
    }

    /// The Karmada kinds Flotilla reads, as `group/kind`, with the version they must have.
    static let karmadaKinds: Set<String> = [
        "cluster.karmada.io/Cluster", "policy.karmada.io/PropagationPolicy",
        "policy.karmada.io/ClusterPropagationPolicy", "policy.karmada.io/OverridePolicy",
        "policy.karmada.io/ClusterOverridePolicy", "autoscaling.karmada.io/FederatedHPA",
        "policy.karmada.io/FederatedResourceQuota", "apps.karmada.io/WorkloadRebalancer",
        "policy.karmada.io/ClusterTaintPolicy", "autoscaling.karmada.io/CronFederatedHPA",
        "flotilla.dev/RolloutPolicy",
    ]

    /// Karmada API kinds Flotilla accepts in a source but does not act on yet: a real Karmada repository holding them
    /// is valid, and each is reported (`validate`, status) instead of refusing the whole revision.
    static let acceptedKarmadaKinds: Set<String> = [
        "networking.karmada.io/MultiClusterService",
        "networking.karmada.io/MultiClusterIngress",
        "config.karmada.io/ResourceInterpreterCustomization", "config.karmada.io/ResourceInterpreterWebhookConfiguration",
        "search.karmada.io/ResourceRegistry", "remedy.karmada.io/Remedy", "work.karmada.io/Work",
        "work.karmada.io/ResourceBinding", "work.karmada.io/ClusterResourceBinding",
    ]

    mutating func build(into manifests: inout Manifests) {
        for document in documents {
            manifests.readWarnings += document.warnings
            guard let object = header(of: document, errors: &manifests.errors) else { continue }
            let groupKind = "\(object.group)/\(object.kind)"
            if let previous = seen[object.identity] {
                manifests.errors.append(.duplicate(object.identity, first: previous, second: object.location))
                continue
            }
            seen[object.identity] = object.location
            if Self.karmadaKinds.contains(groupKind) {
                guard object.apiVersion.hasSuffix("/v1alpha1") else {
                    manifests.errors.append(.invalidValue(
                        document.location(ofField: "apiVersion"), kind: object.kind, field: "apiVersion",
                        message: "unsupported version \"\(object.apiVersion)\": Flotilla reads \(object.group)/v1alpha1"))
                    continue
                }
                KarmadaDecoder(document: document, object: object).decode(into: &manifests)
            } else if Self.acceptedKarmadaKinds.contains(groupKind) {
                manifests.notActedOn.append(object)
            } else if object.group == "flotilla.dev" {
                manifests.errors.append(.invalidValue(
                    document.location(ofField: "kind"), kind: object.kind, field: "kind",
                    message: "\(object.kind).flotilla.dev is not a Flotilla kind; supported: RolloutPolicy"))
            } else if object.group.hasSuffix("karmada.io") {
                manifests.errors.append(.invalidValue(
                    document.location(ofField: "kind"), kind: object.kind, field: "kind",
                    message: "\(object.kind).\(object.group) is a Karmada control-plane kind Flotilla does not support; "
                        + "supported: Cluster, PropagationPolicy, ClusterPropagationPolicy, OverridePolicy, "
                        + "ClusterOverridePolicy, FederatedHPA, FederatedResourceQuota, "
                        + "WorkloadRebalancer, ClusterTaintPolicy, CronFederatedHPA"))
            } else {
                manifests.templates.append(object)
            }
        }
    }

    /// Checks apiVersion, kind and metadata; returns the object with its namespace settled (defaulted to
    /// `default` for namespaced kinds, removed for cluster-scoped ones), or nil after recording errors.
    private func header(of document: ParsedDocument, errors: inout [ManifestError]) -> KubernetesObject? {
        guard case .object = document.value else {
            errors.append(.notAnObject(document.location, found: document.value.typeName))
            return nil
        }
        let kindName = document.value["kind"]?.stringValue
        var valid = true
        for field in ["apiVersion", "kind"] {
            switch document.value[field] {
            case .string(let text) where !text.isEmpty:
                continue
            case nil, .null?, .string?:
                errors.append(.missingField(document.location, kind: kindName, field: field))
            case let other?:
                errors.append(.invalidValue(document.location(ofField: field), kind: kindName, field: field,
                                            message: "expected a string, found \(other.typeName)"))
            }
            valid = false
        }
        guard valid, let kind = kindName else { return nil }
        var object = KubernetesObject(content: document.value, location: document.location)
        guard case .object = object.content["metadata"] ?? .null else {
            errors.append(.missingField(document.location, kind: kind, field: "metadata.name"))
            return nil
        }
        guard case .string(let name)? = object.content.value(at: ["metadata", "name"]), !name.isEmpty else {
            if object.content.value(at: ["metadata", "generateName"]) != nil {
                errors.append(.invalidValue(document.location(ofField: "metadata.generateName"), kind: kind,
                                            field: "metadata.generateName",
                                            message: "generateName cannot be reconciled: set metadata.name"))
            } else {
                errors.append(.missingField(document.location(ofField: "metadata"), kind: kind,
                                            field: "metadata.name"))
            }
            return nil
        }
        if let problem = ResourceNames.nameProblem(group: object.group, kind: kind, name: name) {
            errors.append(.invalidName(document.location(ofField: "metadata.name"), field: "metadata.name",
                                       value: name, rule: problem))
            return nil
        }
        let groupKind = "\(object.group)/\(kind)"
        let clusterScoped = customScopes[groupKind] ?? ResourceNames.clusterScopedKinds.contains(groupKind)
        var metadata = object.content["metadata"] ?? .object([:])
        if clusterScoped {
            metadata["namespace"] = nil
        } else {
            switch metadata["namespace"] {
            case nil, .null?, .string("")?:
                metadata["namespace"] = .string("default")
            case .string(let namespace)?:
                if let problem = ResourceNames.dns1123LabelProblem(namespace) {
                    errors.append(.invalidName(document.location(ofField: "metadata.namespace"),
                                               field: "metadata.namespace", value: namespace, rule: problem))
                    return nil
                }
            case let other?:
                errors.append(.invalidValue(document.location(ofField: "metadata.namespace"), kind: kind,
                                            field: "metadata.namespace",
                                            message: "expected a string, found \(other.typeName)"))
                return nil
            }
        }
        for field in ["labels", "annotations"] {
            guard let map = metadata[field], !map.isNull else { continue }
            let allStrings = map.objectValue?.values.allSatisfy { $0.stringValue != nil } ?? false
            if !allStrings {
                errors.append(.invalidValue(document.location(ofField: "metadata.\(field)"), kind: kind,
                                            field: "metadata.\(field)",
                                            message: "must be a map of strings (quote numbers and booleans)"))
                return nil
            }
        }
        if let problem = Self.labelProblem(in: object.content) {
            errors.append(.invalidValue(document.location(ofField: problem.path), kind: kind, field: problem.path,
                                        message: problem.message))
            return nil
        }
        if let problem = Self.quantityProblem(in: object.content) {
            errors.append(.invalidValue(document.location(ofField: problem.path), kind: kind, field: problem.path,
                                        message: problem.message))
            return nil
        }
        object.content["metadata"] = metadata
        return object
    }

    /// The first label (of the object, or of its pod template) whose key or value the API server would refuse.
    static func labelProblem(in content: JSONValue) -> (path: String, message: String)? {
        for path in [["metadata", "labels"], ["spec", "template", "metadata", "labels"]] {
            guard let labels = content.value(at: path)?.objectValue else { continue }
            for key in labels.keys.sorted() {
                let field = (path + [key]).joined(separator: ".")
                if let problem = ResourceNames.labelKeyProblem(key) {
                    return (field, "invalid label key \"\(key)\": \(problem)")
                }
                if let value = labels[key]?.stringValue, let problem = ResourceNames.labelValueProblem(value) {
                    return (field, "invalid label value \"\(value)\": \(problem)")
                }
            }
        }
        return nil
    }

    /// The first container resource quantity (requests, limits, pod overhead) that is not a quantity or is out of
    /// range (its thousandths do not fit 64 bits, as Kubernetes requires): nil when all are fine.
    static func quantityProblem(in content: JSONValue) -> (path: String, message: String)? {
        var specs: [(String, JSONValue)] = []
        if let pod = content.value(at: ["spec", "template", "spec"]) { specs.append(("spec.template.spec", pod)) }
        if let pod = content.value(at: ["spec", "jobTemplate", "spec", "template", "spec"]) {
            specs.append(("spec.jobTemplate.spec.template.spec", pod))
        }
        if content["kind"]?.stringValue == "Pod", let pod = content["spec"] { specs.append(("spec", pod)) }
        func check(_ value: JSONValue, _ path: String) -> (path: String, message: String)? {
            var text = value.stringValue ?? value.intValue.map(String.init)
            if case .double(let number) = value { text = "\(number)" }
            guard let text else { return (path, "must be a quantity (a string such as \"500m\" or \"1Gi\")") }
            let quantity = Quantity(text)
            // The fast path first: thousands of templates are checked on every load.
            if quantity.milliValue != nil { return nil }
            guard quantity.decimalValue != nil else { return (path, "\"\(text)\" is not a quantity") }
            return (path, "\"\(text)\" is out of range")
        }
        for (prefix, pod) in specs {
            for list in ["initContainers", "containers"] {
                for (index, container) in (pod[list]?.arrayValue ?? []).enumerated() {
                    for section in ["requests", "limits"] {
                        let members = container.value(at: ["resources", section])?.objectValue ?? [:]
                        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
                            let path = "\(prefix).\(list)[\(index)].resources.\(section).\(name)"
                            if let problem = check(value, path) { return problem }
                        }
                    }
                }
            }
            for (name, value) in (pod["overhead"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                if let problem = check(value, "\(prefix).overhead.\(name)") { return problem }
            }
        }
        return nil
    }
}
