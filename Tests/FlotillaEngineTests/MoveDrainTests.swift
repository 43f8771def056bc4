@testable import FlotillaEngine
import FlotillaModel
import FlotillaPlacement
import Foundation
import Testing

/// Which templates a plan moved (left clusters while arriving on others): their old works drain, as
/// `flotilla migrate` promises; a scale-in to fewer clusters is not a move.
@Suite struct MoveDrainTests {
    static func plan(_ clusters: [String]) -> Plan {
        let yaml = ["a", "b", "c"].map {
            "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: \($0)}\n"
                + "spec: {syncMode: Push}\n---\n"
        }.joined() + """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: nginx}]}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: web, namespace: shop}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
              placement: {clusterAffinity: {clusterNames: [\(clusters.joined(separator: ", "))]}}
            """
        let manifests = ManifestLoader.load(files: [ManifestFile(path: "all.yaml", contents: Data(yaml.utf8))])
        return Scheduler(manifests: manifests).plan()
    }

    static let web = ResourceIdentity(group: "apps", kind: "Deployment", namespace: "shop", name: "web")

    @Test func aMoveIsNamedWithTheClustersItLeaves() {
        let before = [Self.web: [TargetCluster(name: "a", replicas: 2), TargetCluster(name: "b", replicas: 2)]]
        #expect(Engine.moved(Self.plan(["b", "c"]), previous: before) == [Self.web: ["a"]])
        // Fewer clusters, none new: a scale-in, pruned at once.
        #expect(Engine.moved(Self.plan(["b"]), previous: before).isEmpty)
        // First placement: nothing moved.
        #expect(Engine.moved(Self.plan(["c"]), previous: [:]).isEmpty)
    }

    @Test func theDrainOfAMoveIsReportedAsAPlacementChange() {
        var book = EvictionBook()
        let key = ObjectKey(apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web")
        let work = DesiredWork(object: .object(["kind": .string("Deployment")]), template: Self.web,
                               delegatedPaths: [])
        let works = book.keep([:], previous: ["a": [key: work]], ready: ["a"], now: Date()) { _, _ in
            (.gracefully, nil, "PlacementChanged")
        }
        #expect(works["a"]?[key] != nil)
        #expect(book.draining["a"]?[key]?.reason == "PlacementChanged")
    }
}
