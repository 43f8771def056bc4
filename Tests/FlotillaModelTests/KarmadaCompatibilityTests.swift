import Foundation
import Testing
@testable import FlotillaModel

/// Real Karmada repositories hold what Karmada accepts: Flotilla accepts it too.
struct KarmadaCompatibilityTests {
    @Test func karmadaKindsNotActedOnAreAcceptedAndReportedNotRefused() {
        let manifests = load(["karmada/extras.yaml": """
            apiVersion: networking.karmada.io/v1alpha1
            kind: MultiClusterService
            metadata: {name: web, namespace: default}
            spec: {types: [CrossCluster]}
            ---
            apiVersion: autoscaling.karmada.io/v1alpha1
            kind: CronFederatedHPA
            metadata: {name: nightly, namespace: default}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
              rules: [{name: down, schedule: "0 22 * * *", targetReplicas: 1}]
            ---
            apiVersion: apps.karmada.io/v1alpha1
            kind: WorkloadRebalancer
            metadata: {name: once}
            spec: {workloads: [{apiVersion: apps/v1, kind: Deployment, name: web, namespace: default}]}

            """])
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        #expect(manifests.templates.isEmpty)
        #expect(manifests.notActedOn.map(\.kind).sorted() == ["MultiClusterService"])
        // A WorkloadRebalancer is acted on now (cluster-scoped: its namespace is dropped).
        #expect(manifests.workloadRebalancers.map(\.metadata.name) == ["once"])
        #expect(manifests.warnings.first == "karmada/extras.yaml:1: MultiClusterService.networking.karmada.io web is accepted "
                + "but not acted on by Flotilla yet")
        // A kind that is no Karmada kind at all (a typo) is still an error.
        #expect(errors("apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicyy\nmetadata: {name: x}\n").count == 1)
    }

    @Test func overrideRulesBesideAnEmptyOverridersAreAccepted() {
        let found = errors("""
            apiVersion: policy.karmada.io/v1alpha1
            kind: OverridePolicy
            metadata: {name: o, namespace: default}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              overriders: {}
              overrideRules:
                - overriders:
                    plaintext:
                      - {path: /metadata/labels/added, operator: add}
                      - {path: /spec/replicas, operator: remove, value: 3}

            """)
        #expect(found.isEmpty, "\(found)")
        let refused = errors("""
            apiVersion: policy.karmada.io/v1alpha1
            kind: OverridePolicy
            metadata: {name: o, namespace: default}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              overriders: {plaintext: [{path: /a, operator: remove}]}
              overrideRules: [{overriders: {plaintext: [{path: /b, operator: remove}]}}]

            """)
        #expect(refused.count == 1 && refused[0].contains("cannot be used together"), "\(refused)")
    }
}
