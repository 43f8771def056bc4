import FlotillaModel

extension Scheduler {
    /// Why the template `identity` went where it did, from this scheduler's inputs; nil when the source has no such
    /// template. `plan` is this scheduler's plan when the caller already has it.
    public func explain(_ identity: ResourceIdentity, plan given: Plan? = nil) -> Explanation? {
        guard let template = manifests.templates.first(where: { $0.identity == identity }) else { return nil }
        let plan = given ?? self.plan()
        let placement = plan.placements.first { $0.identity == identity }
        let (context, _) = makeContext()
        let policies = policyVerdicts(for: template, placement: placement)
        let spec = placement?.choice?.spec
        let replicas = WorkloadInterpreter.replicas(of: template)
        var explanation = Explanation(
            template: template, policies: policies, placedBy: placedBy(template, placement: placement, plan: plan),
            strategy: spec.map { ReplicaStrategy($0.placement?.replicaScheduling) }, replicas: replicas,
            affinityTerm: placement?.affinityTerm, clusters: [], division: nil, error: placement?.error)
        if let scope = RolloutScope.of(manifests).first(where: { $0.templates.contains(identity) }) {
            explanation.rollout = scope.policy
            for (index, members) in scope.clusters.enumerated() {
                for cluster in members { explanation.stages[cluster] = scope.stages[index] }
            }
        }
        guard let placement else {
            explanation.clusters = context.clusters.map { cluster in
                ClusterExplanation(cluster: cluster.name, filters: [], availableReplicas: nil, arithmetic: [],
                                   previousReplicas: nil, selected: false, replicas: nil,
                                   outcome: ["not propagated: no policy selects the template"], overrides: [])
            }
            return explanation
        }
        let previous = self.previous[identity] ?? []
        let decisions = Dictionary(placement.decisions.map { ($0.cluster, $0) },
                                   uniquingKeysWith: { first, _ in first })
        let targets = Dictionary(placement.clusters.map { ($0.name, $0.replicas) }, uniquingKeysWith: +)
        var term = spec?.placement ?? Placement()
        if let terms = term.clusterAffinities, !terms.isEmpty {
            term.clusterAffinities = [terms.first { $0.affinityName == placement.affinityTerm } ?? terms[0]]
        }
        for (index, cluster) in context.clusters.enumerated() {
            let had = Self.replicas(on: cluster.name, in: previous)
            var entry = ClusterExplanation(
                cluster: cluster.name, filters: [], availableReplicas: nil, arithmetic: [],
                previousReplicas: had > 0 ? Int32(clamping: had) : nil, selected: targets[cluster.name] != nil,
                replicas: placement.hasReplicas ? targets[cluster.name] : nil,
                outcome: decisions[cluster.name]?.reasons ?? [], overrides: [])
            if spec != nil {
                entry.filters = filterVerdicts(cluster, template: template, placement: term,
                                               scheduled: Set(previous.map(\.name)))
                if replicas != nil, entry.filters.allSatisfy(\.passed) {
                    let (available, steps) = availability(cluster, at: index, template: template, context: context)
                    entry.availableReplicas = available +| had
                    entry.arithmetic = steps + (had > 0 ? ["+ \(had) already placed here = \(available +| had)"] : [])
                }
            }
            if entry.selected { entry.overrides = overrideSteps(placement, cluster: cluster, context: context) }
            explanation.clusters.append(entry)
        }
        if let strategy = explanation.strategy, let replicas, placement.error == nil, !placement.clusters.isEmpty {
            explanation.division = division(strategy, replicas: replicas, placement: placement, spec: spec,
                                            clusters: explanation.clusters, previous: previous)
        }
        return explanation
    }

    // MARK: Policies

