@testable import FlotillaEngine
import FlotillaModel
import FlotillaPlacement
import Foundation
import Testing

/// Karmada's `suspension` and `conflictResolution`, from the policy (and the template's annotation) to the works.
@Suite struct DispatchOptionsTests {
    static func works(policyExtra: String, templateAnnotations: String = "{}") -> [String: [ObjectKey: DesiredWork]] {
        let source = """
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: east}
        spec: {syncMode: Push, apiEndpoint: "https://east.example.com"}
        ---
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: west}
        spec: {syncMode: Push, apiEndpoint: "https://west.example.com"}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings, namespace: web, annotations: \(templateAnnotations)}
        data: {a: "1"}
        ---
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: web, namespace: web}
        spec:
          resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
          placement: {clusterAffinity: {clusterNames: [east, west]}}
        \(policyExtra)
        """
        let manifests = ManifestLoader.load(files: [ManifestFile(path: "fleet.yaml", contents: Data(source.utf8))],
                                            cache: nil)
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        return Engine.desiredWorks(manifests: manifests, states: [:], previous: [:], revision: "r1", path: "").1
    }

    static let key = ObjectKey(apiVersion: "v1", kind: "ConfigMap", namespace: "web", name: "settings")

    @Test func suspensionOnSomeClustersMarksOnlyTheirWorks() {
        let works = Self.works(policyExtra: "  suspension: {dispatchingOnClusters: {clusterNames: [west]}}")
        #expect(works["east"]?[Self.key]?.suspended == nil)
        #expect(works["west"]?[Self.key]?.suspended == "dispatching suspended by PropagationPolicy web/web")
    }

    @Test func suspensionEverywhere() {
        let works = Self.works(policyExtra: "  suspension: {dispatching: true}")
        #expect(works["east"]?[Self.key]?.suspended != nil && works["west"]?[Self.key]?.suspended != nil)
    }

    @Test(arguments: [
        ("", "{}", false),
        ("  conflictResolution: Overwrite", "{}", true),
        ("  conflictResolution: Abort", "{}", false),
        ("  conflictResolution: Overwrite", "{work.karmada.io/conflict-resolution: abort}", false),
        ("", "{work.karmada.io/conflict-resolution: overwrite}", true),
    ])
    func conflictResolutionFromPolicyOrTemplateAnnotation(policy: String, annotations: String, takeOver: Bool) {
        let works = Self.works(policyExtra: policy, templateAnnotations: annotations)
        #expect(works["east"]?[Self.key]?.takeOver == takeOver)
        #expect(works["east"]?[Self.key]?.suspended == nil)
    }
}
