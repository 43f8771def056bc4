/// Karmada's webhook validation of policies, Clusters and FederatedHPAs (`pkg/util/validation`), reported with
/// the field path and line of each problem.
struct KarmadaValidation {
    let document: ParsedDocument
    let kind: String

    func invalid(_ field: String, _ message: String) -> ManifestError {
        .invalidValue(document.location(ofField: field), kind: kind, field: field, message: message)
    }

    func validate(cluster spec: ClusterSpec) -> [ManifestError] {
        var errors: [ManifestError] = []
        if let endpoint = spec.apiEndpoint, !endpoint.hasPrefix("https://"), !endpoint.hasPrefix("http://") {
            errors.append(invalid("spec.apiEndpoint", "must be an http:// or https:// URL"))
        }
        for (index, taint) in (spec.taints ?? []).enumerated() where taint.key.isEmpty {
            errors.append(invalid("spec.taints[\(index)].key", "must not be empty"))
        }
        // The name becomes a file name under --credentials: only a Secret name (DNS-1123 subdomain) is accepted.
        if let name = spec.secretRef?.name, let problem = ResourceNames.dns1123SubdomainProblem(name) {
            errors.append(invalid("spec.secretRef.name", problem))
        }
        return errors
    }

    func validate(propagation spec: PropagationSpec, policyNamespace: String?) -> [ManifestError] {
        var errors: [ManifestError] = []
        if spec.resourceSelectors.isEmpty {
            errors.append(invalid("spec.resourceSelectors", "must select at least one resource"))
        }
        errors += validate(selectors: spec.resourceSelectors, policyNamespace: policyNamespace)
        if spec.preemption == .always {
            for (index, selector) in spec.resourceSelectors.enumerated() where (selector.name ?? "").isEmpty {
                errors.append(invalid("spec.resourceSelectors[\(index)].name",
                                      "preemption Always requires every resource selector to name a resource"))
            }
        }
        if spec.failover?.application != nil && !spec.propagatesDependencies {
            errors.append(invalid("spec.propagateDeps", "application failover requires propagateDeps: true"))
        }
        if let application = spec.failover?.application {
            let mode = application.purgeMode ?? .gracefully
            if let grace = application.gracePeriodSeconds {
                if mode != .gracefully && mode != .graciously {
                    errors.append(invalid("spec.failover.application.gracePeriodSeconds",
                                          "only allowed when purgeMode is Gracefully"))
                } else if grace <= 0 {
                    errors.append(invalid("spec.failover.application.gracePeriodSeconds", "must be greater than 0"))
                }
            }
            for (index, rule) in (application.statePreservation?.rules ?? []).enumerated() {
                let field = "spec.failover.application.statePreservation.rules[\(index)]"
                if rule.aliasLabelName.isEmpty { errors.append(invalid("\(field).aliasLabelName", "must not be empty")) }
                do { _ = try JSONPath(rule.jsonPath) } catch {
                    errors.append(invalid("\(field).jsonPath", error.description))
                }
            }
            if let seconds = application.decisionConditions?.tolerationSeconds, seconds < 0 {
                errors.append(invalid("spec.failover.application.decisionConditions.tolerationSeconds",
                                      "must be greater than or equal to 0"))
            }
        }
        if spec.suspension?.dispatching != nil && spec.suspension?.dispatchingOnClusters != nil {
            errors.append(invalid("spec.suspension", "dispatching and dispatchingOnClusters are mutually exclusive"))
        }
        if let placement = spec.placement {
            errors += validate(placement: placement)
        }
        return errors
    }

