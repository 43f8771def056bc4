import FlotillaModel

/// Places every template of a revision on the member clusters, as Karmada's detector and scheduler would, and
/// renders the work for each cluster. Pure: the same input gives the same plan.
public struct Scheduler: Sendable {
    public var manifests: Manifests
    /// Known cluster state by cluster name; a cluster without state is Ready, serves every API, and has no limit.
    public var states: [String: ClusterState]
    /// The previous placement of each template (placement is sticky).
    public var previous: [ResourceIdentity: [TargetCluster]]
    /// `<path>@<revision>` written into every work's `flotilla.dev/source` annotation.
    public var source: String
    /// Whether to render the work of each cluster (template + replicas + overrides + ownership). Without it the plan
    /// holds placements only: clusters, replicas and reasons.
    public var rendersWorks: Bool
    /// The value of the managed-by label on every work: the daemon's instance name (`--instance`).
    public var managedBy: String
    /// Placements of a previous plan whose inputs are unchanged (the template, every policy, the clusters and their
    /// state, the template's previous placement): reused as they are, works included, instead of placed and rendered
    /// again. Templates another workload references (propagateDeps) are always placed afresh.
    public var reusable: [ResourceIdentity: TemplatePlacement] = [:]
    /// Templates placed by the policy that placed them before, not the one that selects them now (Karmada's
    /// `activationPreference: Lazy`: a policy change reaches a template only when the template itself changes).
    public var pinned: [ResourceIdentity: PolicyChoice] = [:]
    /// The taints ClusterTaintPolicies had put on each cluster before this plan (a taint stays until its policy's
    /// remove conditions match).
    public var policyTaints: [String: [Taint]] = [:]
    /// Clusters each template is being evicted from (application failover): Karmada's ClusterEviction filter keeps
    /// them out of its placement.
    public var evicted: [ResourceIdentity: Set<String>] = [:]

    public init(manifests: Manifests, states: [String: ClusterState] = [:],
                previous: [ResourceIdentity: [TargetCluster]] = [:], source: String = "", rendersWorks: Bool = true,
                managedBy: String = "flotilla") {
        self.manifests = manifests
        self.states = states
        self.previous = previous
        self.source = source
        self.rendersWorks = rendersWorks
        self.managedBy = managedBy
    }

    /// Namespaces Flotilla never propagates on its own.
    static func isSystemNamespace(_ name: String) -> Bool {
        name == "default" || name.hasPrefix("kube-") || name == "flotilla-system"
            || name == "karmada-system" || name == "karmada-cluster" || name.hasPrefix("karmada-es-")
    }

    /// Karmada's label that keeps a Namespace from being propagated to every cluster (its namespace sync
    /// controller); a policy can still select it.
    public static let skipAutoPropagationLabel = "namespace.karmada.io/skip-auto-propagation"

    /// Per-plan caches: the clusters with their state applied, their parsed capacity, and lookups by name.
    struct Context {
        var clusters: [Cluster]
        var capacities: [String: CapacityEstimator.Capacity]
        var clustersByName: [String: Cluster]
        /// Position of each cluster in `clusters`.
        var indexByName: [String: Int] = [:]
        /// Per cluster position: a fixed available-replica figure from the state, and the parsed capacity.
        var fixedAvailable: [Int64?] = []
        var capacityAt: [CapacityEstimator.Capacity?] = []
        /// Static weights per policy, by cluster name.
        let staticWeights = WeightCache()
        /// Filter results per (policy, affinity term, kind), for templates with no previous placement: thousands of
        /// templates share a few policies, and the filters depend on nothing else.
        let rejections = RejectionCache()
    }

    /// Memoised filter results of one plan, one entry per cluster in `Context.clusters` order.
    final class RejectionCache {
        var entries: [Key: [String?]] = [:]

        struct Key: Hashable {
            var policy: PolicyReference
            var term: String?
            var apiVersion: String
            var kind: String
        }
    }

    /// Memoised static weights of one plan, per policy.
    final class WeightCache {
        var entries: [PolicyReference: [Int64]] = [:]
    }

