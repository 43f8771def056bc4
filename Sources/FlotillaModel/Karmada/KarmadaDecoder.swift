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
            if let hpa = decodePolicy(FederatedHPAKind.self, metadata, &errors, { $0.validate(federatedHPA: $1) }) {
                manifests.federatedHPAs.append(hpa)
            }
        case "FederatedResourceQuota":
            if let quota = decodePolicy(FederatedResourceQuotaKind.self, metadata, &errors,
                                        { $0.validate(federatedResourceQuota: $1) }) {
                manifests.federatedResourceQuotas.append(quota)
            }
        case "WorkloadRebalancer":
            if let rebalancer = decodePolicy(WorkloadRebalancerKind.self, metadata, &errors,
                                             { $0.validate(workloadRebalancer: $1) }) {
                manifests.workloadRebalancers.append(rebalancer)
            }
        case "CronFederatedHPA":
            if let cron = decodePolicy(CronFederatedHPAKind.self, metadata, &errors,
                                       { $0.validate(cronFederatedHPA: $1) }) {
                manifests.cronFederatedHPAs.append(cron)
            }
        case "ClusterTaintPolicy":
            if let policy = decodePolicy(ClusterTaintPolicyKind.self, metadata, &errors,
                                         { $0.validate(clusterTaintPolicy: $1) }) {
                manifests.clusterTaintPolicies.append(policy)
            }
        case "RolloutPolicy":
            if let policy = decodePolicy(RolloutPolicyKind.self, metadata, &errors,
                                         { $0.validate(rolloutPolicy: $1) }) {
                manifests.rolloutPolicies.append(policy)
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

    /// A Karmada object of a kind whose spec needs no defaulting: decoded, validated, and returned when both passed.
    private func decodePolicy<Kind: KarmadaPolicyKind>(
        _ kind: Kind.Type, _ metadata: ObjectMeta, _ errors: inout [ManifestError],
        _ validate: (KarmadaValidation, Kind.Spec) -> [ManifestError]
    ) -> KarmadaPolicy<Kind>? where Kind.Spec: Codable {
        guard let spec = decodeSpec(Kind.Spec.self, required: true, errors: &errors) else { return nil }
        errors += validate(KarmadaValidation(document: document, kind: self.kind), spec)
        return errors.isEmpty ? KarmadaPolicy(metadata: metadata, spec: spec, location: object.location) : nil
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
