import FlotillaModel
import Foundation
import Testing
@testable import FlotillaPlacement

/// `image_override.json`, `command_args_label_annotation_override.json` and `override_policy.json`.
@Suite struct OverrideConformanceTests {
    static let imageOps: Set<String> = [
        "imageparser.Parse", "imageparser.SplitHostname", "imageparser.ComponentSteps", "imageparser.ComponentsString",
        "imageOverrider.buildPatches",
    ]
    static let commandOps: Set<String> = [
        "commandOverrider.buildPatches", "argsOverrider.buildPatches", "labelsOverrider.apply", "annotationsOverrider.apply",
    ]
    static let policyOps: Set<String> = [
        "getOverridersFromOverridePolicies", "ApplyOverridePolicies", "AppliedOverrides.MarshalJSON",
    ]

    @Test func everyOpOfTheFilesIsCovered() {
        #expect(ConformanceVector.ops(in: "image_override") == Self.imageOps)
        #expect(ConformanceVector.ops(in: "command_args_label_annotation_override") == Self.commandOps)
        #expect(ConformanceVector.ops(in: "override_policy") == Self.policyOps)
    }

    private static func patches(_ json: JSONValue?) -> [JSONValue] { json?.arrayValue ?? [] }

    @Test(arguments: ConformanceVector.load("image_override", ops: imageOps))
    func image(_ vector: ConformanceVector) throws {
        let input = vector.input
        let expected = vector.expected
        switch vector.op {
        case "imageparser.Parse":
            let reference = ImageReference(parsing: input["image"]?.stringValue ?? "")
            #expect(reference.hostname == expected["hostname"]?.stringValue)
            #expect(reference.repository == expected["repository"]?.stringValue)
            #expect(reference.tag == expected["tag"]?.stringValue)
            #expect(reference.digest == expected["digest"]?.stringValue)
            #expect(reference.description == expected["string"]?.stringValue)
        case "imageparser.SplitHostname":
            let (hostname, repository) = ImageReference.splitHostname(input["name"]?.stringValue ?? "")
            #expect(hostname == expected["hostname"]?.stringValue)
            #expect(repository == expected["repository"]?.stringValue)
        case "imageparser.ComponentSteps":
            var reference = ImageReference(parsing: input["image"]?.stringValue ?? "")
            var strings: [JSONValue] = []
            for step in input["steps"]?.arrayValue ?? [] {
                let argument = step["arg"]?.stringValue ?? ""
                switch step["call"]?.stringValue {
                case "SetHostname": reference.hostname = argument
                case "RemoveHostname": reference.hostname = ""
                case "SetRepository": reference.repository = argument
                case "SetTagOrDigest": reference.setTagOrDigest(argument)
                case "RemoveTagOrDigest": reference.removeTagOrDigest()
                default: Issue.record("unknown step \(step)")
                }
                strings.append(.string(reference.description))
            }
            #expect(JSONValue.array(strings) == expected["stringAfterEachStep"])
        case "imageparser.ComponentsString":
            let reference = ImageReference(hostname: input["hostname"]?.stringValue ?? "",
                                           repository: input["repository"]?.stringValue ?? "",
                                           tag: input["tag"]?.stringValue ?? "", digest: input["digest"]?.stringValue ?? "")
            #expect(reference.description == expected["string"]?.stringValue)
        default:
            let object = input["object"] ?? .null
            let overrider = try #require(Decode.value(ImageOverrider.self, input["imageOverrider"]))
            let built = try OverriderPatches.image(overrider, object: object, kind: object["kind"]?.stringValue ?? "")
            #expect(built.map(\.json) == Self.patches(expected["patches"]))
        }
    }

    @Test(arguments: ConformanceVector.load("command_args_label_annotation_override", ops: commandOps))
    func commandArgsLabelsAnnotations(_ vector: ConformanceVector) throws {
        let object = vector.input["object"] ?? .null
        let kind = object["kind"]?.stringValue ?? ""
        switch vector.op {
        case "commandOverrider.buildPatches", "argsOverrider.buildPatches":
            let overrider = try #require(Decode.value(CommandArgsOverrider.self, vector.input["overrider"]))
            let field = vector.op.hasPrefix("command") ? "command" : "args"
            let built = OverriderPatches.commandOrArgs(overrider, field: field, object: object, kind: kind)
            #expect(built.map(\.json) == Self.patches(vector.expected["patches"]))
        default:
            let overriders = try #require(Decode.value([LabelAnnotationOverrider].self, vector.input["overriders"]))
            var all = Overriders()
            let field = vector.op.hasPrefix("labels") ? "labels" : "annotations"
            if field == "labels" { all.labelsOverrider = overriders } else { all.annotationsOverrider = overriders }
            var typed = object
            if typed["kind"] == nil { typed["kind"] = .string(kind) }
            let result = try OverrideApplication.apply(all, to: typed)
            let actual = result["metadata"]?[field] ?? .object([:])
            #expect(actual == (vector.expected[field] ?? .object([:])))
        }
    }