    private func validate(placement: Placement) -> [ManifestError] {
        var errors: [ManifestError] = []
        let base = "spec.placement"
        if placement.clusterAffinity != nil && placement.clusterAffinities != nil {
            errors.append(invalid("\(base).clusterAffinities",
                                  "clusterAffinities cannot be used together with clusterAffinity"))
        }
        if let affinity = placement.clusterAffinity {
            errors += validate(affinity: affinity, at: "\(base).clusterAffinity")
        }
        let strategy = placement.replicaScheduling
        let overflowAllowed = strategy?.replicaDivisionPreference == .aggregated
            || strategy?.weightPreference?.dynamicWeight != nil
        var names: Set<String> = []
        for (index, term) in (placement.clusterAffinities ?? []).enumerated() {
            let path = "\(base).clusterAffinities[\(index)]"
            if term.affinityName.isEmpty {
                errors.append(invalid("\(path).affinityName", "must not be empty"))
            } else if !names.insert(term.affinityName).inserted {
                errors.append(invalid("\(path).affinityName", "duplicate affinityName \"\(term.affinityName)\""))
            }
            errors += validate(affinity: term.affinity, at: path)
            for (overflowIndex, overflow) in (term.overflowAffinities ?? []).enumerated() {
                errors += validate(affinity: overflow, at: "\(path).overflowAffinities[\(overflowIndex)]")
            }
            if !(term.overflowAffinities ?? []).isEmpty && !overflowAllowed {
                errors.append(invalid("\(path).overflowAffinities",
                                      "only allowed with dynamic weight or Aggregated replica division"))
            }
        }
        errors += validate(spreadConstraints: placement.spreadConstraints ?? [], at: "\(base).spreadConstraints")
        for (index, weight) in (strategy?.weightPreference?.staticWeightList ?? []).enumerated() {
            let path = "\(base).replicaScheduling.weightPreference.staticWeightList[\(index)]"
            if weight.weight < 1 {
                errors.append(invalid("\(path).weight", "must be greater than or equal to 1"))
            }
            errors += validate(affinity: weight.targetCluster, at: "\(path).targetCluster")
        }
        return errors
    }

    private func validate(spreadConstraints: [SpreadConstraint], at base: String) -> [ManifestError] {
        var errors: [ManifestError] = []
        var fields: Set<SpreadByField> = []
        for (index, constraint) in spreadConstraints.enumerated() {
            let path = "\(base)[\(index)]"
            if constraint.spreadByField != nil && !(constraint.spreadByLabel ?? "").isEmpty {
                errors.append(invalid(path, "spreadByLabel should not co-exist with spreadByField"))
            }
            let minGroups = constraint.minGroups ?? 0
            let maxGroups = constraint.maxGroups ?? 0
            if minGroups < 0 || maxGroups < 0 {
                errors.append(invalid(path, "minGroups and maxGroups must be greater than or equal to 0"))
            } else if maxGroups > 0 && maxGroups < minGroups {
                errors.append(invalid("\(path).maxGroups", "maxGroups lower than minGroups is not allowed"))
            }
            if let field = constraint.spreadByField, !fields.insert(field).inserted {
                errors.append(invalid("\(path).spreadByField", "duplicate spreadByField \"\(field.rawValue)\""))
            }
        }
        if !fields.isEmpty && !fields.contains(.cluster) {
            errors.append(invalid(base, "the cluster spread constraint must be enabled in one of the constraints "
                                    + "when another spreadByField is used"))
        }
        return errors
    }

    private func validate(affinity: ClusterAffinity, at path: String) -> [ManifestError] {
        var errors: [ManifestError] = []
        if let selector = affinity.labelSelector {
            errors += validate(labelSelector: selector, at: "\(path).labelSelector")
        }
        for (index, requirement) in (affinity.fieldSelector?.matchExpressions ?? []).enumerated() {
            let field = "\(path).fieldSelector.matchExpressions[\(index)]"
            if !["provider", "region", "zone"].contains(requirement.key) {
                errors.append(invalid("\(field).key", "unsupported key \"\(requirement.key)\": must be one of "
                                        + "\"provider\", \"region\", \"zone\""))
            }
            if requirement.operator != .in && requirement.operator != .notIn {
                errors.append(invalid("\(field).operator", "unsupported operator \"\(requirement.operator.rawValue)\""
                                        + ": must be one of \"In\", \"NotIn\""))
            }
        }
        return errors
    }

    func validate(labelSelector: LabelSelector, at path: String) -> [ManifestError] {
        var errors: [ManifestError] = []
        for (index, requirement) in (labelSelector.matchExpressions ?? []).enumerated() {
            let field = "\(path).matchExpressions[\(index)]"
            let values = requirement.values ?? []
            switch requirement.operator {
            case .in, .notIn:
                if values.isEmpty {
                    errors.append(invalid("\(field).values", "must be specified when operator is In or NotIn"))
                }
            case .exists, .doesNotExist:
                if !values.isEmpty {
                    errors.append(invalid("\(field).values",
                                          "may not be specified when operator is Exists or DoesNotExist"))
                }
            case .gt, .lt:
                errors.append(invalid("\(field).operator", "a label selector does not support \(requirement.operator.rawValue)"))
            }
            if requirement.key.isEmpty {
                errors.append(invalid("\(field).key", "must not be empty"))
            }
        }
        return errors
    }

