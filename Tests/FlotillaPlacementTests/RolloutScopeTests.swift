import FlotillaModel
@testable import FlotillaPlacement
import Foundation
import Testing

/// Which clusters each stage has and which templates a RolloutPolicy governs.
@Suite struct RolloutScopeTests {
    static func manifests(_ extra: String = "") -> Manifests {
        var yaml = ""
        for (name, env) in [("d1", "dev"), ("t1", "test"), ("p1", "prod"), ("p2", "prod"), ("x1", "lab")] {
            yaml += "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: \(name), labels: {env: \(env)}}\n"
                + "spec: {syncMode: Push}\n---\n"
        }
        yaml += """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec:
              selector: {matchLabels: {app: web}}
              template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings, namespace: shop}
            data: {a: b}
            ---
            apiVersion: flotilla.dev/v1alpha1
            kind: RolloutPolicy
            metadata: {name: b-environments}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              stages:
                - {name: dev, clusterSelector: {matchLabels: {env: dev}}}
                - {name: prod, clusterSelector: {matchExpressions: [{key: env, operator: In, values: [prod, dev]}]}}
            \(extra)
            """
        return ManifestLoader.load(files: [ManifestFile(path: "all.yaml", contents: Data(yaml.utf8))])
    }

    @Test func aClusterBelongsToTheFirstStageThatSelectsIt() throws {
        let manifests = Self.manifests()
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        let scope = try #require(RolloutScope.of(manifests).first)
        #expect(scope.clusters == [["d1"], ["p1", "p2"]])
        #expect(scope.stage(of: "d1") == 0 && scope.stage(of: "p2") == 1 && scope.stage(of: "x1") == nil)
        #expect(scope.templates.map(\.name) == ["web"])
        #expect(RolloutScope.stageNames(manifests) == ["d1": "b-environments/dev", "p1": "b-environments/prod",
                                                       "p2": "b-environments/prod"])
    }

    @Test func noSelectorsGovernEveryTemplateAndTheFirstPolicyByNameWins() {
        let manifests = Self.manifests("""
            ---
            apiVersion: flotilla.dev/v1alpha1
            kind: RolloutPolicy
            metadata: {name: a-everything}
            spec:
              stages: [{name: all}]
            """)
        let scopes = RolloutScope.of(manifests)
        #expect(scopes.map(\.policy) == ["a-everything", "b-environments"])
        #expect(scopes[0].templates.map(\.name).sorted() == ["settings", "web"])
        #expect(scopes[0].clusters == [["d1", "p1", "p2", "t1", "x1"]])
        #expect(scopes[1].templates.isEmpty)
    }

    @Test func planAndExplainShowTheStages() throws {
        let manifests = Self.manifests()
        #expect(RolloutRendering.text(manifests).contains("b-environments/prod: p1, p2"))
        #expect(RolloutRendering.markdown(manifests).contains("| b-environments | dev | d1 |"))
        let web = try #require(manifests.templates.first { $0.name == "web" })
        let explanation = try #require(Scheduler(manifests: manifests).explain(web.identity))
        #expect(explanation.rollout == "b-environments" && explanation.stages["p1"] == "prod")
        #expect(ExplanationRendering.text(explanation).contains("Rollout: RolloutPolicy b-environments"))
        #expect(RolloutRendering.text(Manifests()).isEmpty)
    }
}
