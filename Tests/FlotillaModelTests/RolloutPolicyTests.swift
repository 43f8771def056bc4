import Foundation
import Testing
@testable import FlotillaModel

/// RolloutPolicy (`flotilla.dev/v1alpha1`) as the loader reads it: decoded strictly, validated with file:line, and
/// other `flotilla.dev` kinds refused.
@Suite struct RolloutPolicyTests {
    static let valid = """
        apiVersion: flotilla.dev/v1alpha1
        kind: RolloutPolicy
        metadata: {name: environments}
        spec:
          resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
          stages:
            - {name: dev, clusterSelector: {matchLabels: {env: dev}}, bakeSeconds: 60}
            - {name: test, clusterSelector: {matchLabels: {env: test}}, approval: manual}
            - {name: prod, clusterSelector: {matchLabels: {env: prod}}, maxUnavailableClusters: 1}
          progressDeadlineSeconds: 600
          onFailure: rollback
        """

    @Test func aValidPolicyIsReadAndIsNotATemplate() {
        let manifests = load(["rollout.yaml": Self.valid])
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        #expect(manifests.templates.isEmpty)
        let policy = manifests.rolloutPolicies.first
        #expect(policy?.metadata.name == "environments" && policy?.metadata.namespace == nil)
        #expect(policy?.spec.stages.map(\.name) == ["dev", "test", "prod"])
        #expect(policy?.spec.stages[1].needsApproval == true && policy?.spec.rollsBack == true)
        #expect(policy?.spec.deadlineSeconds == 600)
    }

    @Test func mistakesAreErrorsWithTheirLine() {
        let text = """
            apiVersion: flotilla.dev/v1alpha1
            kind: RolloutPolicy
            metadata: {name: bad}
            spec:
              stages:
                - {name: Dev, bakeSeconds: -1}
                - {name: test, approval: sometimes, maxUnavailableClusters: 0}
                - {name: test}
              progressDeadlineSeconds: 0
              onFailure: panic
            """
        let found = errors(text).joined(separator: "\n")
        for expected in ["spec.stages[0].name", "spec.stages[0].bakeSeconds", "spec.stages[1].approval",
                         "spec.stages[1].maxUnavailableClusters", "spec.stages[2].name", "names two stages",
                         "spec.progressDeadlineSeconds", "spec.onFailure"] {
            #expect(found.contains(expected), "missing \(expected) in:\n\(found)")
        }
        #expect(found.split(separator: "\n").allSatisfy { $0.hasPrefix("test.yaml:") }, "\(found)")
        #expect(errors(Self.valid + "\n  surprise: true\n").contains { $0.contains("unknown field \"spec.surprise\"") })
        #expect(errors("apiVersion: flotilla.dev/v1alpha1\nkind: RolloutPolicy\nmetadata: {name: x}\nspec: {stages: []}\n")
                    .contains { $0.contains("at least one stage") })
    }

    @Test func otherFlotillaKindsAndVersionsAreRefused() {
        #expect(errors("apiVersion: flotilla.dev/v1alpha1\nkind: Promotion\nmetadata: {name: x}\n")
                    .contains { $0.contains("Promotion.flotilla.dev is not a Flotilla kind") })
        #expect(errors(Self.valid.replacingOccurrences(of: "v1alpha1", with: "v1"))
                    .contains { $0.contains("unsupported version") })
    }
}
