import Foundation
import FlotillaModel
import Testing
@testable import FlotillaPlacement

/// KARMADA.md H.O3: a plaintext add or replace without a value writes JSON null; remove ignores a value.
struct PlaintextWithoutValueTests {
    @Test func addWithoutAValueWritesNull() throws {
        let overriders = try JSONDecoder().decode([PlaintextOverrider].self, from: Data("""
            [{"path": "/metadata/labels/x", "operator": "add"}, {"path": "/spec/replicas", "operator": "remove", "value": 3}]
            """.utf8))
        let patch = OverriderPatches.plaintext(overriders)
        #expect(patch.map(\.value) == [.null, nil])
    }
}

/// KARMADA.md H.P1, with its three examples: the per-replica request takes missing keys from limits.
struct ReplicaRequestFromLimitsTests {
    static func plan(_ containers: String, replicas: Int, placement: String,
                     _ states: [String: ClusterState]) -> [String: Int32]? {
        let yaml = """
            \(SchedulerTests.eastCluster)
            apiVersion: cluster.karmada.io/v1alpha1
            kind: Cluster
            metadata: {name: west}
            spec: {syncMode: Push}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: default}
            spec:
              replicas: \(replicas)
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers: \(containers)
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: web, namespace: default}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              placement: \(placement)

            """
        let manifests = SchedulerTests.manifests(yaml)
        let result = Scheduler(manifests: manifests, states: states).plan().placements.first { $0.template.kind == "Deployment" }
        guard result?.error == nil else { return nil }
        return Dictionary(uniqueKeysWithValues: (result?.clusters ?? []).map { ($0.name, $0.replicas) })
    }

    static let dynamic = "{replicaScheduling: {replicaSchedulingType: Divided, replicaDivisionPreference: Weighted, "
        + "weightPreference: {dynamicWeight: AvailableReplicas}}}"

    @Test func limitsOnlyCountAsTheRequest() {
        let result = Self.plan(#"[{name: a, image: x, resources: {limits: {cpu: "1", memory: 512Mi}}}]"#, replicas: 6,
                               placement: Self.dynamic, [
            "east": ClusterState(allocatable: ["cpu": Quantity("2"), "memory": Quantity("64Gi"), "pods": Quantity("100")]),
            "west": ClusterState(allocatable: ["cpu": Quantity("8"), "memory": Quantity("64Gi"), "pods": Quantity("10")]),
        ])
        #expect(result == ["east": 1, "west": 5])
    }

    @Test func eachMissingKeyIsTakenFromItsContainersLimits() {
        let containers = #"[{name: a, image: x, resources: {requests: {cpu: 250m}}}, "#
            + #"{name: b, image: x, resources: {requests: {cpu: 50m}, limits: {memory: 16Gi}}}]"#
        let result = Self.plan(containers, replicas: 4, placement: Self.dynamic, [
            "east": ClusterState(allocatable: ["cpu": Quantity("32"), "memory": Quantity("39Gi"), "pods": Quantity("110")]),
            "west": ClusterState(allocatable: ["cpu": Quantity("32"), "memory": Quantity("119Gi"), "pods": Quantity("110")]),
        ])
        #expect(result == ["east": 1, "west": 3])
    }

    @Test func anExtendedResourceAClusterLacksLeavesNoRoomThere() {
        let result = Self.plan(#"[{name: a, image: x, resources: {requests: {cpu: 500m}, limits: {nvidia.com/gpu: 1}}}]"#,
                               replicas: 3,
                               placement: "{replicaScheduling: {replicaSchedulingType: Divided, replicaDivisionPreference: Aggregated}}", [
            "east": ClusterState(allocatable: ["cpu": Quantity("32"), "memory": Quantity("64Gi"), "pods": Quantity("110")]),
            "west": ClusterState(allocatable: ["cpu": Quantity("32"), "memory": Quantity("64Gi"), "pods": Quantity("110"),
                                               "nvidia.com/gpu": Quantity("2")]),
        ])
        #expect(result == nil, "2 GPUs in all are not enough for 3 replicas: \(String(describing: result))")
    }
}

/// KARMADA.md H.O1: JSON patches accept negative array indices (and Go's Atoi forms), as Karmada's json-patch does.
struct NegativeIndexPatchTests {
    static let document: JSONValue = .object(["items": .array([.string("a"), .string("b")])])

    static func apply(_ op: PatchOperation.Op, _ path: String, _ value: JSONValue? = nil) -> [String]? {
        let result = try? JSONPatch.apply([PatchOperation(op: op, path: path, value: value)], to: document)
        return result?.value(at: ["items"])?.arrayValue?.compactMap(\.stringValue)
    }

    @Test func negativeIndicesCountFromTheEnd() {
        #expect(Self.apply(.replace, "/items/-1", .string("z")) == ["a", "z"])
        #expect(Self.apply(.remove, "/items/-2") == ["b"])
        #expect(Self.apply(.add, "/items/-1", .string("z")) == ["a", "b", "z"])
        #expect(Self.apply(.add, "/items/-2", .string("z")) == ["a", "z", "b"])
        #expect(Self.apply(.add, "/items/-3", .string("z")) == ["z", "a", "b"])
        #expect(Self.apply(.replace, "/items/+1", .string("z")) == ["a", "z"])
        #expect(Self.apply(.replace, "/items/01", .string("z")) == ["a", "z"])
    }

