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
        let reusable = ReusablePlacements.find(plan: second, old: secondInputs, new: nextInputs, changedFiles: ["two.yaml"])
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
        #expect(ReusablePlacements.find(plan: first, old: firstInputs, new: secondInputs, changedFiles: []).isEmpty)
    }

    @Test func changedFilesAreThoseWhoseBytesDifferOrThatCameOrWent() {
        let old = [("a.yaml", Data("1".utf8)), ("b.yaml", Data("2".utf8)), ("c.yaml", Data("3".utf8))]
        let new = [("a.yaml", Data("1".utf8)), ("b.yaml", Data("22".utf8)), ("d.yaml", Data("4".utf8))]
        #expect(ReusablePlacements.changedFiles(old.map { (path: $0.0, contents: $0.1) },
                                                new.map { (path: $0.0, contents: $0.1) }) == ["b.yaml", "c.yaml", "d.yaml"])
    }

    @Test func aPolicyOrClusterStateChangeReusesNothing() {
        let (plan, inputs) = planned(Self.base, previous: [:])
        var files = Self.base
        files["policy.yaml"] = Self.policy(weightB: 3)
        let changedPolicy = ReusablePlacements.Inputs(manifests: Self.manifests(files), states: [:], previous: [:])
        #expect(ReusablePlacements.find(plan: plan, old: inputs, new: changedPolicy, changedFiles: ["policy.yaml"]).isEmpty)
        let notReady = ReusablePlacements.Inputs(manifests: Self.manifests(Self.base),
                                                 states: ["b": ClusterState(ready: false)], previous: [:])
        #expect(ReusablePlacements.find(plan: plan, old: inputs, new: notReady, changedFiles: []).isEmpty)
        let otherPrevious = ReusablePlacements.Inputs(
            manifests: Self.manifests(Self.base), states: [:],
            previous: [plan.placements[0].identity: [TargetCluster(name: "a", replicas: 4)]])
        #expect(ReusablePlacements.find(plan: plan, old: inputs, new: otherPrevious, changedFiles: []).count == plan.placements.count - 1)
    }

    /// Karmada's `activationPreference: Lazy`: a change of the propagation policy reaches a template only when the
    /// template changes; the templates left as they were keep their placement.
    @Test func aLazyPolicyChangeWaitsForTheTemplateToChange() {
        func lazy(_ weightB: Int) -> String {
            Self.policy(weightB: weightB).replacingOccurrences(of: "  placement:\n",
                                                               with: "  activationPreference: Lazy\n  placement:\n")
        }
        var files = Self.base
        files["policy.yaml"] = lazy(1)
        let (plan, inputs) = planned(files, previous: [:])
        files["policy.yaml"] = lazy(3)
        files["two.yaml"] = Self.deployment("two", image: "x:2")
        let next = ReusablePlacements.Inputs(manifests: Self.manifests(files), states: [:], previous: [:])
        let reusable = ReusablePlacements.find(plan: plan, old: inputs, new: next,
                                               changedFiles: ["policy.yaml", "two.yaml"])
        #expect(reusable.keys.map(\.name) == ["one"])
        var scheduler = Scheduler(manifests: next.manifests)
        scheduler.reusable = reusable
        let replanned = scheduler.plan()
        // one keeps 2:2; two, changed, is placed by the new weights (1:3).
        #expect(replanned.placements.map { $0.clusters.map(\.replicas) } == [[2, 2], [1, 3]])
        // An override change is not deferred: nothing is reused then.
        files["override.yaml"] = """
            apiVersion: policy.karmada.io/v1alpha1
            kind: OverridePolicy
            metadata: {name: o, namespace: shop}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              overrideRules: [{overriders: {labelsOverrider: [{operator: add, value: {x: "1"}}]}}]
            """
        let withOverride = ReusablePlacements.Inputs(manifests: Self.manifests(files), states: [:], previous: [:])
        #expect(ReusablePlacements.find(plan: plan, old: inputs, new: withOverride,
                                        changedFiles: ["policy.yaml", "two.yaml", "override.yaml"]).isEmpty)
    }

    /// Lazy holds beyond reuse: when a cluster's state changes (nothing can be reused then), a template left as it
    /// was is still placed by the policy as it was when the template last changed, as Karmada's binding keeps it.
    @Test func aLazyTemplateKeepsItsPolicyWhenClusterStateChanges() {
        func lazy(_ weightB: Int) -> String {
            Self.policy(weightB: weightB).replacingOccurrences(of: "  placement:\n",
                                                               with: "  activationPreference: Lazy\n  placement:\n")
        }
        var files = Self.base
        files["policy.yaml"] = lazy(1)
        let first = Self.manifests(files)
        let plan = Scheduler(manifests: first).plan()
        let records = LazyActivation.records(plan, previous: [:])
        files["policy.yaml"] = lazy(3)
        files["two.yaml"] = Self.deployment("two", image: "x:2")
        let next = Self.manifests(files)
        let pins = LazyActivation.pins(next, records: records)
        #expect(pins.keys.map(\.name) == ["one"])
        // A cluster's state changed: nothing is reused, and yet one keeps 2:2 while two, changed, gets 1:3.
        var scheduler = Scheduler(manifests: next, states: ["a": ClusterState(ready: true), "b": ClusterState(ready: true)])
        scheduler.pinned = pins
        let replanned = scheduler.plan()
        #expect(replanned.placements.map { $0.clusters.map(\.replicas) } == [[2, 2], [1, 3]])
        // Once one changes too, the policy of now places it.
        files["one.yaml"] = Self.deployment("one", image: "x:2")
        let later = Self.manifests(files)
        #expect(LazyActivation.pins(later, records: LazyActivation.records(replanned, previous: records)).isEmpty)
        // Without a Lazy policy nothing is pinned (and nothing looked at).
        files["policy.yaml"] = Self.policy(weightB: 3)
        #expect(LazyActivation.pins(Self.manifests(files), records: records).isEmpty)
    }

    @Test func theEnginesIncrementalWorksEqualAFullRender() {
        var files = Self.base
        files["three.yaml"] = Self.deployment("three")
        let first = Self.manifests(files)
        let (plan1, works1, index1) = Engine.desiredWorks(manifests: first, states: [:], previous: [:], revision: "r1",
                                                          path: "", instance: "flotilla", reusable: [:], inForce: nil)
        let sticky1 = sticky(plan1)
        let (plan2, works2, index2) = Engine.desiredWorks(manifests: first, states: [:], previous: sticky1, revision: "r2",
                                                          path: "", instance: "flotilla", reusable: [:], inForce: (works1, index1))
        // The next commit changes two, removes three.
        files["two.yaml"] = Self.deployment("two", image: "x:2")
        files["three.yaml"] = nil
        let next = Self.manifests(files)
        let reusable = ReusablePlacements.find(
            plan: plan2, old: .init(manifests: first, states: [:], previous: sticky1),
            new: .init(manifests: next, states: [:], previous: sticky(plan2)), changedFiles: ["two.yaml", "three.yaml"])
        #expect(reusable.keys.map(\.name) == ["one"])
        let (_, incremental, incrementalIndex) = Engine.desiredWorks(
            manifests: next, states: [:], previous: sticky(plan2), revision: "r3", path: "", instance: "flotilla",
            reusable: reusable, inForce: (works2, index2))
        let (_, full, fullIndex) = Engine.desiredWorks(manifests: next, states: [:], previous: sticky(plan2), revision: "r3",
                                                       path: "", instance: "flotilla", reusable: [:], inForce: nil)
        #expect(incremental.mapValues { Set($0.keys) } == full.mapValues { Set($0.keys) })
        for (cluster, works) in full {
            for (key, work) in works { #expect(incremental[cluster]?[key]?.comparable == work.comparable, "\(key)") }
        }
        #expect(Set(incrementalIndex.keys) == Set(fullIndex.keys))
        #expect(!incremental.values.contains { $0.keys.contains { $0.name == "three" } })
    }
}