    func validate(selectors: [ResourceSelector], policyNamespace: String?) -> [ManifestError] {
        var errors: [ManifestError] = []
        for (index, selector) in selectors.enumerated() {
            let path = "spec.resourceSelectors[\(index)]"
            if selector.apiVersion.isEmpty { errors.append(invalid("\(path).apiVersion", "must not be empty")) }
            if selector.kind.isEmpty { errors.append(invalid("\(path).kind", "must not be empty")) }
            if let policyNamespace, let namespace = selector.namespace, namespace != policyNamespace {
                errors.append(invalid("\(path).namespace", "\"\(namespace)\" differs from the policy's namespace "
                                        + "\"\(policyNamespace)\": a namespaced policy selects its own namespace only"))
            }
            if let selector = selector.labelSelector {
                errors += validate(labelSelector: selector, at: "\(path).labelSelector")
            }
        }
        return errors
    }

    func validate(override spec: OverrideSpec, policyNamespace: String?) -> [ManifestError] {
        var errors = validate(selectors: spec.resourceSelectors ?? [], policyNamespace: policyNamespace)
        // Karmada's `overriders` is a struct, not a pointer: an empty `overriders: {}` beside the rules is its zero
        // value, which admission accepts.
        if !(spec.overrideRules ?? []).isEmpty && (spec.targetCluster != nil || !(spec.overriders?.isEmpty ?? true)) {
            errors.append(invalid("spec.overrideRules",
                                  "overrideRules cannot be used together with targetCluster or overriders"))
        }
        for (index, rule) in (spec.overrideRules ?? []).enumerated() {
            let path = "spec.overrideRules[\(index)]"
            if let target = rule.targetCluster {
                errors += validate(affinity: target, at: "\(path).targetCluster")
            }
            errors += validate(overriders: rule.overriders, at: "\(path).overriders")
        }
        if let target = spec.targetCluster {
            errors += validate(affinity: target, at: "spec.targetCluster")
        }
        if let overriders = spec.overriders {
            errors += validate(overriders: overriders, at: "spec.overriders")
        }
        return errors
    }

    private func validate(overriders: Overriders, at base: String) -> [ManifestError] {
        var errors: [ManifestError] = []
        for (index, plaintext) in (overriders.plaintext ?? []).enumerated() {
            let path = "\(base).plaintext[\(index)]"
            if !plaintext.path.hasPrefix("/") {
                errors.append(invalid("\(path).path", "must be a JSON pointer starting with \"/\""))
            }
            // Karmada's admission never looks at plaintext values (KARMADA.md H.O3): `add`/`replace` without one
            // writes null, `remove` ignores one.
        }
        for (index, image) in (overriders.imageOverrider ?? []).enumerated() {
            let path = "\(base).imageOverrider[\(index)]"
            if let predicate = image.predicate, !predicate.path.hasPrefix("/") {
                errors.append(invalid("\(path).predicate.path", "must be a path starting with \"/\""))
            }
            if image.operator != .remove && (image.value ?? "").isEmpty && image.component != .repository {
                errors.append(invalid("\(path).value", "value is required for operator \(image.operator.rawValue)"))
            }
        }
        for (name, list) in [("commandOverrider", overriders.commandOverrider ?? []),
                             ("argsOverrider", overriders.argsOverrider ?? [])] {
            for (index, item) in list.enumerated() where item.containerName.isEmpty {
                errors.append(invalid("\(base).\(name)[\(index)].containerName", "must not be empty"))
            }
        }
        for (index, field) in (overriders.fieldOverrider ?? []).enumerated() {
            let path = "\(base).fieldOverrider[\(index)]"
            if (field.json == nil) == (field.yaml == nil) {
                errors.append(invalid(path, "exactly one of json and yaml must be set"))
            }
            if !field.fieldPath.hasPrefix("/") {
                errors.append(invalid("\(path).fieldPath", "must be a JSON pointer starting with \"/\""))
            }
        }
        return errors
    }

    func validate(federatedHPA spec: FederatedHPASpec) -> [ManifestError] {
        var errors: [ManifestError] = []
        if spec.effectiveMinReplicas < 1 {
            errors.append(invalid("spec.minReplicas", "must be greater than or equal to 1"))
        }
        if spec.maxReplicas < spec.effectiveMinReplicas {
            errors.append(invalid("spec.maxReplicas", "must be greater than or equal to minReplicas "
                                    + "(\(spec.effectiveMinReplicas))"))
        }
        if spec.scaleTargetRef.kind.isEmpty { errors.append(invalid("spec.scaleTargetRef.kind", "must not be empty")) }
        if spec.scaleTargetRef.name.isEmpty { errors.append(invalid("spec.scaleTargetRef.name", "must not be empty")) }
        return errors
    }

