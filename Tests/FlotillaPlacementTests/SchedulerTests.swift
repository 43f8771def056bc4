import FlotillaModel
import Foundation
import Testing
@testable import FlotillaPlacement

private let projectRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private func sample() -> Manifests {
    ManifestLoader.load(directory: projectRoot.appendingPathComponent("sample-repo").path)
}

private func placement(_ plan: Plan, _ kind: String, _ namespace: String?, _ name: String) -> TemplatePlacement? {
    plan.placements.first { $0.template.kind == kind && $0.template.namespace == namespace && $0.template.name == name }
}

private func replicas(_ placement: TemplatePlacement?) -> [String: Int32] {
    Dictionary(uniqueKeysWithValues: (placement?.clusters ?? []).map { ($0.name, $0.replicas) })
}

@Suite struct SchedulerTests {
    @Test func theSampleRepositoryIsPlacedAsKarmadaWould() throws {
        let manifests = sample()
        #expect(manifests.errors.isEmpty)
        let plan = Scheduler(manifests: manifests, source: "sample-repo@test").plan()
        // Static weights 2:1 over the production clouds.
        #expect(replicas(placement(plan, "Deployment", "web", "web-frontend")) == ["hw-shanghai": 4, "ali-hangzhou": 2])
        // Dynamic weights with no capacity limit: an even split.
        #expect(replicas(placement(plan, "Deployment", "shop", "orders-api")) == ["hw-shanghai": 2, "ali-hangzhou": 2])
        // Duplicated to dev and test; the test cluster's taint is tolerated.
        #expect(replicas(placement(plan, "Deployment", "ledger", "ledger")) == ["onprem-dc1": 2, "onprem-dc2": 2])
        // propagateDeps: the ConfigMap and Secret follow the orders API.
        #expect(Set(replicas(placement(plan, "Secret", "shop", "orders-api-db")).keys) == ["hw-shanghai", "ali-hangzhou"])
        // Namespaces go everywhere.
        #expect(placement(plan, "Namespace", nil, "web")?.clusters.count == 4)
        #expect(plan.unplaced.isEmpty)

        let ledger = try #require(placement(plan, "Deployment", "ledger", "ledger"))
        let dev = try #require(ledger.works["onprem-dc1"])
        #expect(dev.value(at: ["spec", "replicas"]) == .int(1))  // OverridePolicy ledger-dev
        #expect(dev.value(at: ["metadata", "labels", "env"]) == .string("dev"))
        let image = dev.value(at: ["spec", "template", "spec"])?["containers"]?.arrayValue?.first?["image"]
        #expect(image == .string("harbor.dc1.internal/library/postgres:16.4"))
        #expect(dev.value(at: ["metadata", "labels", "app.kubernetes.io/managed-by"]) == .string("flotilla"))
        #expect(dev.value(at: ["metadata", "annotations", "flotilla.dev/source"]) == .string("sample-repo@test"))
        #expect(dev.value(at: ["metadata", "annotations", "flotilla.dev/policy"]) == .string("PropagationPolicy ledger/ledger"))
        #expect(ledger.works["onprem-dc2"]?.value(at: ["spec", "replicas"]) == .int(2))

        let web = try #require(placement(plan, "Deployment", "web", "web-frontend"))
        #expect(web.works["hw-shanghai"]?.value(at: ["spec", "replicas"]) == .int(4))
        let hwImage = web.works["hw-shanghai"]?.value(at: ["spec", "template", "spec"])?["containers"]?.arrayValue?.first?["image"]
        #expect(hwImage == .string("swr.cn-east-3.myhuaweicloud.com/library/nginx:1.27.2"))
        #expect(web.works["ali-hangzhou"]?.value(at: ["metadata", "labels", "logging.aliyun.com/collect"]) == .string("true"))
        #expect(web.decisions.first { $0.cluster == "onprem-dc1" }?.reasons
                == ["cluster(s) did not match the placement cluster affinity constraint"])
    }

    @Test func aNotReadyClusterLosesItsReplicasToTheClustersThePolicyStillAllows() throws {
        let plan = Scheduler(manifests: sample(), states: ["hw-shanghai": ClusterState(ready: false)]).plan()
        #expect(replicas(placement(plan, "Deployment", "web", "web-frontend")) == ["ali-hangzhou": 6])
        let reason = placement(plan, "Deployment", "web", "web-frontend")?.decisions.first { $0.cluster == "hw-shanghai" }
        #expect(reason?.reasons == ["cluster(s) had untolerated taint {cluster.karmada.io/not-ready=:NoExecute}"])
        #expect(placement(plan, "Namespace", nil, "web")?.clusters.map(\.name) == ["ali-hangzhou", "onprem-dc1", "onprem-dc2"])
    }

    @Test func dynamicWeightsFollowFreeCapacity() {
        let states = ["hw-shanghai": ClusterState(availableReplicas: 6), "ali-hangzhou": ClusterState(availableReplicas: 2)]
        let plan = Scheduler(manifests: sample(), states: states).plan()
        #expect(replicas(placement(plan, "Deployment", "shop", "orders-api")) == ["hw-shanghai": 3, "ali-hangzhou": 1])
    }

    @Test func capacityIsEstimatedFromAllocatableAndRequests() {
        // orders-api asks 500m CPU and 512Mi per replica: 2 CPUs free on hw-shanghai hold 4, 1 CPU on ali holds 2.
        let states = [
            "hw-shanghai": ClusterState(allocatable: ["cpu": Quantity("4"), "memory": Quantity("16Gi"), "pods": Quantity("110")],
                                        allocated: ["cpu": Quantity("2")]),
            "ali-hangzhou": ClusterState(allocatable: ["cpu": Quantity("1"), "memory": Quantity("16Gi"), "pods": Quantity("110")]),
        ]
        let plan = Scheduler(manifests: sample(), states: states).plan()
        let orders = placement(plan, "Deployment", "shop", "orders-api")
        #expect(replicas(orders) == ["hw-shanghai": 3, "ali-hangzhou": 1])
        #expect(orders?.error == nil)
    }

    @Test func placementIsStickyAndScalesIncrementally() {
        let identity = ResourceIdentity(group: "apps", kind: "Deployment", namespace: "shop", name: "orders-api")
        // Same total as before: nothing moves, even though an even split would differ.
        let kept = Scheduler(manifests: sample(), previous: [identity: [TargetCluster(name: "hw-shanghai", replicas: 1),
                                                                         TargetCluster(name: "ali-hangzhou", replicas: 3)]]).plan()
        #expect(replicas(placement(kept, "Deployment", "shop", "orders-api")) == ["hw-shanghai": 1, "ali-hangzhou": 3])
        // Scale up from 2 to 4: the 2 new replicas are added by free capacity on top of what is there.
        let states = ["hw-shanghai": ClusterState(availableReplicas: 10), "ali-hangzhou": ClusterState(availableReplicas: 10)]
        let grown = Scheduler(manifests: sample(), states: states,
                              previous: [identity: [TargetCluster(name: "hw-shanghai", replicas: 1),
                                                    TargetCluster(name: "ali-hangzhou", replicas: 1)]]).plan()
        #expect(replicas(placement(grown, "Deployment", "shop", "orders-api")) == ["hw-shanghai": 2, "ali-hangzhou": 2])
    }

    @Test func aClusterThatDoesNotServeTheKindIsFiltered() {
        let states = ["ali-hangzhou": ClusterState(apiEnablements: ["apps/v1/Deployment", "v1/Service"])]
        let plan = Scheduler(manifests: sample(), states: states).plan()
        let ingress = placement(plan, "Ingress", "web", "web-frontend")
        #expect(ingress?.clusters.map(\.name) == ["hw-shanghai"])
        #expect(ingress?.decisions.first { $0.cluster == "ali-hangzhou" }?.reasons == ["cluster(s) did not have the API resource"])
    }

    /// A member cluster named `east`, and the document separator after it.
    static let eastCluster = "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: east}\n"
        + "spec: {syncMode: Push}\n---"

    static func manifests(_ yaml: String) -> Manifests {
        ManifestLoader.load(files: [ManifestFile(path: "test.yaml", contents: Data(yaml.utf8))])
    }

    static let twoClusters = """
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: a, labels: {env: prod}}
        spec: {syncMode: Push, region: r1}
        ---
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: b, labels: {env: dev}}
        spec: {syncMode: Push, region: r2}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: app, namespace: ns}
        spec:
          replicas: 3
          template:
            spec:
              containers: [{name: app, image: app:1}]
        ---

        """

    @Test func templatesNoPolicySelectsAreReportedNotPlaced() {
        let plan = Scheduler(manifests: Self.manifests(Self.twoClusters)).plan()
        #expect(plan.unplaced == [ResourceIdentity(group: "apps", kind: "Deployment", namespace: "ns", name: "app")])
        #expect(plan.placements.isEmpty)
    }

    @Test func clusterAffinitiesFallThroughToTheNextTerm() {
        let plan = Scheduler(manifests: Self.manifests(Self.twoClusters + """
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: p, namespace: ns}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              placement:
                clusterAffinities:
                  - affinityName: staging
                    labelSelector: {matchLabels: {env: staging}}
                  - affinityName: dev
                    labelSelector: {matchLabels: {env: dev}}
            """)).plan()
        #expect(replicas(placement(plan, "Deployment", "ns", "app")) == ["b": 3])
        #expect(placement(plan, "Deployment", "ns", "app")?.decisions.first { $0.cluster == "b" }?.reasons
                == ["matches cluster affinity term \"dev\""])
    }

    @Test func anOverrideThatCannotApplyNamesPolicyRuleAndCluster() {
        let plan = Scheduler(manifests: Self.manifests(Self.twoClusters + """
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: p, namespace: ns}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: OverridePolicy
            metadata: {name: broken, namespace: ns}
            spec:
              overrideRules:
                - targetCluster: {clusterNames: [b]}
                  overriders:
                    plaintext: [{path: /spec/nothing/here, operator: replace, value: 1}]
            """)).plan()
        let app = placement(plan, "Deployment", "ns", "app")
        #expect(app?.error == "OverridePolicy broken rule 0 on cluster b: /spec/nothing/here: path not found")
        #expect(app?.works.keys.sorted() == ["a"])
    }

    @Test func thePlanIsByteForByteDeterministic() {
        let first = PlanRendering.json(Scheduler(manifests: sample(), source: "s@r").plan(revision: "r"))
        let second = PlanRendering.json(Scheduler(manifests: sample(), source: "s@r").plan(revision: "r"))
        #expect(first == second)
        #expect(PlanRendering.text(Scheduler(manifests: sample()).plan()) == PlanRendering.text(Scheduler(manifests: sample()).plan()))
    }

    @Test func secretValuesAreRedacted() {
        let json = PlanRendering.json(Scheduler(manifests: sample()).plan())
        #expect(!json.contains("demo-only-not-a-real-password"))
        #expect(json.contains("\"password\": \"<redacted>\""))
    }
}