    /// Places every template: the plan of this revision.
    public func plan(revision: String? = nil) -> Plan {
        let (context, taints) = makeContext()
        var placements: [ResourceIdentity: TemplatePlacement] = [:]
        var unplaced: [ResourceIdentity] = []
        let policies = PolicySelection.Index(propagationPolicies: manifests.propagationPolicies,
                                             clusterPropagationPolicies: manifests.clusterPropagationPolicies)
        let dependencies: Set<ResourceIdentity> = reusable.isEmpty ? []
            : Set(manifests.templates.flatMap { WorkloadInterpreter.dependencies(of: $0) })
        for template in manifests.templates {
            if var reused = reusable[template.identity], !dependencies.contains(template.identity) {
                reused.reused = true
                placements[template.identity] = reused
            } else if let choice = pinned[template.identity] ?? PolicySelection.choose(for: template, in: policies) {
                let reference = PolicyReference(kind: choice.kind.rawValue, namespace: choice.namespace, name: choice.name)
                if let missing = missingDependentOverrides(choice) {
                    // Karmada's detector does not apply the policy until they exist: the template waits (its works
                    // in force stay, as for any template that cannot be placed).
                    placements[template.identity] = TemplatePlacement(
                        template: template, policy: reference, clusters: [], hasReplicas: false, decisions: [],
                        works: [:], overrides: [:],
                        error: "waiting for dependentOverrides: \(missing.joined(separator: ", ")) not found")
                } else {
                    switch schedulePriority(choice.spec.schedulePriority) {
                    case .success(let priority):
                        // A pinned (Lazy) template's older spec is cached apart from the policy's current one.
                        let cacheAs = pinned[template.identity].map {
                            PolicyReference(kind: reference.kind, namespace: reference.namespace,
                                            name: "\(reference.name)\u{0}\($0.spec.hashValue)")
                        }
                        var placement = place(template, spec: choice.spec, context: context, policy: reference,
                                              cacheAs: cacheAs)
                        placement.priority = priority
                        placement.choice = choice
                        placements[template.identity] = placement
                    case .failure(let problem):
                        // Karmada's binding creation fails: the template waits (its works in force stay).
                        placements[template.identity] = TemplatePlacement(
                            template: template, policy: reference, clusters: [], hasReplicas: false, decisions: [],
                            works: [:], overrides: [:], error: problem.message)
                    }
                }
            } else if template.kind == "Namespace" && template.group.isEmpty && !Self.isSystemNamespace(template.name)
                        && template.labels[Self.skipAutoPropagationLabel] != "true" {
                placements[template.identity] = everywhere(template, context: context,
                                                           reason: "namespaces propagate to every cluster")
            } else {
                unplaced.append(template.identity)
            }
        }
        attachDependencies(to: &placements, unplaced: &unplaced, context: context)
        for quota in manifests.federatedResourceQuotas {
            let placement = quotaPlacement(quota, context: context)
            placements[placement.identity] = placement
        }
        var plan = Plan(revision: revision, placements: placements.keys.sorted().map { placements[$0]! },
                        unplaced: unplaced.sorted())
        plan.policyTaints = taints
        return plan
    }

    /// The clusters with their state and the ClusterTaintPolicies' taints applied, sorted by name, their parsed
    /// capacity and lookups; and the taints the policies put on each cluster.
    func makeContext() -> (Context, [String: [Taint]]) {
        let taints = ClusterTaints.evaluate(manifests.clusterTaintPolicies, clusters: manifests.clusters, states: states,
                                            current: policyTaints)
        let clusters = manifests.clusters.map { cluster in
            var cluster = cluster.applying(states[cluster.name])
            if let added = taints[cluster.name] { cluster.spec.taints = (cluster.spec.taints ?? []) + added }
            return cluster
        }.sorted { $0.name < $1.name }
        var capacities: [String: CapacityEstimator.Capacity] = [:]
        for cluster in clusters {
            // Clusters with resource models keep the model path of the estimator (rare; computed per template).
            guard let summary = cluster.status?.resourceSummary, (summary.allocatableModelings ?? []).isEmpty else { continue }
            capacities[cluster.name] = CapacityEstimator.capacity(of: summary)
        }
        var context = Context(clusters: clusters, capacities: capacities,
                              clustersByName: Dictionary(manifests.clusters.map { ($0.name, $0) },
                                                         uniquingKeysWith: { first, _ in first }))
        for (index, cluster) in clusters.enumerated() {
            context.indexByName[cluster.name] = index
            context.fixedAvailable.append(states[cluster.name]?.availableReplicas)
            context.capacityAt.append(capacities[cluster.name])
        }
        return (context, taints)
    }