    @Test func outOfRangeIsStillAnError() {
        #expect(Self.apply(.replace, "/items/-3", .string("z")) == nil)
        #expect(Self.apply(.add, "/items/-4", .string("z")) == nil)
        #expect(Self.apply(.replace, "/items/2", .string("z")) == nil)
        #expect(Self.apply(.remove, "/items/x") == nil)
    }
}

/// it; an object left without a kind is an error.
struct OverrideOrderAndKindTests {
    static func render(_ policies: String) -> TemplatePlacement? {
        let yaml = """
            \(SchedulerTests.eastCluster)
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: shop, namespace: default, labels: {app: shop, env: prod}}
            spec:
              replicas: 2
              selector: {matchLabels: {app: shop}}
              template:
                metadata: {labels: {app: shop}}
                spec: {containers: [{name: shop, image: "nginx:1.25"}]}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: shop, namespace: default}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              placement: {clusterAffinity: {clusterNames: [east]}}
            ---
            \(policies)
            """
        let manifests = SchedulerTests.manifests(yaml)
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        return Scheduler(manifests: manifests).plan().placements.first { $0.template.kind == "Deployment" }
    }

    @Test func overridePoliciesAreChosenAgainstTheObjectTheClusterPoliciesLeft() {
        let placement = Self.render("""
            apiVersion: policy.karmada.io/v1alpha1
            kind: ClusterOverridePolicy
            metadata: {name: canary-all}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              overrideRules: [{overriders: {labelsOverrider: [{operator: replace, value: {env: canary}}]}}]
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: OverridePolicy
            metadata: {name: prod-scale, namespace: default}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, labelSelector: {matchLabels: {env: prod}}}]
              overrideRules: [{overriders: {plaintext: [{operator: replace, path: /spec/replicas, value: 5}]}}]
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: OverridePolicy
            metadata: {name: canary-image, namespace: default}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, labelSelector: {matchLabels: {env: canary}}}]
              overrideRules: [{overriders: {imageOverrider: [{component: Tag, operator: replace, value: "1.26"}]}}]

            """)
        let work = placement?.works["east"]
        #expect(work?.value(at: ["spec", "replicas"])?.intValue == 2)
        #expect(work?.value(at: ["metadata", "labels", "env"])?.stringValue == "canary")
        #expect(work?.value(at: ["spec", "template", "spec", "containers"])?.arrayValue?.first?["image"]?.stringValue
                == "nginx:1.26")
        #expect(placement?.overrides["east"]?.map(\.policyName) == ["canary-all", "canary-image"])
    }

    @Test func anOverrideThatRemovesTheKindIsAnError() {
        let placement = Self.render("""
            apiVersion: policy.karmada.io/v1alpha1
            kind: OverridePolicy
            metadata: {name: no-kind, namespace: default}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              overrideRules: [{overriders: {plaintext: [{operator: remove, path: /kind}]}}]

            """)
        #expect(placement?.works["east"] == nil)
        let error = placement?.error ?? ""
        #expect(error.contains("Object 'Kind' is missing in"), "\(error)")
    }
}

/// KARMADA.md H.O2: the image an overrider reads must be a reference `distribution/reference` accepts.
struct ImageReferenceGrammarTests {
    @Test(arguments: ["nginx", "nginx:1.25", "Team/app:v1", "localhost/app", "a__b/c", "a--b",
                      "registry.local:5000/team/app:2", "[::1]:5000/app",
                      "nginx@sha256:" + String(repeating: "a", count: 64)])
    func validReferences(_ image: String) {
        #expect(ImageReference.parseProblem(image) == nil)
    }

    @Test(arguments: [
        ("", "repository name must have at least one component"),
        ("Team:v1", "repository name must be lowercase"),
        ("Web:2.4", "repository name must be lowercase"),
        (":1.25", "invalid reference format"),
        ("registry.local:5000/:2", "invalid reference format"),
        (".internal/nginx", "invalid reference format"),
        ("-mirror/app", "invalid reference format"),
        ("host.io:5000.x/app", "invalid reference format"),
        ("a___b/c", "invalid reference format"),
        ("nginx@md5:" + String(repeating: "a", count: 32), "unsupported digest algorithm"),
        ("nginx@sha256:" + String(repeating: "a", count: 40), "invalid checksum digest length"),
        ("nginx@sha256:" + String(repeating: "A", count: 64), "invalid checksum digest format"),
    ])
    func invalidReferences(_ image: String, _ reason: String) {
        #expect(ImageReference.parseProblem(image) == reason)
    }

    @Test func anImageOverriderOnAnImageThatDoesNotParseFails() {
        let placement = OverrideOrderAndKindTests.render("""
            apiVersion: policy.karmada.io/v1alpha1
            kind: ClusterOverridePolicy
            metadata: {name: a-strip}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              overrideRules: [{overriders: {imageOverrider: [{component: Repository, operator: remove}]}}]
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: OverridePolicy
            metadata: {name: b-tag, namespace: default}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              overrideRules: [{overriders: {imageOverrider: [{component: Tag, operator: replace, value: "1.26"}]}}]

            """)
        #expect(placement?.works["east"] == nil)
        let error = placement?.error ?? ""
        #expect(error.contains("failed to parse image value(:1.25), error: invalid reference format"), "\(error)")
    }
}
