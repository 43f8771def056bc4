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

/// The policy index of a plan chooses exactly what matching every policy would.
@Suite struct PolicyIndexTests {
    @Test func theIndexChoosesWhatAFullScanChooses() {
        var seed: UInt64 = 42
        func next(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        let kinds = [("apps/v1", "Deployment"), ("v1", "ConfigMap"), ("v1", "Service")]
        let namespaces = ["a", "b", "c"]
        func selector() -> ResourceSelector {
            let (apiVersion, kind) = kinds[next(kinds.count)]
            switch next(4) {
            case 0: return ResourceSelector(apiVersion: apiVersion, kind: kind, name: "obj\(next(6))")
            case 1: return ResourceSelector(apiVersion: apiVersion, kind: kind,
                                            labelSelector: LabelSelector(matchLabels: ["tier": next(2) == 0 ? "web" : "db"]))
            case 2: return ResourceSelector(apiVersion: apiVersion, kind: kind, namespace: namespaces[next(3)])
            default: return ResourceSelector(apiVersion: apiVersion, kind: kind)
            }
        }
        var local: [PropagationPolicy] = []
        var cluster: [ClusterPropagationPolicy] = []
        for index in 0..<60 {
            var spec = PropagationSpec(resourceSelectors: (0..<(1 + next(3))).map { _ in selector() })
            spec.priority = next(3) == 0 ? Int32(next(3)) : nil
            if index % 4 == 0 {
                cluster.append(ClusterPropagationPolicy(metadata: ObjectMeta(name: "c\(next(20))"), spec: spec))
            } else {
                local.append(PropagationPolicy(metadata: ObjectMeta(name: "p\(next(20))", namespace: namespaces[next(3)]), spec: spec))
            }
        }
        let index = PolicySelection.Index(propagationPolicies: local, clusterPropagationPolicies: cluster)
        var chosen = 0
        for namespace in namespaces {
            for (apiVersion, kind) in kinds {
                for name in (0..<6).map({ "obj\($0)" }) {
                    for tier in ["web", "db"] {
                        let template = KubernetesObject(content: .object([
                            "apiVersion": .string(apiVersion), "kind": .string(kind),
                            "metadata": .object(["name": .string(name), "namespace": .string(namespace),
                                                 "labels": .object(["tier": .string(tier)])])]),
                            location: SourceLocation(file: "t.yaml", line: 1))
                        // The reference: every policy of the namespace, then every cluster policy.
                        let own = local.filter { $0.metadata.namespace == namespace }.map { (name: $0.metadata.name, spec: $0.spec) }
                        let expected = PolicySelection.highestPriority(among: own, for: template)
                            ?? PolicySelection.highestPriority(among: cluster.map { (name: $0.metadata.name, spec: $0.spec) },
                                                               for: template)
                        let choice = PolicySelection.choose(for: template, in: index)
                        #expect(choice?.name == expected?.name && choice?.implicitPriority == expected?.implicit,
                                "\(namespace)/\(kind)/\(name)/\(tier)")
                        if choice != nil { chosen += 1 }
                    }
                }
            }
        }
        #expect(chosen > 20)  // the generated policies do select things
    }
}