    // MARK: One template

    /// `cacheAs` names the policy in the plan's caches (a pinned template's older spec must not share them with the
    /// policy's current one).
    func place(_ template: KubernetesObject, spec: PropagationSpec, context: Context,
               policy: PolicyReference, cacheAs: PolicyReference? = nil) -> TemplatePlacement {
        let cacheKey = cacheAs ?? policy
        let clusters = context.clusters
        let placement = spec.placement ?? Placement()
        let replicas = WorkloadInterpreter.replicas(of: template)
        let request = WorkloadInterpreter.resourceRequest(of: template)
        let requestAmounts = request.map(CapacityEstimator.amounts)
        let previous = self.previous[template.identity] ?? []
        let scheduled = Set(previous.map(\.name))
        var result = TemplatePlacement(template: template, policy: policy, clusters: [], hasReplicas: replicas != nil,
                                       decisions: [], works: [:], overrides: [:], error: nil)
        let terms: [(name: String?, placement: Placement)]
        if let affinities = placement.clusterAffinities, !affinities.isEmpty {
            terms = affinities.map { term in
                var single = placement
                single.clusterAffinities = [term]
                return (term.affinityName, single)
            }
        } else {
            terms = [(nil, placement)]
        }
        var firstError: PlacementError?
        var lastDecisions: [ClusterDecision] = []
        let strategy = ReplicaStrategy(placement.replicaScheduling)
        var staticWeights: [Int64]?
        if strategy == .staticWeight {
            if let cached = context.staticWeights.entries[cacheKey] {
                staticWeights = cached
            } else {
                let rules = placement.replicaScheduling?.weightPreference?.staticWeightList ?? []
                let weights = clusters.map { cluster in
                    rules.filter { $0.targetCluster.matches(cluster) }.map(\.weight).max() ?? 0
                }
                context.staticWeights.entries[cacheKey] = weights
                staticWeights = weights
            }
        }
        for term in terms {
            var decisions = [ClusterDecision?](repeating: nil, count: clusters.count)
            var feasible: [ScoredCluster] = []
            let rejectionKey = RejectionCache.Key(policy: cacheKey, term: term.name, apiVersion: template.apiVersion,
                                                  kind: template.kind)
            let evictedFrom = evicted[template.identity] ?? []
            let cached = scheduled.isEmpty && evictedFrom.isEmpty ? context.rejections.entries[rejectionKey] : nil
            var computed: [String?] = []
            for (index, cluster) in clusters.enumerated() {
                let reason = evictedFrom.contains(cluster.name) ? "cluster(s) is in the process of eviction"
                    : cached.map { $0[index] } ?? rejection(of: cluster, template: template, placement: term.placement,
                                                            observed: term.name, scheduled: scheduled)
                computed.append(reason)
                if let reason {
                    decisions[index] = ClusterDecision(cluster: cluster.name, selected: false, reason: reason)
                    continue
                }
                let estimate = available(cluster, at: index, request: request, amounts: requestAmounts, context: context)
                let already = Self.replicas(on: cluster.name, in: previous)
                feasible.append(ScoredCluster(
                    cluster: cluster,
                    score: scheduled.isEmpty ? 0 : ClusterFilters.localityScore(scheduledClusters: scheduled, cluster: cluster),
                    availableReplicas: estimate + already,
                    overflowOrder: SpreadSelection.overflowOrder(of: cluster, placement: term.placement,
                                                                 observedAffinityName: term.name),
                    position: index))
            }
            if scheduled.isEmpty && evictedFrom.isEmpty && cached == nil {
                context.rejections.entries[rejectionKey] = computed
            }
            do throws(PlacementError) {
                guard !feasible.isEmpty else {
                    var reasons: [String: Int] = [:]
                    for reason in computed.compactMap({ $0 }) { reasons[reason, default: 0] += 1 }
                    throw PlacementError.noClusterFits(total: clusters.count, reasons: reasons)
                }
                let ordered = SpreadSelection.sorted(feasible)
                let selected = try SpreadSelection.selectBestClusters(term.placement, clusters: ordered,
                                                                      needReplicas: Int64(replicas ?? 0))
                if selected.count < ordered.count {
                    var chosen = [Bool](repeating: false, count: clusters.count)
                    for cluster in selected { chosen[cluster.position] = true }
                    for cluster in ordered where !chosen[cluster.position] {
                        decisions[cluster.position] = ClusterDecision(
                            cluster: cluster.name, selected: false, reason: "not selected by the spread constraints")
                    }
                }
                let candidates = selected.map { scored in
                    ClusterCandidate(cluster: scored.cluster,
                                     allocatableReplicas: Int32(clamping: scored.availableReplicas
                                                                - Self.replicas(on: scored.name, in: previous)),
                                     overflowOrder: scored.overflowOrder, position: scored.position)
                }
                let overflow = !(term.placement.clusterAffinities?.first?.overflowAffinities ?? []).isEmpty
                let targets = try ReplicaAssignment.assign(
                    candidates, strategy: placement.replicaScheduling,
                    request: ReplicaAssignment.Request(replicas: replicas ?? 0, isWorkload: replicas != nil,
                                                       uid: template.uid ?? "", previous: previous,
                                                       hasOverflowTiers: overflow, staticWeights: staticWeights))
                let assigned = Dictionary(targets.map { ($0.name, $0.replicas) }, uniquingKeysWith: +)
                let noReplicasReason = "no replicas assigned by \(strategy.rawValue) division"
                for cluster in selected {
                    if let count = assigned[cluster.name] {
                        let reason = matchReason(term.placement, term: term.name)
                        let sticky = !scheduled.isEmpty && scheduled.contains(cluster.name)
                        decisions[cluster.position] = ClusterDecision(
                            cluster: cluster.name, selected: true, replicas: replicas == nil ? nil : count,
                            reasons: sticky ? [reason, "already placed here (placement is sticky)"] : [reason])
                    } else {
                        decisions[cluster.position] = ClusterDecision(cluster: cluster.name, selected: false,
                                                                      reason: noReplicasReason)
                    }
                }
                let inOrder = zip(targets, targets.dropFirst()).allSatisfy { $0.name < $1.name }
                result.clusters = inOrder ? targets : targets.sorted { $0.name < $1.name }
                result.decisions = decisions.compactMap { $0 }
                result.affinityTerm = term.name
                renderWorks(&result, strategy: strategy, context: context)
                return result
            } catch {
                if firstError == nil { firstError = error }
                lastDecisions = decisions.compactMap { $0 }
            }
        }
        result.decisions = lastDecisions
        result.error = firstError?.description
        return result
    }

