@testable import FlotillaEngine
import FlotillaModel
import FlotillaPlacement
import Foundation
import Testing

/// Karmada's FederatedResourceQuota: validated as Karmada's webhook does, and its static assignments become a
/// ResourceQuota of its name in its namespace on each assigned cluster.
@Suite struct FederatedResourceQuotaTests {
    static let clusters = ["east", "west"].map {
        "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: \($0)}\nspec: {syncMode: Push}\n"
    }.joined(separator: "---\n")

    static func load(_ quota: String) -> Manifests {
        ManifestLoader.load(files: [ManifestFile(path: "clusters.yaml", contents: Data(clusters.utf8)),
                                    ManifestFile(path: "quota.yaml", contents: Data(quota.utf8))])
    }

    static let valid = """
        apiVersion: policy.karmada.io/v1alpha1
        kind: FederatedResourceQuota
        metadata: {name: team-quota, namespace: team}
        spec:
          overall: {cpu: "10", memory: 20Gi}
          staticAssignments:
            - clusterName: east
              hard: {cpu: "6", memory: 12Gi}
            - clusterName: west
              hard: {cpu: 4000m}
        """

    @Test func staticAssignmentsBecomeResourceQuotasOnTheirClusters() throws {
        let manifests = Self.load(Self.valid)
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        #expect(manifests.warnings.isEmpty)
        let (plan, works) = Engine.desiredWorks(manifests: manifests, states: [:], previous: [:], revision: "r", path: "")
        let key = ObjectKey(apiVersion: "v1", kind: "ResourceQuota", namespace: "team", name: "team-quota")
        let east = try #require(works["east"]?[key])
        #expect(east.object.value(at: ["spec", "hard", "cpu"]) == .string("6"))
        #expect(east.object.value(at: ["spec", "hard", "memory"]) == .string("12Gi"))
        #expect(east.object.value(at: ["metadata", "labels", "app.kubernetes.io/managed-by"]) == .string("flotilla"))
        #expect(works["west"]?[key]?.object.value(at: ["spec", "hard"]) == .object(["cpu": .string("4000m")]))
        let placement = try #require(plan.placements.first { $0.identity.kind == "FederatedResourceQuota" })
        #expect(placement.clusters.map(\.name) == ["east", "west"] && placement.error == nil)
    }

    @Test func anUnregisteredClusterIsAnErrorForItsShareOnly() {
        let manifests = Self.load(Self.valid.replacingOccurrences(of: "clusterName: west", with: "clusterName: north"))
        let (plan, works) = Engine.desiredWorks(manifests: manifests, states: [:], previous: [:], revision: "r", path: "")
        let placement = plan.placements.first { $0.identity.kind == "FederatedResourceQuota" }
        #expect(placement?.error?.contains("north") == true)
        #expect(works["east"]?.isEmpty == false)
    }

    @Test(arguments: [
        ("hard: {cpu: \"6\", memory: 12Gi}", "hard: {cpu: \"7\", memory: 12Gi}",
         "quota.yaml:6: FederatedResourceQuota: invalid value at \"spec.staticAssignments\": the assignments of cpu "
            + "together exceed spec.overall.cpu (10)"),
        ("hard: {cpu: 4000m}", "hard: {cpu: 1, pods: \"10\"}",
         "quota.yaml:10: FederatedResourceQuota: invalid value at \"spec.staticAssignments[1].hard.pods\": must be a "
            + "resource listed in spec.overall"),
        ("clusterName: west", "clusterName: east", "quota.yaml:9: FederatedResourceQuota: invalid value at \"spec.staticAssignments[1].clusterName\": "
            + "duplicate cluster \"east\""),
        ("cpu: \"10\"", "cpu: ten", "quota.yaml:5: FederatedResourceQuota: invalid value at \"spec.overall.cpu\": \"ten\" is not a valid quantity"),
    ])
    func validationAsKarmadasWebhook(from: String, to: String, message: String) {
        let manifests = Self.load(Self.valid.replacingOccurrences(of: from, with: to))
        #expect(manifests.federatedResourceQuotas.isEmpty)
        #expect(manifests.errors.map(\.description) == [message])
    }
}

/// A FederatedResourceQuota's overall limits checked against a plan (`flotilla plan` reports each limit the plan goes
/// over): per-replica requests as the estimator computes them, times the replicas placed on every cluster.
@Suite struct QuotaCheckTests {
    static func manifests(replicas: Int) -> Manifests {
        let source = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api, namespace: team}
            spec:
              replicas: \(replicas)
              selector: {matchLabels: {app: api}}
              template:
                metadata: {labels: {app: api}}
                spec: {containers: [{name: api, image: api:1, resources: {requests: {cpu: 500m}, limits: {memory: 1Gi}}}]}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: elsewhere, namespace: other}
            spec:
              replicas: 50
              selector: {matchLabels: {app: x}}
              template:
                metadata: {labels: {app: x}}
                spec: {containers: [{name: x, image: x:1, resources: {requests: {cpu: "4"}}}]}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: ClusterPropagationPolicy
            metadata: {name: all}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              placement: {clusterAffinity: {clusterNames: [east, west]}, replicaScheduling: {replicaSchedulingType: Duplicated}}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: FederatedResourceQuota
            metadata: {name: team-quota, namespace: team}
            spec:
              overall: {requests.cpu: "4", memory: 12Gi, pods: "8", limits.cpu: "1"}
            """
        return ManifestLoader.load(files: [ManifestFile(path: "clusters.yaml", contents: Data(FederatedResourceQuotaTests.clusters.utf8)),
                                           ManifestFile(path: "team.yaml", contents: Data(source.utf8))])
    }

    @Test func aPlanOverTheOverallQuotaIsReportedPerLimit() {
        // 4 replicas on each of two clusters: 8 pods, 4 CPUs, 8 Gi (memory from the limit): within every limit.
        var manifests = Self.manifests(replicas: 4)
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        var plan = Scheduler(manifests: manifests).plan()
        #expect(QuotaCheck.violations(plan, quotas: manifests.federatedResourceQuotas).isEmpty)
        // 5 on each: 10 pods and 5 CPUs go over; 10 Gi does not; limits.cpu is not checked; the other namespace
        // never counts.
        manifests = Self.manifests(replicas: 5)
        plan = Scheduler(manifests: manifests).plan()
        let violations = QuotaCheck.violations(plan, quotas: manifests.federatedResourceQuotas)
        #expect(violations.map(\.description) == [
            "FederatedResourceQuota team/team-quota: pods: the plan requests 10, the overall quota allows 8",
            "FederatedResourceQuota team/team-quota: requests.cpu: the plan requests 5, the overall quota allows 4",
        ])
    }
}
