@testable import FlotillaEngine
import FlotillaModel
import FlotillaPlacement
import Foundation
import Testing

/// A commit re-plans only what it touched.
@Suite struct ReusablePlacementsTests {
    static let clusters = """
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: a}
        spec: {syncMode: Push}
        ---
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: b}
        spec: {syncMode: Push}

        """

    static func policy(weightB: Int = 1) -> String {
        """
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: all, namespace: shop}
        spec:
          resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
          placement:
            replicaScheduling:
              replicaSchedulingType: Divided
              replicaDivisionPreference: Weighted
              weightPreference:
                staticWeightList:
                  - {targetCluster: {clusterNames: [a]}, weight: 1}
                  - {targetCluster: {clusterNames: [b]}, weight: \(weightB)}

        """
    }

    static func deployment(_ name: String, image: String = "x:1") -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: \(name), namespace: shop}
        spec:
          replicas: 4
          selector: {matchLabels: {app: \(name)}}
          template:
            metadata: {labels: {app: \(name)}}
            spec: {containers: [{name: c, image: "\(image)"}]}

        """
    }

    static func manifests(_ files: [String: String]) -> Manifests {
        let loaded = ManifestLoader.load(files: files.map { ManifestFile(path: $0.key, contents: Data($0.value.utf8)) })
        if !loaded.isValid { Issue.record("\(loaded.errors)") }
        return loaded
    }

    static let base = ["clusters.yaml": clusters, "policy.yaml": policy(),
                       "one.yaml": deployment("one"), "two.yaml": deployment("two")]

    func planned(_ files: [String: String], previous: [ResourceIdentity: [TargetCluster]] = [:],
                 states: [String: ClusterState] = [:]) -> (Plan, ReusablePlacements.Inputs) {
        let manifests = Self.manifests(files)
        return (Scheduler(manifests: manifests, states: states, previous: previous).plan(),
                ReusablePlacements.Inputs(manifests: manifests, states: states, previous: previous))
    }

    func sticky(_ plan: Plan) -> [ResourceIdentity: [TargetCluster]] {
        Dictionary(uniqueKeysWithValues: plan.placements.map { ($0.identity, $0.clusters) })
    }

    @Test func onlyTheChangedTemplateIsPlacedAgainAndTheResultIsTheSame() {
        let (first, firstInputs) = planned(Self.base)
        let (second, secondInputs) = planned(Self.base, previous: sticky(first))
        var files = Self.base
        files["two.yaml"] = Self.deployment("two", image: "x:2")
        let next = Self.manifests(files)
        let nextInputs = ReusablePlacements.Inputs(manifests: next, states: [:], previous: sticky(second))
        let reusable = ReusablePlacements.find(plan: second, old: secondInputs, new: nextInputs)
        #expect(reusable.keys.map(\.name).sorted() == ["one"])
        var scheduler = Scheduler(manifests: next, previous: sticky(second))
        scheduler.reusable = reusable
        let incremental = scheduler.plan()
        let fresh = Scheduler(manifests: next, previous: sticky(second)).plan()
        #expect(incremental.placements.map(\.clusters) == fresh.placements.map(\.clusters))
        #expect(incremental.placements.map(\.works) == fresh.placements.map(\.works))
        #expect(incremental.placements.filter(\.reused).map(\.identity.name) == ["one"])
        // The first plan had no previous placement, the second had: nothing of the first is reused for the second
        // (sticky scheduling could place it differently).
        #expect(ReusablePlacements.find(plan: first, old: firstInputs, new: secondInputs).isEmpty)
    }

    @Test func aPolicyOrClusterStateChangeReusesNothing() {
        let (plan, inputs) = planned(Self.base, previous: [:])
        var files = Self.base
        files["policy.yaml"] = Self.policy(weightB: 3)
        let changedPolicy = ReusablePlacements.Inputs(manifests: Self.manifests(files), states: [:], previous: [:])
        #expect(ReusablePlacements.find(plan: plan, old: inputs, new: changedPolicy).isEmpty)
        let notReady = ReusablePlacements.Inputs(manifests: Self.manifests(Self.base),
                                                 states: ["b": ClusterState(ready: false)], previous: [:])
        #expect(ReusablePlacements.find(plan: plan, old: inputs, new: notReady).isEmpty)
        let otherPrevious = ReusablePlacements.Inputs(
            manifests: Self.manifests(Self.base), states: [:],
            previous: [plan.placements[0].identity: [TargetCluster(name: "a", replicas: 4)]])
        #expect(ReusablePlacements.find(plan: plan, old: inputs, new: otherPrevious).count == plan.placements.count - 1)
    }
}