    /// The policy's `dependentOverrides` that do not exist (OverridePolicies of the policy's namespace, or
    /// ClusterOverridePolicies for a ClusterPropagationPolicy), sorted; nil when none is missing.
    func missingDependentOverrides(_ choice: PolicyChoice) -> [String]? {
        let wanted = choice.spec.dependentOverrides ?? []
        guard !wanted.isEmpty else { return nil }
        let existing: Set<String> = choice.kind == .clusterPropagationPolicy
            ? Set(manifests.clusterOverridePolicies.map(\.metadata.name))
            : Set(manifests.overridePolicies.filter { $0.metadata.namespace == choice.namespace }.map(\.metadata.name))
        let missing = Set(wanted).subtracting(existing).sorted()
        return missing.isEmpty ? nil : missing.map { choice.kind == .clusterPropagationPolicy
            ? "ClusterOverridePolicy \($0)" : "OverridePolicy \(choice.namespace ?? "default")/\($0)" }
    }

    /// The priority a policy's `schedulePriority` gives (nil without one): the value of the `scheduling.k8s.io`
    /// PriorityClass it names, from the source or Kubernetes' two system classes. Another source, or a class that does
    /// not exist, fails as Karmada's binding creation fails.
    func schedulePriority(_ priority: SchedulePriority?) -> Result<Int64?, PriorityProblem> {
        guard let priority else { return .success(nil) }
        let source = priority.priorityClassSource ?? ""
        guard source == "KubePriorityClass" else {
            return .failure(PriorityProblem(message: "unsupported schedulePriority.priorityClassSource \"\(source)\""))
        }
        let name = priority.priorityClassName ?? ""
        let system: [String: Int64] = ["system-cluster-critical": 2_000_000_000, "system-node-critical": 2_000_001_000]
        if let value = system[name] { return .success(value) }
        let found = manifests.templates.first {
            $0.group == "scheduling.k8s.io" && $0.kind == "PriorityClass" && $0.name == name
        }
        guard let found else {
            return .failure(PriorityProblem(message: "priorityclasses.scheduling.k8s.io \"\(name)\" not found"))
        }
        return .success(found.content["value"]?.intValue ?? 0)
    }

