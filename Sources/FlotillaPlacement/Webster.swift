/// One party of a Webster (Sainte-Laguë) apportionment: a cluster, its weight, its seats (replicas).
public struct WebsterParty: Sendable, Hashable {
    public var name: String
    public var votes: Int64
    public var seats: Int32

    public init(name: String, votes: Int64, seats: Int32) {
        self.name = name
        self.votes = votes
        self.seats = seats
    }
}

/// How two parties of equal priority are ordered: true when the first gets the seat.
public typealias WebsterTieBreaker = @Sendable (WebsterParty, WebsterParty) -> Bool

/// Karmada's Webster apportionment (`pkg/util/helper/webstermethod.go`) and its replica dispenser
/// (`pkg/util/helper/binding.go`).
public enum Webster {
    /// Karmada's default tie-break: fewer seats first, then the smaller name.
    public static let fewerSeatsThenNameAscending: WebsterTieBreaker = { a, b in
        a.seats != b.seats ? a.seats < b.seats : a.name < b.name
    }

    /// The tie-break Karmada derives from a template's UID (`tieBreakerByUID`): no UID gives fewer seats then names
    /// ascending; otherwise the FNV-1a 32-bit hash of the UID picks names descending (odd) or ascending (even).
    public static func tieBreaker(uid: String) -> WebsterTieBreaker {
        guard !uid.isEmpty else { return fewerSeatsThenNameAscending }
        let descending = fnv1a32(uid) % 2 == 1
        return { a, b in
            if a.seats != b.seats { return a.seats < b.seats }
            return descending ? a.name > b.name : a.name < b.name
        }
    }

    /// FNV-1a, 32 bits, over the UTF-8 bytes.
    public static func fnv1a32(_ text: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return hash
    }

    /// Gives `newSeats` seats one at a time to the party with the highest `votes / (2 * seats + 1)`. Parties only
    /// in `initialAssignments` keep their seats with 0 votes. Returns the parties sorted by name, or nil when there
    /// are none.
    public static func allocate(newSeats: Int32, partyVotes: [String: Int64], initialAssignments: [String: Int32] = [:],
                                tieBreaker: WebsterTieBreaker? = nil) -> [WebsterParty]? {
        var parties: [String: WebsterParty] = [:]
        for (name, seats) in initialAssignments {
            parties[name] = WebsterParty(name: name, votes: 0, seats: seats)
        }
        for (name, votes) in partyVotes {
            parties[name] = WebsterParty(name: name, votes: votes, seats: initialAssignments[name] ?? 0)
        }
        guard !parties.isEmpty else { return nil }
        var ordered = parties.values.sorted { $0.name < $1.name }
        allocate(newSeats: newSeats, to: &ordered, tieBreaker: tieBreaker)
        return ordered
    }

    /// Gives `newSeats` seats to parties already sorted by name (the dictionary-free core). Many seats are given in
    /// bulk first (`bulkAllocate`), so the cost grows with the parties, not with the seats; the last few go one at a
    /// time, with Karmada's tie-break.
    static func allocate(newSeats: Int32, to ordered: inout [WebsterParty], tieBreaker: WebsterTieBreaker?) {
        guard newSeats > 0, !ordered.isEmpty else { return }
        let breakTie = tieBreaker ?? fewerSeatsThenNameAscending
        var remaining = Int64(newSeats)
        if remaining > 4 * Int64(ordered.count) { remaining -= bulkAllocate(remaining, to: &ordered) }
        for _ in 0..<remaining {
            var best = 0
            for index in 1..<ordered.count where wins(ordered[index], over: ordered[best], breakTie) {
                best = index
            }
            ordered[best].seats += 1
        }
    }

    /// The priority of a party's next seat when it holds `seats`.
    private static func priority(_ votes: Int64, _ seats: Int64) -> Double { Double(votes) / Double(2 * seats + 1) }

    /// The seats a party gains if it gets every seat whose priority is above `threshold` (at most `cap`).
    private static func gained(above threshold: Double, _ party: WebsterParty, cap: Int64) -> Int64 {
        guard party.votes > 0 else { return 0 }
        let start = Int64(party.seats)
        // The last seat count whose next seat's priority is above the threshold, estimated, then made exact.
        let estimate = ((Double(party.votes) / threshold) - 1) / 2
        var last = estimate.isFinite ? Int64(max(-1, min(Double(start + cap), estimate.rounded(.down)))) : start + cap
        while last + 1 <= start + cap, priority(party.votes, last + 1) > threshold { last += 1 }
        while last >= start, !(priority(party.votes, last) > threshold) { last -= 1 }
        return min(cap, max(0, last + 1 - start))
    }