    /// Every policy that could select the template, with its verdict.
    func policyVerdicts(for template: KubernetesObject, placement: TemplatePlacement?) -> [PolicyVerdict] {
        var candidates: [(reference: PolicyReference, spec: PropagationSpec)] = []
        if let namespace = template.namespace {
            candidates += manifests.propagationPolicies.filter { $0.metadata.namespace == namespace }.map {
                (PolicyReference(kind: PolicyChoice.Kind.propagationPolicy.rawValue, namespace: namespace,
                                 name: $0.metadata.name), $0.spec)
            }
        }
        candidates += manifests.clusterPropagationPolicies.map {
            (PolicyReference(kind: PolicyChoice.Kind.clusterPropagationPolicy.rawValue, namespace: nil,
                             name: $0.metadata.name), $0.spec)
        }
        let chosen = placement?.choice.map {
            PolicyReference(kind: $0.kind.rawValue, namespace: $0.namespace, name: $0.name)
        }
        let winner = placement?.choice
        let isPinned = pinned[template.identity] != nil
        let matching = candidates.filter { $0.spec.resourceSelectors.priority(for: template) != .misMatch }
        var verdicts = candidates.map { candidate -> PolicyVerdict in
            let selectors = candidate.spec.resourceSelectors
            let match = selectors.priority(for: template)
            let best = selectors.indices.filter { selectors[$0].priority(for: template) == match && match != .misMatch }
                .first.map { "resourceSelectors[\($0)]: \(Self.describe(selectors[$0]))" }
            var verdict = PolicyVerdict(policy: candidate.reference, explicitPriority: candidate.spec.priority ?? 0,
                                        match: match, selector: best, chosen: candidate.reference == chosen,
                                        verdict: "")
            verdict.verdict = Self.verdict(verdict, winner: winner, matching: matching.count, pinned: isPinned)
            return verdict
        }
        if let winner, !verdicts.contains(where: \.chosen) {
            // A Lazy template keeps a policy that no longer exists in this form.
            let reference = PolicyReference(kind: winner.kind.rawValue, namespace: winner.namespace, name: winner.name)
            verdicts.append(PolicyVerdict(policy: reference, explicitPriority: winner.explicitPriority,
                                          match: winner.implicitPriority, selector: nil, chosen: true,
                                          verdict: "chosen: it placed the template before, and activationPreference "
                                              + "Lazy keeps it until the template itself changes"))
        }
        func rank(_ verdict: PolicyVerdict) -> (Int, Int, Int32, Int, String) {
            (verdict.chosen ? 0 : verdict.match == .misMatch ? 2 : 1,
             verdict.policy.kind == PolicyChoice.Kind.propagationPolicy.rawValue ? 0 : 1,
             -verdict.explicitPriority, -verdict.match.rawValue, verdict.policy.name)
        }
        return verdicts.sorted { rank($0) < rank($1) }
    }

    /// Why a policy won, lost or does not apply (`pkg/detector/compare.go`'s order).
    static func verdict(_ verdict: PolicyVerdict, winner: PolicyChoice?, matching: Int, pinned: Bool) -> String {
        guard verdict.match != .misMatch else {
            return verdict.chosen ? "chosen: it placed the template before, and activationPreference Lazy keeps it "
                + "until the template itself changes" : "does not select it: no resource selector matches"
        }
        let match = describe(verdict.match)
        if verdict.chosen {
            if pinned {
                return "chosen: it placed the template before, and activationPreference Lazy keeps it until the "
                    + "template itself changes"
            }
            if matching == 1 { return "chosen: the only policy that selects it (\(match))" }
            return "chosen: explicit priority \(verdict.explicitPriority), \(match), then name order"
        }
        guard let winner else { return "selects it (\(match))" }
        if pinned { return "selects it (\(match)), but the template keeps the policy that placed it (Lazy)" }
        let winnerName = "\(winner.kind.rawValue) \(winner.name)"
        if winner.kind == .propagationPolicy,
           verdict.policy.kind == PolicyChoice.Kind.clusterPropagationPolicy.rawValue {
            return "loses: a PropagationPolicy of the template's namespace (\(winner.name)) comes before every "
                + "ClusterPropagationPolicy"
        }
        if verdict.explicitPriority != winner.explicitPriority {
            return "loses: explicit priority \(verdict.explicitPriority) < \(winner.explicitPriority) of \(winnerName)"
        }
        if verdict.match != winner.implicitPriority {
            return "loses: same explicit priority, but \(match) is weaker than the "
                + "\(describe(winner.implicitPriority)) of \(winnerName)"
        }
        return "loses: same explicit priority and \(match); \"\(winner.name)\" comes first in name order"
    }

    static func describe(_ match: ImplicitPriority) -> String {
        switch match {
        case .matchName: return "name match"
        case .matchLabelSelector: return "label selector match"
        case .matchAll: return "kind-only match"
        case .misMatch: return "no match"
        }
    }

    static func describe(_ selector: ResourceSelector) -> String {
        var parts = [selector.apiVersion, selector.kind]
        if let namespace = selector.namespace, !namespace.isEmpty { parts.append("namespace=\(namespace)") }
        if let name = selector.name, !name.isEmpty { parts.append("name=\(name)") }
        if selector.labelSelector != nil { parts.append("labelSelector") }
        return parts.joined(separator: " ")
    }

