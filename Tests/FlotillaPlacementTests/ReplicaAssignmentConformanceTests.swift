import FlotillaModel
import Testing
@testable import FlotillaPlacement

/// `replica_assignment.json`: Duplicated, static weight, dynamic weight, Aggregated, scaling and overflow tiers.
@Suite struct ReplicaAssignmentConformanceTests {
    static let file = "replica_assignment"
    static let ops: Set<String> = [
        "AssignReplicas", "assignByStaticWeightStrategy", "assignByDynamicStrategy", "dynamicScaleUp",
        "assignByDuplicatedStrategy", "dynamicDivideReplicas", "attachZeroReplicasCluster", "IsBindingReplicasChanged",
        "MergeTargetClusters",
    ]

    @Test func everyOpOfTheFileIsCovered() {
        #expect(ConformanceVector.ops(in: Self.file) == Self.ops)
        #expect(ConformanceVector.load(Self.file, ops: Self.ops).count == 66)
    }

    static func candidates(_ json: JSONValue?) -> [ClusterCandidate] {
        (json?.arrayValue ?? []).map { candidate in
            var cluster = Decode.cluster(candidate["cluster"])
            if cluster.name.isEmpty { cluster.metadata.name = candidate["name"]?.stringValue ?? "" }
            return ClusterCandidate(cluster: cluster,
                                    allocatableReplicas: Int32(candidate["allocatableReplicas"]?.intValue ?? 0),
                                    overflowOrder: Int(candidate["overflowOrder"]?.intValue ?? 0))
        }
    }

    static func request(_ spec: JSONValue?) -> ReplicaAssignment.Request {
        let replicas = Int32(spec?["replicas"]?.intValue ?? 0)
        let hasRequirements = !(spec?["replicaRequirements"]?.isNull ?? true)
        return ReplicaAssignment.Request(replicas: replicas, isWorkload: replicas > 0 || hasRequirements,
                                         uid: spec?["resource"]?["uid"]?.stringValue ?? "",
                                         previous: Decode.targetClusters(spec?["clusters"]))
    }

    /// Checks a result (or an error) against the vector's expectation.
    static func check(_ vector: ConformanceVector, _ body: () throws(PlacementError) -> [TargetCluster]) {
        let expected = vector.expected
        do {
            let result = try body()
            if expected["error"]?.boolValue == true {
                Issue.record("expected an error, got \(result)")
            } else if let alternatives = expected["alternatives"]?.arrayValue {
                #expect(alternatives.map { multiset(Decode.targetClusters($0)) }.contains(multiset(result)), "got \(result)")
            } else if expected["compare"]?.stringValue == "ordered" {
                #expect(result == Decode.targetClusters(expected["targetClusters"]))
            } else {
                #expect(multiset(result) == multiset(Decode.targetClusters(expected["targetClusters"])))
            }
        } catch {
            #expect(expected["error"]?.boolValue == true, "unexpected error \(error)")
            if let text = expected["errorContains"]?.stringValue {
                #expect(error.description.contains(text), "\(error)")
            }
            if expected["errorType"]?.stringValue == "Unschedulable" {
                guard case .unschedulable = error else {
                    Issue.record("expected an Unschedulable error, got \(error)")
                    return
                }
            }
        }
    }

    @Test(arguments: ConformanceVector.load(file, ops: ops))
    func vector(_ vector: ConformanceVector) {
        let input = vector.input
        let spec = input["bindingSpec"]
        let candidates = Self.candidates(input["candidates"])
        let placementJSON = spec?["placement"] ?? input["placement"]
        switch vector.op {
        case "AssignReplicas":
            // A strategy the typed API cannot hold is the unsupported one.
            let rawStrategy = placementJSON?["replicaScheduling"]
            let strategy = Decode.value(ReplicaSchedulingStrategy.self, rawStrategy)
            let placement = Decode.value(Placement.self, placementJSON)
            var request = Self.request(spec)
            let observed = input["bindingStatus"]?["schedulerObservedAffinityName"]?.stringValue
            let term = placement?.clusterAffinities?.first { $0.affinityName == observed }
            request.hasOverflowTiers = !(term?.overflowAffinities ?? []).isEmpty
            Self.check(vector) { () throws(PlacementError) in
                if rawStrategy != nil && !(rawStrategy?.isNull ?? true) && strategy == nil {
                    throw PlacementError.unsupportedStrategy
                }
                return try ReplicaAssignment.assign(candidates, strategy: strategy, request: request)
            }
        case "assignByStaticWeightStrategy":
            let strategy = Decode.value(ReplicaSchedulingStrategy.self, placementJSON?["replicaScheduling"])
            Self.check(vector) { () throws(PlacementError) in
                ReplicaAssignment.staticWeight(candidates, preference: strategy?.weightPreference,
                                               request: Self.request(spec))
            }
        case "assignByDynamicStrategy", "dynamicScaleUp":
            let strategy = Decode.value(ReplicaSchedulingStrategy.self, placementJSON?["replicaScheduling"])
            Self.check(vector) { () throws(PlacementError) in
                try ReplicaAssignment.dynamic(candidates, aggregated: ReplicaStrategy(strategy) == .aggregated,
                                              request: Self.request(spec))
            }
        case "assignByDuplicatedStrategy":
            Self.check(vector) { () throws(PlacementError) in
                try ReplicaAssignment.assign(candidates, resolved: .duplicated, strategy: nil, request: Self.request(spec))
            }
        case "dynamicDivideReplicas":
            Self.check(vector) { () throws(PlacementError) in
                try ReplicaAssignment.divide(Decode.targetClusters(input["availableClusters"]),
                                             target: Int32(input["targetReplicas"]?.intValue ?? 0),
                                             scheduled: Decode.targetClusters(input["scheduledClusters"]),
                                             aggregated: input["strategyType"]?.stringValue == "Aggregated",
                                             uid: input["uid"]?.stringValue ?? "")
            }
        case "attachZeroReplicasCluster":
            Self.check(vector) { () throws(PlacementError) in
                ReplicaAssignment.attachZeroReplicaClusters(Decode.targetClusters(input["targetClusters"]),
                                                            candidates: candidates)
            }
        case "MergeTargetClusters":
            Self.check(vector) { () throws(PlacementError) in
                ReplicaAssignment.mergeTargetClusters(Decode.targetClusters(input["old"]),
                                                      Decode.targetClusters(input["new"]))
            }
        default:
            let strategy = Decode.value(ReplicaSchedulingStrategy.self, input["replicaScheduling"])
            let changed = ReplicaAssignment.replicasChanged(replicas: Int32(spec?["replicas"]?.intValue ?? 0),
                                                            clusters: Decode.targetClusters(spec?["clusters"]),
                                                            strategy: strategy)
            #expect(changed == vector.expected["changed"]?.boolValue)
        }
    }
}