    /// Gives at once every seat whose priority is above a threshold found by bisection, such that at most `seats`
    /// are given. The one-at-a-time method gives exactly those seats first, whatever the tie-break, because each has
    /// a higher priority than any seat left. Returns how many it gave.
    private static func bulkAllocate(_ seats: Int64, to ordered: inout [WebsterParty]) -> Int64 {
        func total(_ threshold: Double) -> Int64 {
            ordered.reduce(Int64(0)) { $0 + gained(above: threshold, $1, cap: seats) }
        }
        var high = ordered.map { priority($0.votes, Int64($0.seats)) }.max() ?? 0
        guard high > 0 else { return 0 }
        var low = 0.0
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if middle <= low || middle >= high { break }
            if total(middle) <= seats { high = middle } else { low = middle }
        }
        var given: Int64 = 0
        for index in ordered.indices {
            let gain = gained(above: high, ordered[index], cap: seats)
            ordered[index].seats += Int32(gain)
            given += gain
        }
        return given
    }

    private static func wins(_ a: WebsterParty, over b: WebsterParty, _ breakTie: WebsterTieBreaker) -> Bool {
        let left = Double(a.votes) / Double(2 * Int64(a.seats) + 1)
        let right = Double(b.votes) / Double(2 * Int64(b.seats) + 1)
        if left != right { return left > right }
        return breakTie(a, b)
    }
}

/// Karmada's replica dispenser: replicas still to hand out, and the target clusters so far.
public struct ReplicaDispenser: Sendable {
    public var numReplicas: Int32
    public var result: [TargetCluster]
    public let uid: String

    public init(numReplicas: Int32, initial: [TargetCluster] = [], uid: String = "") {
        self.numReplicas = numReplicas
        self.result = initial
        self.uid = uid
    }

    /// Whether every replica has been handed out (and there is a result).
    public var isDone: Bool { numReplicas == 0 && !result.isEmpty }

    /// Hands out the remaining replicas by weight with Webster's method, on top of what is already assigned.
    /// Does nothing when done or when the weights sum to 0.
    public mutating func allocate(byWeight weights: [(cluster: String, weight: Int64)]) {
        guard !isDone, weights.reduce(0, { $0 + $1.weight }) > 0 else { return }
        var parties = weights.map { WebsterParty(name: $0.cluster, votes: $0.weight, seats: 0) }
            .sorted { $0.name < $1.name }
        let uniqueNames = zip(parties, parties.dropFirst()).allSatisfy { $0.name != $1.name }
        if !(result.isEmpty && uniqueNames) {
            var initial: [String: Int32] = [:]
            for target in result { initial[target.name, default: 0] += target.replicas }
            var votes: [String: Int64] = [:]
            for entry in weights { votes[entry.cluster, default: 0] += entry.weight }
            parties = Set(initial.keys).union(votes.keys).sorted().map {
                WebsterParty(name: $0, votes: votes[$0] ?? 0, seats: initial[$0] ?? 0)
            }
        }
        Webster.allocate(newSeats: numReplicas, to: &parties, tieBreaker: Webster.tieBreaker(uid: uid))
        result = parties.map { TargetCluster(name: $0.name, replicas: $0.seats) }
        numReplicas = 0
    }
}

/// Karmada's `TargetCluster`: a cluster and its replicas.
public struct TargetCluster: Sendable, Hashable, Codable, CustomStringConvertible {
    public var name: String
    public var replicas: Int32

    public init(name: String, replicas: Int32) {
        self.name = name
        self.replicas = replicas
    }

    public var description: String { "\(name)=\(replicas)" }
}

/// Spreads replicas over clusters using their `replicas` as weights (`SpreadReplicasByTargetClusters`).
public func spreadReplicas(_ replicas: Int32, byWeights clusters: [TargetCluster], uid: String = "") -> [TargetCluster] {
    var dispenser = ReplicaDispenser(numReplicas: replicas, uid: uid)
    dispenser.allocate(byWeight: clusters.map { ($0.name, Int64($0.replicas)) })
    return dispenser.result
}