    /// The sentence on what placed the template.
    func placedBy(_ template: KubernetesObject, placement: TemplatePlacement?, plan: Plan) -> String {
        guard let placement else { return "not propagated: no policy selects it" }
        if let choice = placement.choice {
            let scope = choice.namespace.map { "\($0)/" } ?? ""
            return "\(choice.kind.rawValue) \(scope)\(choice.name) (explicit priority \(choice.explicitPriority), "
                + "\(Self.describe(choice.implicitPriority)))"
        }
        if let reason = placement.decisions.first(where: \.selected)?.reasons.first {
            return "no policy selects it: \(reason)"
        }
        return placement.policy?.description ?? "no policy selects it"
    }

    // MARK: Clusters

    /// Each filter plugin's verdict, in the order the scheduler runs them.
    func filterVerdicts(_ cluster: Cluster, template: KubernetesObject, placement: Placement,
                        scheduled: Set<String>) -> [FilterVerdict] {
        var verdicts: [FilterVerdict] = []
        let api = ClusterFilters.apiEnablement(apiVersion: template.apiVersion, kind: template.kind,
                                               scheduledClusters: scheduled, cluster: cluster)
        verdicts.append(FilterVerdict(
            filter: "APIEnablement", passed: api.passed,
            detail: api.reason ?? (cluster.status?.apiEnablements == nil ? "API list unknown: assumed served"
                : cluster.serves(apiVersion: template.apiVersion, kind: template.kind)
                    ? "serves \(template.apiVersion) \(template.kind)"
                    : "does not serve \(template.apiVersion) \(template.kind), but the template is already there")))
        let affinity = ClusterFilters.clusterAffinity(placement, observedAffinityName: placement.clusterAffinities?
            .first?.affinityName, cluster: cluster)
        verdicts.append(FilterVerdict(filter: "ClusterAffinity", passed: affinity.passed,
                                      detail: affinityDetail(placement, cluster: cluster, passed: affinity.passed)))
        let spread = ClusterFilters.spreadConstraint(placement, cluster: cluster)
        let fields = (placement.spreadConstraints ?? []).compactMap { $0.spreadByField?.rawValue }
            .filter { $0 != "cluster" }
        verdicts.append(FilterVerdict(
            filter: "SpreadConstraint", passed: spread.passed,
            detail: spread.reason ?? (fields.isEmpty ? "no spread by provider, region or zone"
                : "has " + fields.map { $0 == "zone" ? "zones" : $0 }.joined(separator: ", "))))
        let taint = ClusterFilters.taintToleration(placement, scheduledClusters: [], cluster: cluster)
        let taints = (cluster.spec.taints ?? []).map { "\($0.key)=\($0.value ?? ""):\($0.effect.rawValue)" }
        verdicts.append(FilterVerdict(
            filter: "TaintToleration", passed: taint.passed,
            detail: taint.reason ?? (taints.isEmpty ? "no taints"
                : "taints tolerated or PreferNoSchedule: " + taints.joined(separator: ", "))))
        let evicting = evicted[template.identity] ?? []
        let eviction = ClusterFilters.clusterEviction(evictingFrom: evicting, cluster: cluster)
        verdicts.append(FilterVerdict(filter: "ClusterEviction", passed: eviction.passed,
                                      detail: eviction.reason ?? "no eviction from it"))
        return verdicts
    }

    /// Which part of the affinity admitted or rejected the cluster.
    func affinityDetail(_ placement: Placement, cluster: Cluster, passed: Bool) -> String {
        if let affinity = placement.clusterAffinity {
            return passed ? "matches the clusterAffinity" : Self.mismatch(affinity, cluster: cluster)
        }
        guard let term = placement.clusterAffinities?.first else { return "no cluster affinity" }
        let name = "term \"\(term.affinityName)\""
        if term.affinity.matches(cluster) { return "matches clusterAffinities \(name)" }
        if let tier = (term.overflowAffinities ?? []).firstIndex(where: { $0.matches(cluster) }) {
            return "matches overflowAffinities[\(tier)] of \(name)"
        }
        return "\(name): " + Self.mismatch(term.affinity, cluster: cluster)
    }

