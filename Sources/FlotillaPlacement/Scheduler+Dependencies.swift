import FlotillaModel

extension Scheduler {
    /// ConfigMaps, Secrets, PVCs and ServiceAccounts a workload references follow it (propagateDeps) to its clusters.
    func attachDependencies(to placements: inout [ResourceIdentity: TemplatePlacement], unplaced: inout [ResourceIdentity],
                            context: Context) {
        let templates = Dictionary(manifests.templates.map { ($0.identity, $0) }, uniquingKeysWith: { first, _ in first })
        var propagates: [PolicyReference: Bool] = [:]
        let workloads = placements.keys.sorted().compactMap { identity -> TemplatePlacement? in
            guard let placement = placements[identity], let policy = placement.policy, placement.error == nil,
                  WorkloadInterpreter.podSpec(of: placement.template) != nil else { return nil }
            if propagates[policy] == nil { propagates[policy] = policySpec(policy)?.propagatesDependencies ?? false }
            return propagates[policy]! ? placement : nil
        }
        for workload in workloads {
            for dependency in WorkloadInterpreter.dependencies(of: workload.template) {
                guard let template = templates[dependency] else { continue }
                var placement = placements[dependency] ?? TemplatePlacement(
                    template: template, policy: nil, clusters: [], hasReplicas: false, decisions: [], works: [:],
                    overrides: [:], error: nil)
                let existing = Set(placement.clusters.map(\.name))
                for target in workload.clusters where !existing.contains(target.name) {
                    placement.clusters.append(TargetCluster(name: target.name, replicas: 0))
                    placement.decisions.removeAll { $0.cluster == target.name }
                    placement.decisions.append(ClusterDecision(
                        cluster: target.name, selected: true,
                        reasons: ["dependency of \(workload.template.kind) \(workload.template.name) (propagateDeps)"]))
                }
                placement.clusters.sort { $0.name < $1.name }
                placement.decisions.sort { $0.cluster < $1.cluster }
                renderWorks(&placement, strategy: .duplicated, context: context)
                placements[dependency] = placement
                unplaced.removeAll { $0 == dependency }
            }
        }
    }

    func policySpec(_ reference: PolicyReference) -> PropagationSpec? {
        if reference.kind == PolicyChoice.Kind.propagationPolicy.rawValue {
            return manifests.propagationPolicies.first {
                $0.metadata.name == reference.name && $0.metadata.namespace == reference.namespace
            }?.spec
        }
        return manifests.clusterPropagationPolicies.first { $0.metadata.name == reference.name }?.spec
    }
}