    struct PriorityProblem: Error {
        var message: String
    }

    /// A template that goes to every cluster that will take it (a Namespace, or a dependency).
    func everywhere(_ template: KubernetesObject, context: Context, reason: String) -> TemplatePlacement {
        let clusters = context.clusters
        var result = TemplatePlacement(template: template, policy: nil, clusters: [], hasReplicas: false,
                                       decisions: [], works: [:], overrides: [:], error: nil)
        for cluster in clusters {
            if let taint = cluster.untoleratedTaints([]).first(where: { $0.key == Cluster.notReadyTaintKey }) {
                result.decisions.append(ClusterDecision(cluster: cluster.name, selected: false,
                                                        reasons: ["cluster(s) had untolerated taint {\(taint.key)=:NoExecute}"]))
            } else {
                result.clusters.append(TargetCluster(name: cluster.name, replicas: 0))
                result.decisions.append(ClusterDecision(cluster: cluster.name, selected: true, reasons: [reason]))
            }
        }
        renderWorks(&result, strategy: .duplicated, context: context)
        return result
    }

    /// The first filter that rejects a cluster, with Karmada's reason; nil when it passes every filter.
    func rejection(of cluster: Cluster, template: KubernetesObject, placement: Placement, observed: String?,
                   scheduled: Set<String>) -> String? {
        let results = [
            ClusterFilters.apiEnablement(apiVersion: template.apiVersion, kind: template.kind,
                                         scheduledClusters: scheduled, cluster: cluster),
            ClusterFilters.clusterAffinity(placement, observedAffinityName: observed, cluster: cluster),
            ClusterFilters.spreadConstraint(placement, cluster: cluster),
            ClusterFilters.taintToleration(placement, scheduledClusters: [], cluster: cluster),
        ]
        return results.first { !$0.passed }?.reason
    }

    /// The replicas a placement has on one cluster.
    static func replicas(on cluster: String, in targets: [TargetCluster]) -> Int64 {
        targets.filter { $0.name == cluster }.reduce(Int64(0)) { $0 + Int64($1.replicas) }
    }

    /// Why a selected cluster matched.
    func matchReason(_ placement: Placement, term: String?) -> String {
        if let term { return "matches cluster affinity term \"\(term)\"" }
        return placement.clusterAffinity == nil ? "no cluster affinity: every cluster is a candidate"
            : "matches the cluster affinity"
    }

    /// Free capacity for one more replica: the state's figure, else the estimator over the cluster's summary,
    /// else no limit (the replicas themselves, as Karmada does without an estimate).
    func available(_ cluster: Cluster, at index: Int, request: ResourceRequest?, amounts: [String: Int64]?,
                   context: Context) -> Int64 {
        if let fixed = context.fixedAvailable[index] { return fixed }
        if let capacity = context.capacityAt[index] {
            return CapacityEstimator.maxReplicas(capacity, request: amounts)
        }
        if cluster.status?.resourceSummary != nil {
            return CapacityEstimator.maxAvailableReplicas(cluster, request: request)
        }
        return Int64(Int32.max)
    }
}
