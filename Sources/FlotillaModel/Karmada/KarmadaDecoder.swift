/// Decodes one Karmada document into its typed value and runs Karmada's validation on it.
struct KarmadaDecoder {
    let document: ParsedDocument
    let object: KubernetesObject

    private var kind: String { object.kind }

    func decode(into manifests: inout Manifests) {
        var errors: [ManifestError] = []
        let metadata = ObjectMeta(object)
        switch kind {
        case "Cluster":
            if let spec = decodeSpec(ClusterSpec.self, required: true, errors: &errors) {
                var status: ClusterStatus?
                if let rawStatus = object.content["status"], !rawStatus.isNull {
                    status = decodeField(ClusterStatus.self, rawStatus, at: "status", errors: &errors)
                }
                errors += KarmadaValidation(document: document, kind: kind).validate(cluster: spec)
                if errors.isEmpty {
                    manifests.clusters.append(Cluster(metadata: metadata, spec: spec, status: status,
                                                      location: object.location))
                }
            }
        case "PropagationPolicy", "ClusterPropagationPolicy":
            if var spec = decodeSpec(PropagationSpec.self, required: true, errors: &errors) {
                let namespaced = kind == "PropagationPolicy"
                if namespaced {
                    spec.resourceSelectors = spec.resourceSelectors.map { selector in
                        var defaulted = selector
                        if (defaulted.namespace ?? "").isEmpty { defaulted.namespace = metadata.namespace }
                        return defaulted
                    }
                }
                errors += KarmadaValidation(document: document, kind: kind)
                    .validate(propagation: spec, policyNamespace: namespaced ? metadata.namespace : nil)
                spec = spec.defaulted()
                if errors.isEmpty {
                    if namespaced {
                        manifests.propagationPolicies.append(
                            PropagationPolicy(metadata: metadata, spec: spec, location: object.location))
                    } else {
                        manifests.clusterPropagationPolicies.append(
                            ClusterPropagationPolicy(metadata: metadata, spec: spec, location: object.location))
                    }
                }
            }
        case "OverridePolicy", "ClusterOverridePolicy":
            if var spec = decodeSpec(OverrideSpec.self, required: true, errors: &errors) {
                let namespaced = kind == "OverridePolicy"
                if namespaced {
                    spec.resourceSelectors = spec.resourceSelectors?.map { selector in
                        var defaulted = selector
                        if (defaulted.namespace ?? "").isEmpty { defaulted.namespace = metadata.namespace }
                        return defaulted
                    }
                }
                errors += KarmadaValidation(document: document, kind: kind)
                    .validate(override: spec, policyNamespace: namespaced ? metadata.namespace : nil)
                if errors.isEmpty {
                    if namespaced {
                        manifests.overridePolicies.append(
                            OverridePolicy(metadata: metadata, spec: spec, location: object.location))
                    } else {
                        manifests.clusterOverridePolicies.append(
                            ClusterOverridePolicy(metadata: metadata, spec: spec, location: object.location))
                    }
                }
            }
        case "FederatedHPA":
            if let spec = decodeSpec(FederatedHPASpec.self, required: true, errors: &errors) {
                errors += KarmadaValidation(document: document, kind: kind).validate(federatedHPA: spec)
                if errors.isEmpty {
                    manifests.federatedHPAs.append(FederatedHPA(metadata: metadata, spec: spec,
                                                                location: object.location))
                }
            }
        case "FederatedResourceQuota":
            if let spec = decodeSpec(FederatedResourceQuotaSpec.self, required: true, errors: &errors) {
                errors += KarmadaValidation(document: document, kind: kind).validate(federatedResourceQuota: spec)
                if errors.isEmpty {
                    manifests.federatedResourceQuotas.append(
                        FederatedResourceQuota(metadata: metadata, spec: spec, location: object.location))
                }
            }
        case "WorkloadRebalancer":
            if let spec = decodeSpec(WorkloadRebalancerSpec.self, required: true, errors: &errors) {
                errors += KarmadaValidation(document: document, kind: kind).validate(workloadRebalancer: spec)
                if errors.isEmpty {
                    manifests.workloadRebalancers.append(
                        WorkloadRebalancer(metadata: metadata, spec: spec, location: object.location))
                }
            }
        case "ClusterTaintPolicy":
            if let spec = decodeSpec(ClusterTaintPolicySpec.self, required: true, errors: &errors) {
                errors += KarmadaValidation(document: document, kind: kind).validate(clusterTaintPolicy: spec)
                if errors.isEmpty {
                    manifests.clusterTaintPolicies.append(
                        ClusterTaintPolicy(metadata: metadata, spec: spec, location: object.location))
                }
            }
        default:
            break
        }
        for field in object.content.objectValue?.keys.sorted() ?? []
        where !["apiVersion", "kind", "metadata", "spec", "status"].contains(field) {
            errors.append(.unknownField(document.location(ofField: field), kind: kind, field: field))
        }
        if kind != "Cluster", let status = object.content["status"], !status.isNull, status != .object([:]) {
            errors.append(.unknownField(document.location(ofField: "status"), kind: kind, field: "status"))
        }
        manifests.errors += errors
    }

    private func decodeSpec<T: Codable & Sendable>(_ type: T.Type, required: Bool, errors: inout [ManifestError]) -> T? {
        guard let spec = object.content["spec"], !spec.isNull else {
            errors.append(.missingField(document.location, kind: kind, field: "spec"))
            return nil
        }
        return decodeField(type, spec, at: "spec", errors: &errors)
    }

    private func decodeField<T: Codable & Sendable>(_ type: T.Type, _ value: JSONValue, at path: String,
                                         errors: inout [ManifestError]) -> T? {
        switch StrictDecoder.decode(type, from: value, at: path, kind: kind, document: document) {
        case .success(let decoded):
            return decoded
        case .failure(let failures):
            errors += failures.all
            return nil
        }
    }
}
