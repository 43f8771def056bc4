import FlotillaModel
@testable import FlotillaPlacement
import Foundation
import Testing

/// Karmada's ClusterTaintPolicy: taints added when all add conditions match, removed when all remove conditions
/// match, kept otherwise (and when the policy is gone); they feed placement like the Cluster's own taints.
@Suite struct ClusterTaintsTests {
    static let source = """
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: east, labels: {tier: edge}}
        spec: {syncMode: Push}
        ---
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: west}
        spec: {syncMode: Push}
        ---
        apiVersion: policy.karmada.io/v1alpha1
        kind: ClusterTaintPolicy
        metadata: {name: not-ready-edge}
        spec:
          targetClusters: {labelSelector: {matchLabels: {tier: edge}}}
          addOnConditions: [{conditionType: Ready, operator: NotIn, statusValues: ["True"]}]
          removeOnConditions: [{conditionType: Ready, operator: In, statusValues: ["True"]}]
          taints: [{key: example.com/unhealthy, effect: NoSchedule}]
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings, namespace: web}
        ---
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: web, namespace: web}
        spec:
          resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
          placement: {clusterAffinity: {clusterNames: [east, west]}}
        """

    static var manifests: Manifests {
        ManifestLoader.load(files: [ManifestFile(path: "fleet.yaml", contents: Data(source.utf8))])
    }

    static let unhealthy = Taint(key: "example.com/unhealthy", effect: .noSchedule)

    @Test func addedOnTheConditionsKeptUntilTheRemoveConditionsMatch() {
        let manifests = Self.manifests
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        let policies = manifests.clusterTaintPolicies
        // Unknown (never probed) is NotIn ["True"]: tainted; west is not a target.
        var taints = ClusterTaints.evaluate(policies, clusters: manifests.clusters, states: [:], current: [:])
        #expect(taints == ["east": [Self.unhealthy]])
        // Ready again: removed.
        taints = ClusterTaints.evaluate(policies, clusters: manifests.clusters,
                                        states: ["east": ClusterState(ready: true)], current: taints)
        #expect(taints.isEmpty)
        // NotReady: added; the policy leaves the source: kept (Karmada never removes them for that).
        taints = ClusterTaints.evaluate(policies, clusters: manifests.clusters,
                                        states: ["east": ClusterState(ready: false)], current: [:])
        #expect(ClusterTaints.evaluate([], clusters: manifests.clusters, states: [:], current: taints) == taints)
    }

    @Test func aTaintedClusterIsFilteredByPlacement() {
        var scheduler = Scheduler(manifests: Self.manifests, states: ["east": ClusterState(ready: true),
                                                                      "west": ClusterState(ready: true)])
        var plan = scheduler.plan()
        let identity = ResourceIdentity(group: "", kind: "ConfigMap", namespace: "web", name: "settings")
        #expect(plan.placements.first { $0.identity == identity }?.clusters.map(\.name) == ["east", "west"])
        #expect(plan.policyTaints.isEmpty)
        // East's readiness unknown (not probed yet): the add condition (NotIn True) matches; the taint filters it.
        scheduler.states["east"] = nil
        plan = scheduler.plan()
        #expect(plan.placements.first { $0.identity == identity }?.clusters.map(\.name) == ["west"])
        #expect(plan.policyTaints == ["east": [Self.unhealthy]])
    }

    @Test(arguments: [
        ("taints: [{key: example.com/unhealthy, effect: NoSchedule}]", "taints: []",
         "spec.taints\": must hold at least one taint"),
        ("effect: NoSchedule}]", "effect: PreferNoSchedule}]", "spec.taints[0].effect\": must be NoSchedule or NoExecute"),
        ("statusValues: [\"True\"]}]\n  removeOn", "statusValues: []}]\n  removeOn",
         "spec.addOnConditions[0].statusValues\": must hold at least one status"),
    ])
    func validation(from: String, to: String, message: String) {
        let yaml = Self.source.replacingOccurrences(of: from, with: to)
        let manifests = ManifestLoader.load(files: [ManifestFile(path: "fleet.yaml", contents: Data(yaml.utf8))])
        #expect(manifests.clusterTaintPolicies.isEmpty)
        #expect(manifests.errors.contains { $0.description.contains(message) }, "\(manifests.errors)")
    }
}
