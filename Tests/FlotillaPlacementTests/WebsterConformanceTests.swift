import FlotillaModel
import Testing
@testable import FlotillaPlacement

/// `webster_dispenser.json`: Webster apportionment and Karmada's replica dispenser.
@Suite struct WebsterConformanceTests {
    static let file = "webster_dispenser"
    static let ops: Set<String> = [
        "AllocateWebsterSeats", "Dispenser.AllocateByWeight", "SpreadReplicasByTargetClusters", "Dispenser.Done",
    ]

    @Test func everyOpOfTheFileIsCovered() {
        #expect(ConformanceVector.ops(in: Self.file) == Self.ops)
        #expect(ConformanceVector.load(Self.file, ops: Self.ops).count == 37)
    }

    @Test(arguments: ConformanceVector.load(file, ops: ops))
    func vector(_ vector: ConformanceVector) {
        let input = vector.input
        switch vector.op {
        case "AllocateWebsterSeats":
            let votes = (input["partyVotes"]?.objectValue ?? [:]).compactMapValues(\.intValue)
            let initial = (input["initialAssignments"]?.objectValue ?? [:]).compactMapValues { $0.intValue.map(Int32.init) }
            let tieBreaker: WebsterTieBreaker?
            switch input["tieBreaker"]?.stringValue {
            case "nameAscending"?: tieBreaker = { $0.name < $1.name }
            case "nameDescending"?: tieBreaker = { $0.name > $1.name }
            default: tieBreaker = nil
            }
            let parties = Webster.allocate(newSeats: Int32(input["newSeats"]?.intValue ?? 0), partyVotes: votes,
                                           initialAssignments: initial, tieBreaker: tieBreaker)
            let actual: JSONValue = parties.map { list in
                .array(list.map { .object(["name": .string($0.name), "votes": .int($0.votes), "seats": .int(Int64($0.seats))]) })
            } ?? .null
            #expect(actual == vector.expected["parties"])
        case "Dispenser.AllocateByWeight":
            var dispenser = ReplicaDispenser(numReplicas: Int32(input["numReplicas"]?.intValue ?? 0),
                                             initial: Decode.targetClusters(input["initialAssignment"]),
                                             uid: input["uid"]?.stringValue ?? "")
            let weights = (input["weightList"]?.arrayValue ?? []).map {
                (cluster: $0["clusterName"]?.stringValue ?? "", weight: $0["weight"]?.intValue ?? 0)
            }
            dispenser.allocate(byWeight: weights)
            #expect(multiset(dispenser.result) == multiset(Decode.targetClusters(vector.expected["targetClusters"])))
            #expect(dispenser.isDone == vector.expected["done"]?.boolValue)
        case "SpreadReplicasByTargetClusters":
            let result = spreadReplicas(Int32(input["numReplicas"]?.intValue ?? 0),
                                        byWeights: Decode.targetClusters(input["targetClusters"]),
                                        uid: input["uid"]?.stringValue ?? "")
            let alternatives = (vector.expected["alternatives"]?.arrayValue ?? []).map { multiset(Decode.targetClusters($0)) }
            #expect(alternatives.contains(multiset(result)), "got \(result)")
        default:
            let dispenser = ReplicaDispenser(numReplicas: Int32(input["numReplicas"]?.intValue ?? 0),
                                             initial: Decode.targetClusters(input["result"]))
            #expect(dispenser.isDone == vector.expected["done"]?.boolValue)
        }
    }
}
