import FlotillaModel
import Testing
@testable import FlotillaPlacement

/// `resource_selector_policy_priority.json`: resource selector matching and choosing one propagation policy.
@Suite struct SelectorConformanceTests {
    static let file = "resource_selector_policy_priority"
    static let implemented: Set<String> = [
        "ResourceSelectorPriority", "ResourceMatches", "ResourceMatchSelectors", "ResourceMatchSelectorsPriority",
        "ExtractUniqueNamespacedSelectors", "getHigherPriorityPropagationPolicy",
        "getHigherPriorityClusterPropagationPolicy", "getHighestPriorityPropagationPolicy",
        "getHighestPriorityClusterPropagationPolicy",
    ]

    @Test func everyOpOfTheFileIsCovered() {
        #expect(ConformanceVector.ops(in: Self.file) == Self.implemented)
        #expect(ConformanceVector.load(Self.file, ops: Self.implemented).count == 61)
    }

    private static func selectors(_ json: JSONValue?) -> [ResourceSelector] {
        (json?.arrayValue ?? []).compactMap { Decode.value(ResourceSelector.self, $0) }
    }

    @Test(arguments: ConformanceVector.load(file, ops: implemented))
    func vector(_ vector: ConformanceVector) throws {
        let input = vector.input
        let resource = Decode.object(input["resource"])
        switch vector.op {
        case "ResourceSelectorPriority":
            let selector = try #require(Decode.value(ResourceSelector.self, input["selector"]))
            #expect(Int64(selector.priority(for: resource).rawValue) == vector.expected["priorityValue"]?.intValue)
            #expect(selector.priority(for: resource).description == vector.expected["priority"]?.stringValue)
        case "ResourceMatches":
            let selector = try #require(Decode.value(ResourceSelector.self, input["selector"]))
            #expect(selector.matches(resource) == vector.expected["matches"]?.boolValue)
        case "ResourceMatchSelectors":
            let matches = Self.selectors(input["selectors"]).priority(for: resource) != .misMatch
            #expect(matches == vector.expected["matches"]?.boolValue)
        case "ResourceMatchSelectorsPriority":
            let priority = Self.selectors(input["selectors"]).priority(for: resource)
            #expect(Int64(priority.rawValue) == vector.expected["priorityValue"]?.intValue)
        case "ExtractUniqueNamespacedSelectors":
            let unique = Self.selectors(input["selectors"]).uniqueNamespacedSelectors()
            let expected = Self.selectors(vector.expected["selectors"])
            #expect(unique == expected)
        case "getHigherPriorityPropagationPolicy", "getHigherPriorityClusterPropagationPolicy":
            // Two policies of equal priority that match equally: the byte-wise smaller name wins; nil loses.
            let names = [input["a"]?.stringValue, input["b"]?.stringValue].compactMap { $0 }
            let template = KubernetesObject(content: .object(["apiVersion": .string("v1"), "kind": .string("Pod"),
                                                              "metadata": .object(["name": .string("p")])]),
                                            location: SourceLocation(file: "vector", line: 1))
            let spec = PropagationSpec(resourceSelectors: [ResourceSelector(apiVersion: "v1", kind: "Pod")])
            let winner = PolicySelection.highestPriority(among: names.map { ($0, spec) }, for: template)
            #expect(winner?.name == vector.expected["winner"]?.stringValue)
        default:
            let policies = (input["policies"]?.arrayValue ?? []).compactMap { policy -> (name: String, spec: PropagationSpec)? in
                guard let name = policy.value(at: ["metadata", "name"])?.stringValue,
                      let spec = Decode.value(PropagationSpec.self, policy["spec"]) else { return nil }
                return (name, spec)
            }
            #expect(policies.count == input["policies"]?.arrayValue?.count)
            let winner = PolicySelection.highestPriority(among: policies, for: resource)
            #expect(winner?.name == vector.expected["policyName"]?.stringValue)
        }
    }
}