    private static func overridePolicies(_ json: JSONValue?) -> [OverridePolicy] {
        (json?.arrayValue ?? []).compactMap { policy in
            guard let spec = Decode.value(OverrideSpec.self, policy["spec"]) else { return nil }
            return OverridePolicy(metadata: ObjectMeta(name: policy.value(at: ["metadata", "name"])?.stringValue ?? "",
                                                       namespace: policy.value(at: ["metadata", "namespace"])?.stringValue),
                                  spec: spec)
        }
    }

    private static func entries(_ rules: [AppliedOverride], namespace: Bool) -> JSONValue? {
        guard !rules.isEmpty else { return nil }
        return .array(rules.map { rule in
            var members: [String: JSONValue] = ["policyName": .string(rule.policyName)]
            let encoded = (try? JSONEncoder().encode(rule.overriders)).flatMap { try? JSONSerialization.jsonObject(with: $0) }
            members["overriders"] = encoded.map(JSONValue.init(foundation:)) ?? .object([:])
            if namespace { members["policyNamespace"] = rule.policyNamespace.map(JSONValue.string) ?? .string("default") }
            return .object(members)
        })
    }

    @Test(arguments: ConformanceVector.load("override_policy", ops: policyOps))
    func policies(_ vector: ConformanceVector) throws {
        let input = vector.input
        switch vector.op {
        case "getOverridersFromOverridePolicies":
            let resource = Decode.object(input["resource"])
            let cluster = Decode.cluster(input["cluster"])
            let policies = Self.overridePolicies(input["policies"])
            let clusterScoped = input["policies"]?.arrayValue?.first?["kind"]?.stringValue == "ClusterOverridePolicy"
            let rules = clusterScoped
                ? OverrideApplication.rules(for: resource, on: cluster, clusterOverridePolicies: policies.map {
                    ClusterOverridePolicy(metadata: $0.metadata, spec: $0.spec)
                }, overridePolicies: [])
                : OverrideApplication.rules(for: resource, on: cluster, clusterOverridePolicies: [],
                                            overridePolicies: policies)
            #expect(Self.entries(rules, namespace: true) == vector.expected["overriders"])
        case "ApplyOverridePolicies":
            let resource = Decode.object(input["resource"])
            let clusterName = input["clusterName"]?.stringValue ?? ""
            let cluster = (input["clusters"]?.arrayValue ?? []).map(Decode.cluster).first { $0.name == clusterName }
            let clusterPolicies = Self.overridePolicies(input["clusterOverridePolicies"]).map {
                ClusterOverridePolicy(metadata: $0.metadata, spec: $0.spec)
            }
            let namespaced = Self.overridePolicies(input["overridePolicies"])
            let rules = OverrideApplication.rules(for: resource, on: try #require(cluster),
                                                  clusterOverridePolicies: clusterPolicies, overridePolicies: namespaced)
            let clusterRules = rules.filter { $0.policyKind == "ClusterOverridePolicy" }
            let namespacedRules = rules.filter { $0.policyKind == "OverridePolicy" }
            #expect(Self.entries(clusterRules, namespace: false) ?? .null == vector.expected["appliedClusterOverrides"])
            #expect(Self.entries(namespacedRules, namespace: false) ?? .null == vector.expected["appliedOverrides"])
            let result = try OverrideApplication.apply(rules, to: resource.content, cluster: clusterName)
            if let metadata = vector.expected["metadata"] {
                #expect(result["metadata"]?["labels"] == metadata["labels"])
                #expect(result["metadata"]?["annotations"] == metadata["annotations"])
            }
            if let data = vector.expected["data"] {
                #expect(result["data"] == data)
            }
        default:
            let scenarios = input["addedInOrder"]?.arrayValue ?? []
            let results = scenarios.map { scenario -> JSONValue in
                let rules = (scenario.arrayValue ?? []).map {
                    AppliedOverride(policyKind: "OverridePolicy", policyName: $0["policyName"]?.stringValue ?? "",
                                    policyNamespace: nil, ruleIndex: 0,
                                    overriders: Decode.value(Overriders.self, $0["overriders"]) ?? Overriders())
                }
                return OverrideApplication.appliedAnnotation(rules).map(JSONValue.string) ?? .null
            }
            #expect(JSONValue.array(results) == vector.expected["results"])
        }
    }
}
