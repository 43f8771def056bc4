import FlotillaModel
import Testing
@testable import FlotillaPlacement

/// `spread_selection.json`: cluster selection under spread constraints.
@Suite struct SpreadConformanceTests {
    static let file = "spread_selection"
    static let ops: Set<String> = [
        "SelectBestClusters", "selectBestClustersByRegion", "selectGroups", "sortClusters", "GroupClustersWithScore",
        "calcGroupScore", "calcGroupScoreForDuplicate", "SelectClusters",
    ]

    @Test func everyOpOfTheFileIsCovered() {
        #expect(ConformanceVector.ops(in: Self.file) == Self.ops)
        #expect(ConformanceVector.load(Self.file, ops: Self.ops).count == 43)
    }

    static func scored(_ json: JSONValue?) -> [ScoredCluster] {
        (json?.arrayValue ?? []).map { entry in
            var cluster = Decode.cluster(entry["cluster"])
            if cluster.name.isEmpty { cluster.metadata.name = entry["name"]?.stringValue ?? "" }
            return ScoredCluster(cluster: cluster, score: entry["score"]?.intValue ?? 0,
                                 availableReplicas: entry["availableReplicas"]?.intValue ?? 0,
                                 overflowOrder: Int(entry["overflowOrder"]?.intValue ?? 0))
        }
    }

    /// `clustersScore` entries with the estimate every cluster gets, plus what is already placed there.
    static func fromScores(_ input: JSONValue) -> [ScoredCluster] {
        let spec = input["bindingSpec"]
        let previous = Decode.targetClusters(spec?["clusters"])
        let replicas = spec?["replicas"]?.intValue ?? 0
        return (input["clustersScore"]?.arrayValue ?? []).map { entry in
            let cluster = Decode.cluster(entry["cluster"])
            let estimate = input["availableReplicasPerCluster"]?.intValue ?? replicas
            let assigned = previous.filter { $0.name == cluster.name }.reduce(Int64(0)) { $0 + Int64($1.replicas) }
            return ScoredCluster(cluster: cluster, score: entry["score"]?.intValue ?? 0, availableReplicas: estimate + assigned)
        }
    }

    static func check(_ vector: ConformanceVector, _ body: () throws(PlacementError) -> [String]) {
        do {
            let names = try body()
            #expect(vector.expected["error"]?.boolValue != true, "expected an error, got \(names)")
            let expected = (vector.expected["clusters"]?.arrayValue ?? []).compactMap(\.stringValue)
            if vector.expected["compare"]?.stringValue == "unordered" {
                #expect(names.sorted() == expected.sorted())
            } else {
                #expect(names == expected)
            }
        } catch {
            #expect(vector.expected["error"]?.boolValue == true, "unexpected error \(error)")
            if let message = vector.expected["errorMessage"]?.stringValue {
                #expect(error.description == message)
            }
        }
    }

    @Test(arguments: ConformanceVector.load(file, ops: ops))
    func vector(_ vector: ConformanceVector) {
        let input = vector.input
        let placement = Decode.value(Placement.self, input["placement"] ?? input["bindingSpec"]?["placement"]) ?? Placement()
        switch vector.op {
        case "SelectBestClusters":
            Self.check(vector) { () throws(PlacementError) in
                try SpreadSelection.selectBestClusters(placement, clusters: Self.scored(input["clusters"]),
                                                       needReplicas: input["needReplicas"]?.intValue ?? 0).map(\.name)
            }
        case "selectBestClustersByRegion":
            let constraints = Decode.value([SpreadConstraint].self, input["spreadConstraints"]) ?? []
            let regions = (input["regions"]?.arrayValue ?? []).map {
                SpreadSelection.Region(name: $0["name"]?.stringValue ?? "", score: $0["score"]?.intValue ?? 0,
                                       clusters: Self.scored($0["clusters"]))
            }
            Self.check(vector) { () throws(PlacementError) in
                try SpreadSelection.selectByRegion(
                    region: constraints.first { $0.spreadByField == .region } ?? SpreadConstraint(spreadByField: .region),
                    cluster: constraints.first { $0.spreadByField == .cluster } ?? SpreadConstraint(spreadByField: .cluster),
                    regions: regions).map(\.name)
            }
        case "selectGroups":
            let groups = (input["groups"]?.arrayValue ?? []).map {
                ClusterGroup(name: $0["name"]?.stringValue ?? "", value: $0["value"]?.intValue ?? 0,
                             weight: $0["weight"]?.intValue ?? 0)
            }
            let chosen = SpreadSelection.selectGroups(groups, minGroups: Int(input["minConstraint"]?.intValue ?? 0),
                                                      maxGroups: Int(input["maxConstraint"]?.intValue ?? 0),
                                                      target: input["target"]?.intValue ?? 0)
            let expected = vector.expected["groups"]?.arrayValue?.compactMap(\.stringValue)
            #expect(chosen?.map(\.name) == expected)
        case "sortClusters":
            let order = SpreadSelection.sorted(Self.scored(input["clusters"]),
                                               byAvailableReplicas: input["compareAvailableReplicasDesc"]?.boolValue ?? false)
            #expect(order.map(\.name) == (vector.expected["order"]?.arrayValue ?? []).compactMap(\.stringValue))
        case "GroupClustersWithScore":
            let clusters = SpreadSelection.sorted(Self.fromScores(input))
            #expect(clusters.map(\.name) == (vector.expected["clusterOrder"]?.arrayValue ?? []).compactMap(\.stringValue))
            let groups = SpreadSelection.topologyGroups(clusters, placement: placement)
            #expect(Int64(groups.zones.count) == vector.expected["zoneCount"]?.intValue)
            #expect(Int64(groups.regions.count) == vector.expected["regionCount"]?.intValue)
            #expect(Int64(groups.providers.count) == vector.expected["providerCount"]?.intValue)
        case "calcGroupScore":
            let replicas = input["bindingSpec"]?["replicas"]?.intValue ?? 0
            let minGroups = Int(input["minGroups"]?.intValue ?? 0)
            let first = SpreadSelection.groupScore(Self.scored(input["clusters1"]), placement: placement,
                                                   replicas: replicas, minGroups: minGroups)
            let second = SpreadSelection.groupScore(Self.scored(input["clusters2"]), placement: placement,
                                                    replicas: replicas, minGroups: minGroups)
            #expect((first >= second) == vector.expected["group1Wins"]?.boolValue, "\(first) vs \(second)")
        case "calcGroupScoreForDuplicate":
            let score = SpreadSelection.duplicateGroupScore(Self.scored(input["clusters"]),
                                                            replicas: input["bindingSpec"]?["replicas"]?.intValue ?? 0)
            #expect(score == vector.expected["score"]?.intValue)
        default:
            let observed = input["bindingStatus"]?["schedulerObservedAffinityName"]?.stringValue
            let clusters = Self.fromScores(input).map { scored in
                var copy = scored
                copy.overflowOrder = SpreadSelection.overflowOrder(of: scored.cluster, placement: placement,
                                                                   observedAffinityName: observed)
                return copy
            }
            Self.check(vector) { () throws(PlacementError) in
                try SpreadSelection.selectBestClusters(placement, clusters: SpreadSelection.sorted(clusters),
                                                       needReplicas: input["bindingSpec"]?["replicas"]?.intValue ?? 0)
                    .map(\.name)
            }
        }
    }
}
