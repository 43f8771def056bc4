import FlotillaModel
import Testing
@testable import FlotillaPlacement

/// `cluster_affinity_plugins_defaults.json`: cluster affinity, field selectors and the scheduler's filters.
@Suite struct ClusterAffinityConformanceTests {
    static let file = "cluster_affinity_plugins_defaults"
    static let implemented: Set<String> = [
        "ClusterMatches", "extractClusterFields", "matchZones", "filter.ClusterAffinity", "filter.TaintToleration",
        "filter.APIEnablement",
    ]

    @Test(arguments: ConformanceVector.load(file, ops: implemented))
    func vector(_ vector: ConformanceVector) throws {
        let input = vector.input
        let cluster = Decode.cluster(input["cluster"])
        switch vector.op {
        case "ClusterMatches":
            // An affinity the typed API cannot hold (a requirement without an operator) is invalid: no match.
            let matches = Decode.value(ClusterAffinity.self, input["affinity"])?.matches(cluster) ?? false
            #expect(matches == vector.expected["matches"]?.boolValue)
        case "extractClusterFields":
            let expected = vector.expected["fields"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
            #expect(ClusterFields.extract(cluster) == expected)
        case "matchZones":
            let requirement = try #require(Decode.value(LabelSelectorRequirement.self, input["requirement"]))
            let zones = (input["zones"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(ClusterFields.matchZones(requirement, zones: zones) == vector.expected["matches"]?.boolValue)
        default:
            let spec = input["bindingSpec"]
            let placement = Decode.value(Placement.self, spec?["placement"])
            let scheduled = Set(Decode.targetClusters(spec?["clusters"]).map(\.name))
            let result: FilterResult
            switch vector.op {
            case "filter.ClusterAffinity":
                result = ClusterFilters.clusterAffinity(
                    placement, observedAffinityName: input["bindingStatus"]?["schedulerObservedAffinityName"]?.stringValue,
                    cluster: cluster)
            case "filter.TaintToleration":
                result = ClusterFilters.taintToleration(placement, scheduledClusters: scheduled, cluster: cluster)
            default:
                result = ClusterFilters.apiEnablement(
                    apiVersion: spec?["resource"]?["apiVersion"]?.stringValue ?? "",
                    kind: spec?["resource"]?["kind"]?.stringValue ?? "", scheduledClusters: scheduled, cluster: cluster)
            }
            #expect((result.passed ? "Success" : "Unschedulable") == vector.expected["code"]?.stringValue)
            if let reason = vector.expected["reasonContains"]?.stringValue {
                #expect(result.reason?.contains(reason) == true)
            }
        }
    }

    @Test func theFileHoldsTheVectorsTheseTestsRun() {
        #expect(ConformanceVector.load(Self.file, ops: Self.implemented).count == 61)
    }
}
