import Foundation
import FlotillaModel
import Testing
@testable import FlotillaPlacement

/// Many seats are given in bulk; the result must be exactly what Karmada's one-seat-at-a-time method gives.
struct WebsterBulkTests {
    /// Karmada's method as written: every seat to the highest `votes / (2 * seats + 1)`, ties by the tie-breaker.
    static func oneAtATime(_ seats: Int32, _ parties: [WebsterParty], _ breakTie: WebsterTieBreaker) -> [WebsterParty] {
        var parties = parties
        for _ in 0..<seats {
            var best = 0
            for index in 1..<parties.count {
                let a = parties[index], b = parties[best]
                let left = Double(a.votes) / Double(2 * Int64(a.seats) + 1)
                let right = Double(b.votes) / Double(2 * Int64(b.seats) + 1)
                if left > right || (left == right && breakTie(a, b)) { best = index }
            }
            parties[best].seats += 1
        }
        return parties
    }

    @Test func bulkAllocationEqualsOneSeatAtATime() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<400 {
            let count = Int.random(in: 1...6, using: &generator)
            var parties: [WebsterParty] = []
            for index in 0..<count {
                let votes = round % 5 == 0 ? Int64([1, 2, 3][index % 3]) : Int64.random(in: 0...50, using: &generator)
                parties.append(WebsterParty(name: "c\(index)", votes: votes,
                                            seats: Int32.random(in: 0...5, using: &generator)))
            }
            if parties.allSatisfy({ $0.votes == 0 }) { parties[0].votes = 1 }
            let seats = Int32.random(in: 0...600, using: &generator)
            let breakTie = round % 2 == 0 ? Webster.fewerSeatsThenNameAscending : Webster.tieBreaker(uid: "uid-\(round)")
            var fast = parties
            Webster.allocate(newSeats: seats, to: &fast, tieBreaker: breakTie)
            #expect(fast == Self.oneAtATime(seats, parties, breakTie), "round \(round): \(parties) + \(seats)")
        }
    }

    @Test func twoBillionReplicasAreDividedWithoutGivingThemOneByOne() {
        var parties = [WebsterParty(name: "a", votes: 1, seats: 0), WebsterParty(name: "b", votes: 2, seats: 0),
                       WebsterParty(name: "c", votes: 3, seats: 0)]
        Webster.allocate(newSeats: 2_000_000_000, to: &parties, tieBreaker: nil)
        #expect(parties.map(\.seats) == [333_333_333, 666_666_667, 1_000_000_000])
    }
}
