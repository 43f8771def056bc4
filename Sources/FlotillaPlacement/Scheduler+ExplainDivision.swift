import FlotillaModel

extension Scheduler {
    /// The division of a workload's replicas among the clusters that passed the filters and the spread selection,
    /// with the weights, the exact shares and the ties the tie-break decided. The replicas are the plan's.
    func division(_ strategy: ReplicaStrategy, replicas: Int32, placement: TemplatePlacement, spec: PropagationSpec?,
                  clusters: [ClusterExplanation], previous: [TargetCluster]) -> DivisionExplanation {
        let result = Dictionary(placement.clusters.map { ($0.name, $0.replicas) }, uniquingKeysWith: +)
        let candidates = clusters.filter { entry in
            entry.filters.allSatisfy(\.passed) && !entry.outcome.contains("not selected by the spread constraints")
        }
        var explanation = DivisionExplanation(strategy: strategy, replicas: replicas, method: "", divided: replicas,
                                              shares: [], tieBreak: nil)
        var weights: [(cluster: String, weight: Int64, source: String, kept: Int32)] = []
        switch strategy {
        case .duplicated:
            explanation.method = "Duplicated: every selected cluster runs all \(replicas) replica\(replicas == 1 ? "" : "s")."
            explanation.shares = candidates.filter { result[$0.cluster] != nil }.map {
                DivisionExplanation.Share(cluster: $0.cluster, weight: nil, weightSource: "Duplicated", kept: 0,
                                          ideal: nil, replicas: result[$0.cluster] ?? 0)
            }
            return explanation
        case .staticWeight:
            let rules = spec?.placement?.replicaScheduling?.weightPreference?.staticWeightList ?? []
            for entry in candidates {
                guard let cluster = manifests.clusters.first(where: { $0.name == entry.cluster }) else { continue }
                let matched = rules.indices.filter { rules[$0].targetCluster.matches(cluster) }
                let best = matched.max { rules[$0].weight < rules[$1].weight }
                weights.append((entry.cluster, best.map { rules[$0].weight } ?? 0,
                                best.map { "staticWeightList[\($0)]" } ?? "no rule matches", 0))
            }
            if weights.allSatisfy({ $0.weight == 0 }) {
                weights = weights.map { ($0.cluster, 1, "no weights: 1 each", 0) }
            }
            explanation.method = "StaticWeight: all \(replicas) replicas are divided afresh in proportion to the "
                + "weights (clusters of weight 0 get none), " + Self.websterSentence
        case .dynamicWeight, .aggregated:
            let names = Set(candidates.map(\.cluster))
            let kept = Dictionary(previous.filter { names.contains($0.name) }.map { ($0.name, $0.replicas) },
                                  uniquingKeysWith: +)
            let assigned = kept.values.reduce(Int64(0)) { $0 + Int64($1) }
            let kind = strategy == .aggregated ? "Aggregated" : "DynamicWeight"
            if assigned > Int64(replicas) {
                weights = kept.keys.sorted().map { ($0, Int64(kept[$0]!), "replicas in force", 0) }
                explanation.method = "\(kind), scale down: the \(assigned) replicas in force shrink to \(replicas), "
                    + "in proportion to where they run, " + Self.websterSentence
            } else if assigned == Int64(replicas) {
                explanation.method = "\(kind): the \(replicas) replicas stay where they are (placement is sticky)."
                explanation.divided = 0
                explanation.shares = kept.keys.sorted().map {
                    DivisionExplanation.Share(cluster: $0, weight: nil, weightSource: "in force", kept: kept[$0]!,
                                              ideal: nil, replicas: result[$0] ?? 0)
                }
                return explanation
            } else {
                explanation.divided = Int32(Int64(replicas) - assigned)
                var free = candidates.map { entry in
                    (entry.cluster, max(0, (entry.availableReplicas ?? 0) - Int64(kept[entry.cluster] ?? 0)))
                }
                var note = ""
                if strategy == .aggregated {
                    free = Self.aggregatedPrefix(free, kept: kept, target: Int64(explanation.divided))
                    note = " Aggregated keeps to as few clusters as possible: those already used first, then by free "
                        + "replicas descending, up to the first prefix whose free replicas cover them."
                }
                weights = free.map { ($0.0, $0.1, "free replicas", kept[$0.0] ?? 0) }
                let start = assigned == 0 ? "\(kind): the \(explanation.divided) replicas are"
                    : "\(kind), scale up: the \(assigned) replicas in force stay; \(explanation.divided) new ones are"
                explanation.method = start + " divided in proportion to each cluster's free replicas, "
                    + Self.websterSentence + note
            }
            let overflow = !(spec?.placement?.clusterAffinities?.first?.overflowAffinities ?? []).isEmpty
            if overflow {
                explanation.method += " Overflow tiers fill in order: a tier takes at most its clusters' free replicas."
            }
        }
        let total = weights.reduce(Int64(0)) { $0 + $1.weight }
        let keptNames = Set(weights.map(\.cluster))
        explanation.shares = weights.map { entry in
            let ideal = total > 0 ? Double(explanation.divided) * Double(entry.weight) / Double(total) : 0
            return DivisionExplanation.Share(cluster: entry.cluster, weight: entry.weight, weightSource: entry.source,
                                             kept: entry.kept, ideal: Self.twoDecimals(ideal),
                                             replicas: result[entry.cluster] ?? 0)
        }
        // Clusters with replicas in force that took no part in the division keep theirs.
        for (name, count) in result.sorted(by: { $0.key < $1.key }) where !keptNames.contains(name) {
            explanation.shares.append(DivisionExplanation.Share(cluster: name, weight: nil, weightSource: "in force",
                                                                kept: count, ideal: nil, replicas: count))
        }
        explanation.tieBreak = Self.ties(seats: explanation.divided, weights: weights.map { ($0.cluster, $0.weight) },
                                         uid: placement.template.uid ?? "")
        return explanation
    }