    /// Karmada's rules for a FederatedResourceQuota: valid quantities, one assignment per cluster, every assigned
    /// resource in `overall`, and the assignments together within it.
    func validate(federatedResourceQuota spec: FederatedResourceQuotaSpec) -> [ManifestError] {
        var errors: [ManifestError] = []
        for (resource, quantity) in spec.overall.sorted(by: { $0.key < $1.key }) {
            guard let milli = quantity.milliValue else {
                errors.append(invalid("spec.overall.\(resource)", "\"\(quantity.text)\" is not a valid quantity"))
                continue
            }
            if milli < 0 { errors.append(invalid("spec.overall.\(resource)", "must be greater than or equal to 0")) }
        }
        var seen: Set<String> = []
        var totals: [String: Int64] = [:]
        for (index, assignment) in (spec.staticAssignments ?? []).enumerated() {
            let path = "spec.staticAssignments[\(index)]"
            if assignment.clusterName.isEmpty {
                errors.append(invalid("\(path).clusterName", "must not be empty"))
            } else if !seen.insert(assignment.clusterName).inserted {
                errors.append(invalid("\(path).clusterName", "duplicate cluster \"\(assignment.clusterName)\""))
            }
            for (resource, quantity) in assignment.hard.sorted(by: { $0.key < $1.key }) {
                guard let milli = quantity.milliValue, milli >= 0 else {
                    errors.append(invalid("\(path).hard.\(resource)", "\"\(quantity.text)\" is not a valid quantity"))
                    continue
                }
                guard spec.overall[resource] != nil else {
                    errors.append(invalid("\(path).hard.\(resource)", "must be a resource listed in spec.overall"))
                    continue
                }
                let (sum, overflow) = (totals[resource] ?? 0).addingReportingOverflow(milli)
                totals[resource] = overflow ? Int64.max : sum
            }
        }
        for (resource, total) in totals.sorted(by: { $0.key < $1.key }) {
            guard let overall = spec.overall[resource]?.milliValue, total > overall else { continue }
            errors.append(invalid("spec.staticAssignments", "the assignments of \(resource) together exceed "
                                    + "spec.overall.\(resource) (\(spec.overall[resource]?.text ?? ""))"))
        }
        return errors
    }

    /// Karmada's rules for a WorkloadRebalancer: at least one workload, each named completely, none twice.
    func validate(workloadRebalancer spec: WorkloadRebalancerSpec) -> [ManifestError] {
        var errors: [ManifestError] = []
        if spec.workloads.isEmpty { errors.append(invalid("spec.workloads", "must name at least one workload")) }
        var seen: Set<ResourceIdentity> = []
        for (index, workload) in spec.workloads.enumerated() {
            let fields = [("apiVersion", workload.apiVersion), ("kind", workload.kind), ("name", workload.name)]
            for (field, value) in fields where value.isEmpty {
                errors.append(invalid("spec.workloads[\(index)].\(field)", "must not be empty"))
            }
            if !seen.insert(workload.identity).inserted {
                errors.append(invalid("spec.workloads[\(index)]", "\(workload.identity) is named twice"))
            }
        }
        if let ttl = spec.ttlSecondsAfterFinished, ttl < 0 {
            errors.append(invalid("spec.ttlSecondsAfterFinished", "must be greater than or equal to 0"))
        }
        return errors
    }

    /// Karmada's rules for a ClusterTaintPolicy: at least one taint, each NoSchedule or NoExecute with a key, and
    /// conditions with a type and at least one status.
    func validate(clusterTaintPolicy spec: ClusterTaintPolicySpec) -> [ManifestError] {
        var errors: [ManifestError] = []
        if spec.taints.isEmpty { errors.append(invalid("spec.taints", "must hold at least one taint")) }
        for (index, taint) in spec.taints.enumerated() {
            if taint.key.isEmpty { errors.append(invalid("spec.taints[\(index)].key", "must not be empty")) }
            if taint.effect == .preferNoSchedule {
                errors.append(invalid("spec.taints[\(index)].effect", "must be NoSchedule or NoExecute"))
            }
        }
        for (field, conditions) in [("addOnConditions", spec.addOnConditions ?? []),
                                    ("removeOnConditions", spec.removeOnConditions ?? [])] {
            for (index, condition) in conditions.enumerated() {
                if condition.conditionType.isEmpty {
                    errors.append(invalid("spec.\(field)[\(index)].conditionType", "must not be empty"))
                }
                if condition.statusValues.isEmpty {
                    errors.append(invalid("spec.\(field)[\(index)].statusValues", "must hold at least one status"))
                }
            }
        }
        return errors
    }
}
