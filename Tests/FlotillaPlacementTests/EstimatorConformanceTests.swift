import FlotillaModel
import Testing
@testable import FlotillaPlacement

/// `estimator_general.json`: available replicas from a cluster's resource summary or resource models.
@Suite struct EstimatorConformanceTests {
    static let file = "estimator_general"
    static let ops: Set<String> = [
        "getAllowedPodNumber", "getMaximumReplicasBasedOnClusterSummary", "GeneralEstimator.maxAvailableReplicas",
        "GeneralEstimator.MaxAvailableReplicas", "getMaximumReplicasBasedOnResourceModels",
    ]

    @Test func everyOpOfTheFileIsCovered() {
        #expect(ConformanceVector.ops(in: Self.file) == Self.ops)
        #expect(ConformanceVector.load(Self.file, ops: Self.ops).count == 20)
    }

    static func request(_ json: JSONValue?) -> ResourceRequest? {
        guard let json, !json.isNull else { return nil }
        return Decode.value([String: Quantity].self, json["resourceRequest"] ?? .object([:])) ?? [:]
    }

    static func assumed(_ json: JSONValue?) -> [AssumedWorkload] {
        (json?.arrayValue ?? []).flatMap { workload in
            (workload["components"]?.arrayValue ?? []).map {
                AssumedWorkload(replicas: $0["replicas"]?.intValue ?? 0,
                                request: request($0["replicaRequirements"]) ?? [:])
            }
        }
    }

    @Test(arguments: ConformanceVector.load(file, ops: ops))
    func vector(_ vector: ConformanceVector) {
        let input = vector.input
        let gates = input["featureGates"]
        // Overcommit protection (deducting assumed workloads) is a gate in Karmada; Flotilla always protects, and
        // every vector that passes assumed workloads expects them deducted.
        let models = gates?["CustomizedClusterResourceModeling"]?.boolValue ?? true
        switch vector.op {
        case "getAllowedPodNumber":
            let summary = Decode.value(ResourceSummary.self, input["resourceSummary"])
            #expect(CapacityEstimator.allowedPods(summary) == vector.expected["allowedPods"]?.intValue)
        case "getMaximumReplicasBasedOnClusterSummary":
            let summary = Decode.value(ResourceSummary.self, input["resourceSummary"])
            let replicas = CapacityEstimator.maxReplicasFromSummary(summary, request: Self.request(input["replicaRequirements"]) ?? [:])
            #expect(replicas == vector.expected["maxReplicas"]?.intValue)
        case "GeneralEstimator.maxAvailableReplicas":
            let cluster = Decode.cluster(input["cluster"])
            let replicas = CapacityEstimator.maxAvailableReplicas(
                cluster, request: Self.request(input["replicaRequirements"]),
                assumed: Self.assumed(input["assumedWorkloads"]), useResourceModels: models)
            #expect(replicas == vector.expected["maxReplicas"]?.intValue)
        case "GeneralEstimator.MaxAvailableReplicas":
            let clusters = (input["clusters"]?.arrayValue ?? []).map(Decode.cluster)
            let results = clusters.map { cluster in
                TargetCluster(name: cluster.name, replicas: Int32(CapacityEstimator.maxAvailableReplicas(
                    cluster, request: Self.request(input["replicaRequirements"]),
                    assumed: Self.assumed(input["assumedWorkloads"]?[cluster.name]),
                    useResourceModels: models)))
            }
            #expect(results == Decode.targetClusters(vector.expected["targetClusters"]))
        default:
            let cluster = Decode.cluster(input["cluster"])
            do {
                let replicas = try CapacityEstimator.maxReplicasFromModels(
                    cluster, request: Self.request(input["replicaRequirements"]) ?? [:])
                #expect(vector.expected["error"]?.boolValue != true)
                #expect(replicas == vector.expected["maxReplicas"]?.intValue)
            } catch {
                #expect(vector.expected["error"]?.boolValue == true)
            }
        }
    }

    @Test(arguments: [
        ("500m", 500, 1), ("1.5Gi", 1_610_612_736_000, 1_610_612_736), ("4", 4000, 4), ("0.1", 100, 1), ("2k", 2_000_000, 2000),
        ("1e3", 1_000_000, 1000), ("128Mi", 134_217_728_000, 134_217_728), ("100n", 1, 1),
    ] as [(String, Int64, Int64)])
    func quantities(text: String, milli: Int64, whole: Int64) {
        #expect(Quantity(text).milliValue == milli)
        #expect(Quantity(text).integerValue == whole)
    }
}