    /// The first part of an affinity a cluster fails.
    static func mismatch(_ affinity: ClusterAffinity, cluster: Cluster) -> String {
        if (affinity.exclude ?? []).contains(cluster.name) { return "excluded by name (exclude)" }
        if let selector = affinity.labelSelector, !selector.matches(cluster.metadata.labels) {
            return "its labels do not match the labelSelector"
        }
        if let selector = affinity.fieldSelector, !selector.matches(cluster) {
            return "its provider, region or zones do not match the fieldSelector"
        }
        if let names = affinity.clusterNames, !names.isEmpty, !names.contains(cluster.name) {
            return "not in clusterNames (\(names.joined(separator: ", ")))"
        }
        return "does not match"
    }

    /// The estimator's figure for one more replica, with its arithmetic.
    func availability(_ cluster: Cluster, at index: Int, template: KubernetesObject,
                      context: Context) -> (Int64, [String]) {
        let request = WorkloadInterpreter.resourceRequest(of: template)
        let amounts = request.map(CapacityEstimator.amounts)
        let result = available(cluster, at: index, request: request, amounts: amounts, context: context)
        if let fixed = context.fixedAvailable[index] {
            return (result, ["availableReplicas \(fixed), as the cluster state gives it"])
        }
        guard let summary = cluster.status?.resourceSummary else {
            return (result, ["no resource summary: no limit (as Karmada without an estimate)"])
        }
        if !(summary.allocatableModelings ?? []).isEmpty {
            return (result, ["from the cluster's resource models: \(result)"])
        }
        var steps: [String] = []
        func figure(_ name: String, _ values: [String: Quantity]?) -> Int64 {
            values?[name].map { CapacityEstimator.amount($0, resource: name) } ?? 0
        }
        func unit(_ name: String, _ value: Int64) -> String {
            if name == "cpu" { return "\(value)m" }
            for (suffix, size) in [("Gi", Int64(1) << 30), ("Mi", Int64(1) << 20), ("Ki", Int64(1) << 10)]
            where value != 0 && value % size == 0 {
                return "\(value / size)\(suffix)"
            }
            return "\(value)"
        }
        let pods = CapacityEstimator.allowedPods(summary)
        steps.append("pods: \(figure("pods", summary.allocatable)) allocatable − "
                     + "\(figure("pods", summary.allocated)) allocated − \(figure("pods", summary.allocating)) allocating = \(pods)")
        for (name, requested) in (amounts ?? [:]).sorted(by: { $0.key < $1.key }) where requested > 0 {
            let allocatable = figure(name, summary.allocatable)
            let free = max(0, allocatable -| figure(name, summary.allocated) -| figure(name, summary.allocating))
            steps.append("\(name): (\(unit(name, allocatable)) allocatable − "
                         + "\(unit(name, figure(name, summary.allocated))) allocated − \(unit(name, figure(name, summary.allocating))) allocating) / "
                         + "\(unit(name, requested)) requested = \(free / requested)")
        }
        if amounts == nil { steps.append("no resource request: pods only") }
        steps.append("available = \(result)")
        return (result, steps)
    }

    /// The override rules on one cluster's work, applied one at a time to see what each changes.
    func overrideSteps(_ placement: TemplatePlacement, cluster: Cluster, context: Context) -> [OverrideStep] {
        guard let rules = placement.overrides[cluster.name] else { return [] }
        var object = Self.strippingServerFields(placement.template.content)
        let strategy = placement.choice.map { ReplicaStrategy($0.spec.placement?.replicaScheduling) } ?? .duplicated
        if placement.hasReplicas, strategy != .duplicated,
           let field = WorkloadInterpreter.replicasField(of: placement.template),
           let target = placement.clusters.first(where: { $0.name == cluster.name }) {
            object["spec"]?[field] = .int(Int64(target.replicas))
        }
        return rules.map { rule in
            let after = (try? OverrideApplication.apply([rule], to: object, cluster: cluster.name)) ?? object
            defer { object = after }
            let names: [(String, Bool)] = [
                ("imageOverrider", !(rule.overriders.imageOverrider ?? []).isEmpty),
                ("commandOverrider", !(rule.overriders.commandOverrider ?? []).isEmpty),
                ("argsOverrider", !(rule.overriders.argsOverrider ?? []).isEmpty),
                ("labelsOverrider", !(rule.overriders.labelsOverrider ?? []).isEmpty),
                ("annotationsOverrider", !(rule.overriders.annotationsOverrider ?? []).isEmpty),
                ("fieldOverrider", !(rule.overriders.fieldOverrider ?? []).isEmpty),
                ("plaintext", !(rule.overriders.plaintext ?? []).isEmpty),
            ]
            return OverrideStep(rule: PlanRendering.describe(rule), overriders: names.filter(\.1).map(\.0),
                                fields: FieldDiff.paths(object, after))
        }
    }
}
