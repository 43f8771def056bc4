@testable import FlotillaDiff
import FlotillaModel
import Foundation
import Testing

/// `plan --base` says in which order a change reaches the stages of a RolloutPolicy.
@Suite struct RolloutOrderTests {
    static let head = ManifestLoader.load(files: [ManifestFile(path: "all.yaml", contents: Data("""
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: d1, labels: {env: dev}}
        spec: {syncMode: Push}
        ---
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: p1, labels: {env: prod}}
        spec: {syncMode: Push}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec:
          selector: {matchLabels: {app: web}}
          template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}
        ---
        apiVersion: flotilla.dev/v1alpha1
        kind: RolloutPolicy
        metadata: {name: environments}
        spec:
          resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
          stages:
            - {name: dev, clusterSelector: {matchLabels: {env: dev}}, bakeSeconds: 30}
            - {name: prod, clusterSelector: {matchLabels: {env: prod}}, approval: manual}
        """.utf8))])
    static let web = ResourceIdentity(group: "apps", kind: "Deployment", namespace: "shop", name: "web")
    static let settings = ResourceIdentity(group: "", kind: "ConfigMap", namespace: "shop", name: "settings")

    @Test func governedChangesAreCountedPerStageInOrder() {
        #expect(Self.head.errors.isEmpty, "\(Self.head.errors)")
        let changes = [
            WorkChange(template: Self.web, apiVersion: "apps/v1", cluster: "d1", action: .update, fields: ["image"]),
            WorkChange(template: Self.web, apiVersion: "apps/v1", cluster: "p1", action: .update, fields: ["image"]),
            WorkChange(template: Self.settings, apiVersion: "v1", cluster: "p1", action: .create, fields: []),
        ]
        let steps = RolloutOrder.steps(changes, head: Self.head, base: nil)
        #expect(steps.map(\.stage) == ["dev", "prod"] && steps.map(\.changes) == [1, 1])
        #expect(steps.map(\.gates) == ["bake 30 s", "manual approval"])
        let text = RolloutOrder.text(steps)
        #expect(text.contains("environments/dev: d1: 1 change(s), now  [bake 30 s]"), "\(text)")
        #expect(text.contains("environments/prod: p1: 1 change(s), after dev passes  [manual approval]"))
        // A change on prod only: dev has nothing to do, prod waits for its approval.
        let prodOnly = RolloutOrder.steps([changes[1]], head: Self.head, base: nil)
        #expect(prodOnly.map(\.when) == ["-", "after approval"])
        // Only ungoverned changes: nothing to order.
        #expect(RolloutOrder.steps([changes[2]], head: Self.head, base: nil).isEmpty)
        #expect(RolloutOrder.text([]).isEmpty && RolloutOrder.markdown([]).isEmpty)
    }
}