    static let websterSentence = "by Webster's method (Sainte-Laguë): each replica goes to the cluster with the "
        + "highest weight / (2 × its replicas so far + 1)."

    /// Aggregated's prefix (`dynamicDivideReplicas`): clusters in force first, then by free replicas descending.
    static func aggregatedPrefix(_ free: [(String, Int64)], kept: [String: Int32],
                                 target: Int64) -> [(String, Int64)] {
        let sorted = free.enumerated().sorted { ($0.element.1, -$0.offset) > ($1.element.1, -$1.offset) }.map(\.element)
        let ordered = sorted.filter { (kept[$0.0] ?? 0) > 0 } + sorted.filter { (kept[$0.0] ?? 0) == 0 }
        var sum: Int64 = 0
        for (index, entry) in ordered.enumerated() {
            sum += entry.1
            if sum >= target { return Array(ordered[...index]) }
        }
        return ordered
    }

    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int64((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Webster's method seat by seat, naming the ties that decided who got a replica (a tie whose losers all got
    /// the seat later decided nothing); nil when none did. Skipped (nil) beyond 100,000 replicas.
    static func ties(seats: Int32, weights: [(String, Int64)], uid: String) -> String? {
        let active = weights.filter { $0.1 > 0 }.sorted { $0.0 < $1.0 }
        guard seats > 0, seats <= 100_000, active.count > 1 else { return nil }
        let breakTie = Webster.tieBreaker(uid: uid)
        var parties = active.map { WebsterParty(name: $0.0, votes: $0.1, seats: 0) }
        var events: [(seat: Int32, winner: String, losers: [(index: Int, seats: Int32)])] = []
        func compare(_ a: WebsterParty, _ b: WebsterParty) -> Int {
            let left = a.votes *| (2 * Int64(b.seats) + 1)
            let right = b.votes *| (2 * Int64(a.seats) + 1)
            return left == right ? 0 : left > right ? 1 : -1
        }
        for seat in 1...seats {
            var best = 0
            for index in 1..<parties.count {
                let order = compare(parties[index], parties[best])
                if order > 0 || (order == 0 && breakTie(parties[index], parties[best])) { best = index }
            }
            let tied = parties.indices.filter { $0 != best && compare(parties[$0], parties[best]) == 0 }
            if !tied.isEmpty {
                events.append((seat, parties[best].name, tied.map { ($0, parties[$0].seats) }))
            }
            parties[best].seats += 1
        }
        let deciding = events.filter { event in event.losers.contains { parties[$0.index].seats == $0.seats } }
        guard !deciding.isEmpty else { return nil }
        let rule = uid.isEmpty ? "fewer replicas first, then name ascending (the template has no UID)"
            : Webster.fnv1a32(uid) % 2 == 1
                ? "fewer replicas first, then name descending (the FNV-1a hash of the template's UID is odd)"
                : "fewer replicas first, then name ascending (the FNV-1a hash of the template's UID is even)"
        let described = deciding.map { event in
            let losers = event.losers.filter { parties[$0.index].seats == $0.seats }.map { parties[$0.index].name }
            return "replica \(event.seat) tied between \(([event.winner] + losers).sorted().joined(separator: ", ")): "
                + "\(event.winner) got it"
        }
        return described.joined(separator: "; ") + " — " + rule
    }
}
