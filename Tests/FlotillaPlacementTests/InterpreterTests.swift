import FlotillaModel
import FlotillaPlacement
import Foundation
import Testing

/// Karmada's native interpreter for Jobs and Pods (KARMADA.md E.5 and A.4): a Job's replicas are
/// `min(parallelism, completions ?? parallelism)`, its per-cluster share is written to `spec.parallelism` (never
/// `spec.replicas`, which a Job does not have) and, when divided, its completions are divided by Webster with the
/// parallelism as weights; a Pod is one replica, never revised.
struct InterpreterTests {
    static let clusters = ["a", "b"].map {
        "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: \($0)}\nspec: {syncMode: Push}\n---\n"
    }.joined()

    static func placement(_ workload: String, divided: Bool = true) -> TemplatePlacement? {
        let scheduling = divided ? """
            replicaScheduling:
                  replicaSchedulingType: Divided
                  replicaDivisionPreference: Weighted
                  weightPreference:
                    staticWeightList:
                      - {targetCluster: {clusterNames: [a]}, weight: 1}
                      - {targetCluster: {clusterNames: [b]}, weight: 1}
            """ : "replicaScheduling: {replicaSchedulingType: Duplicated}"
        let yaml = clusters + workload + """

            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: all, namespace: default}
            spec:
              resourceSelectors: [{apiVersion: batch/v1, kind: Job}, {apiVersion: v1, kind: Pod}]
              placement:
                clusterAffinity: {clusterNames: [a, b]}
                \(scheduling)
            """
        let manifests = ManifestLoader.load(files: [ManifestFile(path: "t.yaml", contents: Data(yaml.utf8))])
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        return Scheduler(manifests: manifests).plan().placements.first { $0.template.kind != "Cluster" }
    }

    static func job(parallelism: Int?, completions: Int?) -> String {
        var spec = ""
        if let parallelism { spec += "  parallelism: \(parallelism)\n" }
        if let completions { spec += "  completions: \(completions)\n" }
        return """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: batch, namespace: default}
            spec:
            \(spec)  template:
                spec: {restartPolicy: Never, containers: [{name: w, image: "w:1"}]}
            """
    }

    @Test func aDividedJobSplitsParallelismAndCompletions() throws {
        let placement = try #require(Self.placement(Self.job(parallelism: 4, completions: 10)))
        #expect(placement.error == nil, "\(placement.error ?? "")")
        #expect(placement.clusters == [TargetCluster(name: "a", replicas: 2), TargetCluster(name: "b", replicas: 2)])
        for cluster in ["a", "b"] {
            let spec = placement.works[cluster]?["spec"]
            #expect(spec?["parallelism"] == .int(2) && spec?["completions"] == .int(5), "\(String(describing: spec))")
            #expect(spec?["replicas"] == nil)
        }
    }

    @Test(arguments: [(6, 3, 3), (4, nil, 4), (nil, 5, 1)] as [(Int?, Int?, Int32)])
    func aJobsReplicasAreTheSmallerOfParallelismAndCompletions(parallelism: Int?, completions: Int?, replicas: Int32) {
        let template = ManifestLoader.load(files: [ManifestFile(
            path: "j.yaml", contents: Data(Self.job(parallelism: parallelism, completions: completions).utf8))]).templates[0]
        #expect(WorkloadInterpreter.replicas(of: template) == replicas)
    }

    @Test func aPodIsOneReplicaAndADividedPodGoesToOneCluster() throws {
        let pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: once, namespace: default}
            spec: {containers: [{name: p, image: "p:1"}]}
            """
        let divided = try #require(Self.placement(pod))
        #expect(divided.hasReplicas && divided.clusters.count == 1 && divided.clusters.first?.replicas == 1)
        #expect(divided.works.values.allSatisfy { $0["spec"]?["replicas"] == nil })
        let duplicated = try #require(Self.placement(pod, divided: false))
        #expect(duplicated.clusters.map(\.name) == ["a", "b"])
    }
}

/// Karmada's dependency interpreter: what `propagateDeps` follows (KARMADA.md E.5).
struct DependencyInterpreterTests {
    static func dependencies(_ yaml: String) -> [String] {
        let template = ManifestLoader.load(files: [ManifestFile(path: "d.yaml", contents: Data(yaml.utf8))]).templates[0]
        return WorkloadInterpreter.dependencies(of: template).map(\.description)
    }

    @Test func theDefaultServiceAccountIsNoDependency() {
        let pod = { (account: String) in
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\n"
                + "spec: {serviceAccountName: \(account), containers: [{name: c, image: \"c:1\"}]}\n"
        }
        #expect(Self.dependencies(pod("default")).isEmpty)
        #expect(Self.dependencies(pod("builder")) == ["ServiceAccount shop/builder"])
    }

    @Test func anIngressDependsOnItsTLSSecretsAndAServiceImportOnItsDerivedService() {
        #expect(Self.dependencies("""
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: web, namespace: shop}
            spec: {tls: [{hosts: [a.example.com], secretName: a-tls}, {secretName: b-tls}]}
            """) == ["Secret shop/a-tls", "Secret shop/b-tls"])
        #expect(Self.dependencies("""
            apiVersion: multicluster.x-k8s.io/v1alpha1
            kind: ServiceImport
            metadata: {name: web, namespace: shop}
            spec: {type: ClusterSetIP, ports: [{port: 80, protocol: TCP}]}
            """) == ["Service shop/derived-web"])
    }
}
