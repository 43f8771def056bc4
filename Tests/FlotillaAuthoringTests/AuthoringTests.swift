import FlotillaModel
import FlotillaPlacement
import Foundation
import Testing
@testable import FlotillaAuthoring

/// The files `import`, `clone` and `migrate` write, as golden files (`RECORD_GOLDEN=1` rewrites them and fails), and
/// what they must never contain.
@Suite struct AuthoringTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let secretValue = "hunter2-is-not-for-git"

    static func json(_ text: String) -> JSONValue {
        JSONValue(foundation: try! JSONSerialization.jsonObject(with: Data(text.utf8)))
    }

    /// A Deployment as an API server returns it: defaults, status, managedFields and all.
    static let liveDeployment = json("""
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "shop-api", "namespace": "shop", "uid": "0b1c", "resourceVersion": "4711", "generation": 3,
                      "creationTimestamp": "2026-12-01T10:00:00Z", "labels": {"app": "shop-api"},
                      "annotations": {"deployment.kubernetes.io/revision": "3", "team": "payments",
                                      "kubectl.kubernetes.io/last-applied-configuration": "{}"},
                      "managedFields": [{"manager": "kubectl", "operation": "Apply"}]},
         "spec": {"replicas": 2, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
                  "selector": {"matchLabels": {"app": "shop-api"}},
                  "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                  "template": {"metadata": {"creationTimestamp": null, "labels": {"app": "shop-api"}},
                               "spec": {"restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
                                        "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30,
                                        "securityContext": {},
                                        "containers": [{"name": "api", "image": "example/shop-api:1",
                                                        "imagePullPolicy": "IfNotPresent",
                                                        "terminationMessagePath": "/dev/termination-log",
                                                        "terminationMessagePolicy": "File",
                                                        "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                                                        "envFrom": [{"configMapRef": {"name": "shop-config"}}],
                                                        "resources": {"requests": {"cpu": "100m"}}}]}}},
         "status": {"replicas": 2, "readyReplicas": 2}}
        """)

    static let liveDependencies = [
        json("""
            {"apiVersion": "v1", "kind": "Service",
             "metadata": {"name": "shop-api", "namespace": "shop", "uid": "5e", "resourceVersion": "9"},
             "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.12", "clusterIPs": ["10.96.0.12"],
                      "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None",
                      "internalTrafficPolicy": "Cluster", "selector": {"app": "shop-api"},
                      "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]},
             "status": {"loadBalancer": {}}}
            """),
        json("""
            {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "shop-config", "namespace": "shop", "uid": "c0", "resourceVersion": "7"},
             "data": {"mode": "live"}}
            """),
        json("""
            {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
             "metadata": {"name": "shop-db", "namespace": "shop", "uid": "5ec", "resourceVersion": "8"},
             "data": {"password": "\(Data(secretValue.utf8).base64EncodedString())"}}
            """),
    ]

    static func cluster(_ name: String, provider: String) -> Cluster {
        Cluster(metadata: ObjectMeta(name: name), spec: ClusterSpec(syncMode: .push, provider: provider))
    }

    /// Every file of a change, with its path, and the commit message: one text to compare.
    static func rendered(_ change: AuthoredChange) -> String {
        change.files.keys.sorted().map { "=== \($0)\n\(change.files[$0]!)" }.joined()
            + "=== commit message\n" + change.message() + change.warnings.map { "warning: \($0)\n" }.joined()
    }

    static func check(_ text: String, _ file: String) throws {
        let url = golden.appendingPathComponent(file)
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded \(file); run again without RECORD_GOLDEN")
            return
        }
        #expect(text == (try String(contentsOf: url, encoding: .utf8)))
    }

    @Test func aLiveDeploymentBecomesTheTemplateSomeoneWouldWrite() {
        let template = LiveObjectCleaning.template(Self.liveDeployment)
        for path in [["status"], ["metadata", "uid"], ["metadata", "resourceVersion"], ["metadata", "managedFields"],
                     ["metadata", "creationTimestamp"], ["metadata", "generation"], ["spec", "revisionHistoryLimit"],
                     ["spec", "strategy"], ["spec", "template", "spec", "dnsPolicy"],
                     ["spec", "template", "metadata", "creationTimestamp"]] {
            #expect(template.value(at: path) == nil, "\(path)")
        }
        #expect(template.value(at: ["metadata", "annotations"]) == .object(["team": .string("payments")]))
        #expect(template.value(at: ["spec", "replicas"]) == .int(2))
        let container = template.value(at: ["spec", "template", "spec", "containers"])?.arrayValue?.first
        #expect(container?["imagePullPolicy"] == nil && container?["terminationMessagePath"] == nil)
        #expect(container?["image"] == .string("example/shop-api:1"))
        #expect(container?["ports"] == .array([.object(["containerPort": .int(8080)])]))
        let service = LiveObjectCleaning.template(Self.liveDependencies[0])
        #expect(service["spec"] == .object(["selector": .object(["app": .string("shop-api")]),
                                            "ports": .array([.object(["port": .int(80), "targetPort": .int(8080)])])]))
    }

    @Test func importPinnedMatchesTheGoldenFile() throws {
        let change = try ImportAuthoring.change(ImportAuthoring.Request(
            cluster: "aws-east", workload: Self.liveDeployment, dependencies: Self.liveDependencies, into: "apps/shop"))
        let text = Self.rendered(change)
        #expect(!text.contains(Self.secretValue) && !text.contains(Data(Self.secretValue.utf8).base64EncodedString()))
        #expect(text.contains("password: REPLACE-ME"))
        try Self.check(text, "import-pinned.txt")
    }

    @Test func secretValuesGoToGitOnlyWhenAskedAndTheSecretIsThenPropagated() throws {
        let request = { (include: Bool) in
            ImportAuthoring.Request(cluster: "aws-east", workload: Self.liveDeployment,
                                    dependencies: Self.liveDependencies, into: "apps/shop", includeSecretValues: include)
        }
        let encoded = Data(Self.secretValue.utf8).base64EncodedString()
        let withheld = try ImportAuthoring.change(request(false))
        #expect(!Self.rendered(withheld).contains(encoded))
        #expect(!(withheld.files["apps/shop/shop-api-placement.yaml"] ?? "").contains("name: shop-db"))
        let included = try ImportAuthoring.change(request(true))
        #expect(included.files["apps/shop/shop-api.yaml"]?.contains("password: \(encoded)") == true)
        #expect((included.files["apps/shop/shop-api-placement.yaml"] ?? "").contains("name: shop-db"))
        #expect(included.warnings.isEmpty)
    }

    @Test func importSpreadOverProvidersGivesEachProviderAnEqualShare() throws {
        let clusters = [Self.cluster("aws-east", provider: "aws"), Self.cluster("aws-west", provider: "aws"),
                        Self.cluster("gcp-west", provider: "gcp"), Cluster(metadata: ObjectMeta(name: "lab"),
                                                                          spec: ClusterSpec(syncMode: .push))]
        let change = try ImportAuthoring.change(ImportAuthoring.Request(
            cluster: "aws-east", workload: Self.liveDeployment, into: "apps/shop", spread: .provider,
            clusters: clusters, registries: ["gcp": "gcr.example.com"]))
        #expect(ImportAuthoring.weights(["aws-east", "aws-west", "gcp-west"], spread: .provider, clusters: clusters)
                == ["aws-east": 1, "aws-west": 1, "gcp-west": 2])
        try Self.check(Self.rendered(change), "import-spread.txt")
        // A named cluster that is not registered is an error.
        #expect(throws: AuthoringError.self) {
            try ImportAuthoring.change(ImportAuthoring.Request(cluster: "aws-east", workload: Self.liveDeployment,
                                                               into: "", spread: .clusters(["nowhere"]),
                                                               clusters: clusters))
        }
    }

    static let source = """
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: a}
        spec: {syncMode: Push}
        ---
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: b}
        spec: {syncMode: Push}
        ---
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
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: other, namespace: shop}
        spec:
          replicas: 1
          selector: {matchLabels: {app: other}}
          template:
            metadata: {labels: {app: other}}
            spec: {containers: [{name: other, image: nginx}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec: {selector: {app: web}, ports: [{port: 80}]}
        ---
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: everything, namespace: shop}
        spec:
          priority: 3
          resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}, {apiVersion: v1, kind: Service}]
          placement:
            clusterAffinity: {clusterNames: [a]}

        """

    static func relocation(_ move: RelocationAuthoring.Move, replicas: Int? = nil,
                           image: String? = nil) throws -> AuthoredChange {
        let manifests = ManifestLoader.load(files: [ManifestFile(path: "apps/shop/all.yaml",
                                                                 contents: Data(source.utf8))])
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        let plan = Scheduler(manifests: manifests).plan()
        let web = try #require(plan.placements.first { $0.template.kind == "Deployment" && $0.template.name == "web" })
        return try RelocationAuthoring.change(RelocationAuthoring.Request(
            template: web.template, manifests: manifests, current: web.clusters.map(\.name), choice: web.choice,
            move: move, replicas: replicas, image: image))
    }

    @Test func migrateWritesADedicatedPolicyThatMovesOnlyTheNamedTemplate() throws {
        let change = try Self.relocation(.migrate(from: "a", to: "b"), replicas: 3,
                                         image: "registry.b.example/team/web:2")
        try Self.check(Self.rendered(change), "migrate.txt")
        // Planned: web (and its Service) on b, the other Deployment still on a.
        var files = [ManifestFile(path: "apps/shop/all.yaml", contents: Data(Self.source.utf8))]
        files += change.files.map { ManifestFile(path: $0.key, contents: Data($0.value.utf8)) }
        let manifests = ManifestLoader.load(files: files)
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        let plan = Scheduler(manifests: manifests).plan()
        func clusters(_ kind: String, _ name: String) -> [String] {
            plan.placements.first { $0.template.kind == kind && $0.template.name == name }?.clusters.map(\.name) ?? []
        }
        #expect(clusters("Deployment", "web") == ["b"])
        #expect(clusters("Service", "web") == ["b"])
        #expect(clusters("Deployment", "other") == ["a"])
        let web = try #require(plan.placements.first { $0.template.name == "web" && $0.template.kind == "Deployment" })
        #expect(web.works["b"]?.value(at: ["spec", "replicas"]) == .int(3))
        let image = web.works["b"]?.value(at: ["spec", "template", "spec", "containers"])?.arrayValue?.first?["image"]
        #expect(image == .string("registry.b.example/team/web:2"))
        #expect(throws: AuthoringError.self) { try Self.relocation(.migrate(from: "b", to: "a")) }
        #expect(throws: AuthoringError.self) { try Self.relocation(.migrate(from: "a", to: "nowhere")) }
    }

    @Test func staticWeightsGoWithTheMove() {
        let manifests = ManifestLoader.load(files: [ManifestFile(path: "all.yaml", contents: Data(Self.source.utf8))])
        let rules = [StaticClusterWeight(targetCluster: ClusterAffinity(clusterNames: ["a"]), weight: 3)]
        let migrated = RelocationAuthoring.weights(rules, clusters: ["b"], manifests: manifests,
                                                   move: .migrate(from: "a", to: "b"))
        #expect(migrated == [StaticClusterWeight(targetCluster: ClusterAffinity(clusterNames: ["b"]), weight: 3)])
        let cloned = RelocationAuthoring.weights(rules, clusters: ["a", "b"], manifests: manifests,
                                                 move: .clone(to: ["b"], name: nil))
        #expect(cloned.map(\.weight) == [3, 3])
    }

    @Test func cloneAddsClustersOrWritesARenamedCopy() throws {
        try Self.check(Self.rendered(try Self.relocation(.clone(to: ["b"], name: nil))), "clone.txt")
        let copy = try Self.relocation(.clone(to: ["b"], name: "web-canary"), replicas: 1)
        try Self.check(Self.rendered(copy), "clone-copy.txt")
        #expect(throws: AuthoringError.self) { try Self.relocation(.clone(to: ["b"], name: "other")) }
        #expect(throws: AuthoringError.self) { try Self.relocation(.clone(to: ["b"], name: "Bad_Name")) }
        #expect(throws: AuthoringError.self) {
            try Self.relocation(.migrate(from: "a", to: "b"), image: "BAD IMAGE!!")
        }
        #expect(throws: AuthoringError.self) {
            try ImportAuthoring.change(ImportAuthoring.Request(cluster: "a", workload: Self.liveDeployment,
                                                               into: "../../etc"))
        }
    }
}
