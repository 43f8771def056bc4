import FlotillaModel
import Testing
@testable import FlotillaPlacement

/// `cluster_affinity_plugins_defaults.json`: cluster affinity, field selectors and the scheduler's filters.
@Suite struct ClusterAffinityConformanceTests {
    static let file = "cluster_affinity_plugins_defaults"
    static let implemented: Set<String> = [
        "ClusterMatches", "extractClusterFields", "matchZones", "filter.ClusterAffinity", "filter.TaintToleration",
        "filter.APIEnablement", "filter.SpreadConstraint", "filter.ClusterEviction", "score.ClusterLocality",
        "score.ClusterAffinity", "SetDefaultSpreadConstraints", "IsReplicaDynamicDivided",
        "SetReplicaDivisionPreferenceWeighted", "SetDefaultGracePeriodSeconds",
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
        case "SetDefaultSpreadConstraints":
            let constraints = (Decode.value([SpreadConstraint].self, input["spreadConstraints"]) ?? []).map { $0.defaulted() }
            #expect(constraints == Decode.value([SpreadConstraint].self, vector.expected["spreadConstraints"]))
        case "IsReplicaDynamicDivided":
            let placement = Decode.value(Placement.self, input["placement"]) ?? Placement()
            #expect(placement.isReplicaDynamicDivided == vector.expected["result"]?.boolValue)
        case "SetReplicaDivisionPreferenceWeighted":
            let strategy = Decode.value(Placement.self, input["placement"])?.replicaScheduling?.defaulted()
            #expect((strategy?.replicaDivisionPreference == .weighted) == vector.expected["divisionPreferenceIsWeighted"]?.boolValue)
        case "SetDefaultGracePeriodSeconds":
            let behavior = Decode.value(ApplicationFailoverBehavior.self, input["applicationFailoverBehavior"])?.defaulted()
            #expect(behavior == Decode.value(ApplicationFailoverBehavior.self, vector.expected["applicationFailoverBehavior"]))
        case "score.ClusterLocality", "score.ClusterAffinity":
            let scheduled = Set(Decode.targetClusters(input["bindingSpec"]?["clusters"]).map(\.name))
            let score = vector.op == "score.ClusterAffinity"
                ? ClusterFilters.affinityScore(cluster: cluster)
                : ClusterFilters.localityScore(scheduledClusters: scheduled, cluster: cluster)
            #expect(score == vector.expected["score"]?.intValue)
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
            case "filter.SpreadConstraint":
                result = ClusterFilters.spreadConstraint(placement, cluster: cluster)
            case "filter.ClusterEviction":
                let tasks = (spec?["gracefulEvictionTasks"]?.arrayValue ?? []).compactMap { $0["fromCluster"]?.stringValue }
                result = ClusterFilters.clusterEviction(evictingFrom: Set(tasks), cluster: cluster)
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

    @Test func everyOpOfTheFileIsCovered() {
        #expect(ConformanceVector.ops(in: Self.file) == Self.implemented)
        #expect(ConformanceVector.load(Self.file, ops: Self.implemented).count == 87)
    }
}
