import Foundation
import Testing
@testable import FlotillaModel

@Suite struct ManifestLoaderTests {
    @Test func templatesGetTheDefaultNamespaceAndClusterScopedKindsNone() {
        let manifests = load(["a.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: web, namespace: ignored}
            ---
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w1}
            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: gadgets.example.com}
            spec: {group: example.com, scope: Cluster, names: {kind: Gadget, plural: gadgets}}
            ---
            apiVersion: example.com/v1
            kind: Gadget
            metadata: {name: g1, namespace: nope}
            """])
        #expect(manifests.errors.isEmpty)
        let identities = manifests.templates.map(\.identity.description)
        #expect(identities == ["Deployment.apps default/web", "Namespace web", "Widget.example.com default/w1",
                               "CustomResourceDefinition.apiextensions.k8s.io gadgets.example.com",
                               "Gadget.example.com g1"])
        #expect(manifests.templates[0].location == SourceLocation(file: "a.yaml", line: 1))
        #expect(manifests.templates[1].location.line == 5)
    }

    @Test func aParseCacheGivesTheSameManifestsAndForgetsRemovedFiles() {
        let cache = ManifestParseCache()
        func files(_ image: String, broken: Bool = false, extra: Bool = true) -> [ManifestFile] {
            var files = [ManifestFile(path: "web.yaml", contents: Data("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec: {template: {spec: {containers: [{name: web, image: \(image)}]}}}
                """.utf8)),
                ManifestFile(path: "bad.yaml", contents: Data((broken ? "a: [1,\n" : "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n").utf8))]
            if extra { files.append(ManifestFile(path: "ns.yaml", contents: Data("apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n".utf8))) }
            return files
        }
        for (image, broken, extra) in [("web:1", false, true), ("web:1", true, true), ("web:2", true, false), ("web:2", false, false)] {
            let cached = ManifestLoader.load(files: files(image, broken: broken, extra: extra), cache: cache)
            let fresh = ManifestLoader.load(files: files(image, broken: broken, extra: extra))
            #expect(cached.templates.map(\.content) == fresh.templates.map(\.content))
            #expect(cached.errors == fresh.errors && cached.errors.isEmpty == !broken, "\(cached.errors)")
            #expect(cache.count == (extra ? 3 : 2))
        }
    }

    /// Files are built one by one from the cache: a CRD's scope changing in another file, an object defined in two
    /// files, Karmada objects and errors all come out as a whole build gives them.
    @Test func aBuildCacheGivesWhatAWholeBuildGives() {
        let cache = ManifestParseCache()
        func crd(_ scope: String) -> String {
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\n"
                + "spec: {group: example.com, scope: \(scope), names: {kind: Widget, plural: widgets}, "
                + "versions: [{name: v1, served: true, storage: true}]}\n"
        }
        let widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: team}\n"
        let policy = "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata: {name: p, namespace: team}\n"
            + "spec: {resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]}\n"
        let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: team}\n"
        let sources: [[String: String]] = [
            ["crd.yaml": crd("Namespaced"), "w.yaml": widget, "p.yaml": policy, "c.yaml": configMap],
            ["crd.yaml": crd("Cluster"), "w.yaml": widget, "p.yaml": policy, "c.yaml": configMap],
            ["crd.yaml": crd("Cluster"), "w.yaml": widget, "p.yaml": policy, "c.yaml": configMap, "d.yaml": configMap],
            ["crd.yaml": crd("Namespaced"), "w.yaml": widget, "p.yaml": policy + "spec: {}\n", "c.yaml": configMap],
            ["crd.yaml": crd("Namespaced"), "w.yaml": widget, "p.yaml": policy, "c.yaml": configMap],
        ]
        for source in sources {
            let files = source.map { ManifestFile(path: $0.key, contents: Data($0.value.utf8)) }
            let cached = ManifestLoader.load(files: files, cache: cache)
            let whole = ManifestLoader.load(files: files)
            #expect(cached.templates.map(\.content) == whole.templates.map(\.content))
            #expect(cached.templates.map(\.location) == whole.templates.map(\.location))
            #expect(cached.propagationPolicies == whole.propagationPolicies)
            #expect(cached.errors == whole.errors)
            #expect(cached.fileCount == whole.fileCount)
        }
        // The widget's namespace follows the CRD's scope (dropped when cluster-scoped) even from the cache.
        let clusterScoped = ManifestLoader.load(files: sources[1].map { ManifestFile(path: $0.key, contents: Data($0.value.utf8)) },
                                                cache: cache)
        #expect(clusterScoped.templates.first { $0.kind == "Widget" }?.namespace == nil)
        let duplicated = ManifestLoader.load(files: sources[2].map { ManifestFile(path: $0.key, contents: Data($0.value.utf8)) },
                                             cache: cache)
        #expect(duplicated.errors.map(\.description).contains { $0.contains("d.yaml") })
    }

    @Test func onlyManifestFilesAreReadAndHiddenOnesSkipped() {
        #expect(ManifestLoader.isManifestPath("apps/web.yaml"))
        #expect(ManifestLoader.isManifestPath("apps/web.yml"))
        #expect(ManifestLoader.isManifestPath("apps/web.json"))
        #expect(!ManifestLoader.isManifestPath("apps/README.md"))
        #expect(!ManifestLoader.isManifestPath(".github/workflows/ci.yaml"))
        #expect(!ManifestLoader.isManifestPath("apps/.hidden.yaml"))
    }

    @Test func readsAFolderSkippingHiddenEntries() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-loader-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("a/.git"), withIntermediateDirectories: true)
        let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
        try configMap.write(to: root.appendingPathComponent("a/c.yaml"), atomically: true, encoding: .utf8)
        try "not: [valid".write(to: root.appendingPathComponent("a/.git/x.yaml"), atomically: true, encoding: .utf8)
        try "{}".write(to: root.appendingPathComponent("a/notes.txt"), atomically: true, encoding: .utf8)
        let manifests = ManifestLoader.load(directory: root.path)
        #expect(manifests.errors.isEmpty)
        #expect(manifests.fileCount == 1)
        #expect(manifests.templates.map(\.name) == ["c"])
    }

    @Test func jsonFilesArraysAndListsBecomeDocuments() {
        let manifests = load([
            "list.json": """
            {"apiVersion": "v1", "kind": "List", "items": [
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}},
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}]}
            """,
            "tabs.json": "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Secret\",\n\t\"metadata\": {\"name\": \"s\"}\n}",
        ])
        #expect(manifests.errors.isEmpty)
        #expect(manifests.templates.map(\.name) == ["a", "b", "s"])
        #expect(manifests.templates[1].location.line == 3)
    }

    @Test(arguments: [
        ("- just\n- a list\n", "test.yaml:1: a manifest must be an object, found array"),
        ("just a string\n", "test.yaml:1: a manifest must be an object, found string"),
        ("kind: ConfigMap\nmetadata: {name: a}\n", "test.yaml:1: ConfigMap: missing required field \"apiVersion\""),
        ("apiVersion: v1\nmetadata: {name: a}\n", "test.yaml:1: missing required field \"kind\""),
        ("apiVersion: v1\nkind: ConfigMap\n", "test.yaml:1: ConfigMap: missing required field \"metadata.name\""),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n",
         "test.yaml:3: ConfigMap: missing required field \"metadata.name\""),
        ("apiVersion: 1\nkind: ConfigMap\nmetadata: {name: a}\n",
         "test.yaml:1: ConfigMap: invalid value at \"apiVersion\": expected a string, found number"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: My_Config\n",
         "test.yaml:4: invalid metadata.name \"My_Config\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"),
        ("apiVersion: v1\nkind: Service\nmetadata:\n  name: a.b\n",
         "test.yaml:4: invalid metadata.name \"a.b\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: Prod\n",
         "test.yaml:5: invalid metadata.namespace \"Prod\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    replicas: 3\n",
         "test.yaml:5: ConfigMap: invalid value at \"metadata.labels\": must be a map of strings (quote numbers and booleans)"),
        ("apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: web-\n",
         "test.yaml:4: Pod: invalid value at \"metadata.generateName\": generateName cannot be reconciled: set metadata.name"),
        ("apiVersion: apps.karmada.io/v1alpha1\nkind: WorkloadRebalancers\nmetadata: {name: r}\n",
         "test.yaml:2: WorkloadRebalancers: invalid value at \"kind\": WorkloadRebalancers.apps.karmada.io is a Karmada control-plane kind Flotilla does not support; supported: Cluster, PropagationPolicy, ClusterPropagationPolicy, OverridePolicy, ClusterOverridePolicy, FederatedHPA, FederatedResourceQuota, WorkloadRebalancer, ClusterTaintPolicy, CronFederatedHPA"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n",
         "test.yaml:4:1: syntax error: found character that cannot start any token (while scanning for the next token at line 4)"),
    ])
    func badDocumentsGiveOneClearError(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    @Test func duplicatesNameBothLocations() {
        let manifests = load([
            "a.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n",
            "b.yaml": "---\napiVersion: apps/v1beta2\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n",
        ])
        #expect(manifests.errors.map(\.description) == [
            "b.yaml:2: duplicate Deployment.apps shop/web (first defined at a.yaml:1)",
        ])
        #expect(manifests.templates.count == 1)
    }

    @Test func everyErrorOfTheSourceIsReportedSortedByLocation() {
        let manifests = load([
            "z.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad}\n",
            "a.yaml": "a: [\n",
            "m.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n",
        ])
        #expect(manifests.errors.map(\.location.file) == ["a.yaml", "z.yaml"])
        #expect(manifests.templates.map(\.name) == ["fine"])
        #expect(!manifests.isValid)
    }

    @Test func theSampleRepositoryIsValid() throws {
        let manifests = ManifestLoader.load(directory: projectRoot.appendingPathComponent("sample-repo").path)
        #expect(manifests.errors.map(\.description) == [])
        let clusters = manifests.clusters
        #expect(clusters.count >= 4)
        #expect(Set(clusters.compactMap(\.spec.provider)).count >= 3)
        #expect(Set(clusters.compactMap(\.spec.region)).count >= 2)
        #expect(Set(clusters.compactMap { $0.metadata.labels["env"] }) == ["dev", "test", "prod"])
        let strategies = manifests.propagationPolicies.compactMap(\.spec.placement?.replicaScheduling)
        #expect(strategies.contains { $0.replicaSchedulingType == .duplicated })
        #expect(strategies.contains { $0.weightPreference?.staticWeightList != nil })
        #expect(strategies.contains { $0.weightPreference?.dynamicWeight == .availableReplicas })
        #expect(!manifests.federatedHPAs.isEmpty)
        let kinds = Set(manifests.templates.map(\.kind))
        #expect(kinds.isSuperset(of: ["Deployment", "Service", "Ingress", "ConfigMap", "Secret",
                                      "PersistentVolumeClaim", "Namespace"]))
    }
}
