import Foundation
import FlotillaModel
import Testing
@testable import FlotillaPlacement

/// KARMADA.md H.O4 and H.O5: OverridePolicies are matched against the object as the ClusterOverridePolicies left

/// Namespaces as Karmada's namespace sync controller propagates them.
struct NamespacePropagationTests {
    @Test func theSkipLabelKeepsANamespaceFromEveryClusterAndClusterOverridesApply() {
        let yaml = """
            \(SchedulerTests.eastCluster)
            apiVersion: v1
            kind: Namespace
            metadata: {name: shared}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: private, labels: {namespace.karmada.io/skip-auto-propagation: "true"}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: karmada-es-east}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: ClusterOverridePolicy
            metadata: {name: team-label}
            spec:
              resourceSelectors: [{apiVersion: v1, kind: Namespace}]
              overrideRules: [{overriders: {labelsOverrider: [{operator: add, value: {team: platform}}]}}]

            """
        let manifests = SchedulerTests.manifests(yaml)
        let plan = Scheduler(manifests: manifests).plan()
        let shared = plan.placements.first { $0.template.name == "shared" }
        #expect(shared?.clusters.map(\.name) == ["east"])
        #expect(shared?.works["east"]?.value(at: ["metadata", "labels", "team"])?.stringValue == "platform")
        #expect(plan.placements.first { $0.template.name == "private" } == nil)
        #expect(plan.unplaced.map(\.name).sorted() == ["karmada-es-east", "private"])
    }
}

/// A built-in template is selected in its group's preferred version, as Karmada's detector sees it.
struct PreferredVersionSelectionTests {
    static func template(_ apiVersion: String) -> KubernetesObject {
        KubernetesObject(content: .object(["apiVersion": .string(apiVersion), "kind": .string("HorizontalPodAutoscaler"),
                                           "metadata": .object(["name": .string("web"), "namespace": .string("default")])]),
                         location: SourceLocation(file: "t.yaml", line: 1))
    }

    @Test func anAutoscalingV1TemplateIsSelectedByAV2Selector() {
        let v2 = ResourceSelector(apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler")
        let v1 = ResourceSelector(apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler")
        #expect(v2.matches(Self.template("autoscaling/v1")))
        #expect(v1.matches(Self.template("autoscaling/v1")))
        #expect(v2.matches(Self.template("autoscaling/v2")))
        #expect(!v1.matches(Self.template("autoscaling/v2")))
        #expect(!ResourceSelector(apiVersion: "example.com/v2", kind: "HorizontalPodAutoscaler")
            .matches(Self.template("example.com/v1")))
    }
}

extension PreferredVersionSelectionTests {
    @Test func aPropagationPolicyWithAV2SelectorPlacesAV1Template() {
        let yaml = """
            \(SchedulerTests.eastCluster)
            apiVersion: autoscaling/v1
            kind: HorizontalPodAutoscaler
            metadata: {name: web, namespace: default}
            spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 5}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: hpa, namespace: default}
            spec:
              resourceSelectors: [{apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler}]
              placement: {clusterAffinity: {clusterNames: [east]}}

            """
        let manifests = SchedulerTests.manifests(yaml)
        let plan = Scheduler(manifests: manifests).plan()
        #expect(plan.placements.first { $0.template.kind == "HorizontalPodAutoscaler" }?.clusters.map(\.name) == ["east"])
        #expect(plan.unplaced.isEmpty)
    }
}

/// `dependentOverrides`: the template waits until the named OverridePolicies exist.
struct DependentOverridesTests {
    static func plan(withOverride: Bool) -> TemplatePlacement? {
        var yaml = """
            \(SchedulerTests.eastCluster)
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: web, namespace: default}
            data: {a: "1"}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: web, namespace: default}
            spec:
              resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
              dependentOverrides: [web-east]
              placement: {clusterAffinity: {clusterNames: [east]}}

            """
        if withOverride {
            yaml += """
                ---
                apiVersion: policy.karmada.io/v1alpha1
                kind: OverridePolicy
                metadata: {name: web-east, namespace: default}
                spec:
                  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
                  overrideRules: [{overriders: {plaintext: [{operator: replace, path: /data/a, value: "2"}]}}]

                """
        }
        let manifests = SchedulerTests.manifests(yaml)
        return Scheduler(manifests: manifests).plan().placements.first { $0.template.kind == "ConfigMap" }
    }

    @Test func aTemplateWaitsForItsDependentOverrides() {
        let waiting = Self.plan(withOverride: false)
        #expect(waiting?.works.isEmpty == true)
        #expect(waiting?.error == "waiting for dependentOverrides: OverridePolicy default/web-east not found")
        let placed = Self.plan(withOverride: true)
        #expect(placed?.works["east"]?.value(at: ["data", "a"])?.stringValue == "2")
    }
}

/// `schedulePriority`: the value of the PriorityClass the policy names (Kubernetes' system classes included); a
/// class that does not exist, or another source, fails the template as Karmada's binding creation fails. It never
/// changes where the template goes.
struct SchedulePriorityTests {
    static func placement(_ priority: String, priorityClass: Bool = true) -> TemplatePlacement? {
        var yaml = """
            \(SchedulerTests.eastCluster)
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: web, namespace: default}
            data: {a: "1"}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: web, namespace: default}
            spec:
              resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
              schedulePriority: \(priority)
              placement: {clusterAffinity: {clusterNames: [east]}}

            """
        if priorityClass {
            yaml += """
                ---
                apiVersion: scheduling.k8s.io/v1
                kind: PriorityClass
                metadata: {name: high}
                value: 1000

                """
        }
        return Scheduler(manifests: SchedulerTests.manifests(yaml)).plan().placements.first { $0.template.kind == "ConfigMap" }
    }

    @Test(arguments: [
        ("{priorityClassSource: KubePriorityClass, priorityClassName: high}", true, Int64(1000) as Int64?, nil as String?),
        ("{priorityClassSource: KubePriorityClass, priorityClassName: system-cluster-critical}", false,
         Int64(2_000_000_000), nil),
        ("{priorityClassSource: KubePriorityClass, priorityClassName: high}", false, nil,
         "priorityclasses.scheduling.k8s.io \"high\" not found"),
        ("{priorityClassSource: PodPriorityClass, priorityClassName: high}", true, nil,
         "unsupported schedulePriority.priorityClassSource \"PodPriorityClass\""),
    ])
    func priorities(priority: String, priorityClass: Bool, value: Int64?, error: String?) {
        let placement = Self.placement(priority, priorityClass: priorityClass)
        #expect(placement?.priority == value)
        #expect(placement?.error == error)
        #expect(placement?.clusters.map(\.name) == (error == nil ? ["east"] : []))
    }
}
