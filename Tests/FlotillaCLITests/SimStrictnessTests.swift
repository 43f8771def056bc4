import FlotillaKube
import FlotillaModel
import FlotillaTestSupport
import Foundation
import Testing

/// What the simulated clusters do as a real API server does, checked with real clients: every kubectl on the machine
/// (1.27 reads `/openapi/v2` in protobuf, later ones `/openapi/v3`), server-side Table printing, bearer tokens and
/// 401, ownerReference garbage collection, and the faults a real network and server show.
@Suite(.serialized) struct SimStrictnessTests {
    /// kubectl on the PATH, every versioned kubectl installed beside the Cloud SDK's (1.27 to 1.33 here), and the
    /// newest from PyPI that `make deps` puts under `.build/tools`.
    static var kubectls: [String] {
        let folder = "/usr/lib/google-cloud-sdk/bin"
        let versioned = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix("kubectl.1.") }.sorted().map { "\(folder)/\($0)" }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let newest = root.appendingPathComponent(".build/tools/kubectl-latest/bin/kubectl").path
        return ["kubectl"] + versioned + (FileManager.default.isExecutableFile(atPath: newest) ? [newest] : [])
    }

    @Test func everyKubectlOnTheMachineAppliesAndGetsTheUsualColumns() throws {
        let sim = try SimKubectlTests.Sim()
        #expect(try sim.kubectl(["create", "namespace", "shop"]).status == 0)
        let versions = Self.kubectls
        for (index, kubectl) in versions.enumerated() {
            let version = try sim.kubectl(["version", "--client", "-o", "json"], binary: kubectl)
            #expect(version.status == 0, "\(kubectl): \(version.errors)")
            // Server-side apply, then a client-side apply (which reads the OpenAPI document first).
            let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings-\(index), namespace: shop}\n"
                + "data: {a: b, c: d}\n"
            let serverSide = try sim.kubectl(["apply", "--server-side"], stdin: configMap, binary: kubectl)
            #expect(serverSide.status == 0 && serverSide.output.contains("serverside-applied"),
                    "\(kubectl): \(serverSide.output) \(serverSide.errors)")
            let deployment = SimKubectlTests.deployment.replacingOccurrences(of: "name: web,", with: "name: web-\(index),")
            let clientSide = try sim.kubectl(["apply"], stdin: deployment, binary: kubectl)
            #expect(clientSide.status == 0, "\(kubectl): \(clientSide.errors)")
            // `get` prints what the server's Table says.
            let deployments = try sim.kubectl(["-n", "shop", "get", "deployment", "web-\(index)"], binary: kubectl)
            let header = deployments.output.split(separator: "\n").first.map { $0.split(separator: " ") } ?? []
            #expect(header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], "\(kubectl): \(deployments.output)")
            #expect(deployments.output.contains("web-\(index) "), "\(kubectl): \(deployments.output)")
            let configMaps = try sim.kubectl(["-n", "shop", "get", "configmap", "settings-\(index)", "--no-headers"],
                                             binary: kubectl)
            #expect(configMaps.output.split(separator: " ").prefix(2) == ["settings-\(index)", "2"],
                    "\(kubectl): \(configMaps.output)")
        }
        let wide = try sim.kubectl(["-n", "shop", "get", "deployment", "web-0", "-o", "wide"])
        #expect(wide.output.contains("CONTAINERS") && wide.output.contains("nginx:1.27") && wide.output.contains("app=web"),
                "\(wide.output)")
        let nodes = try sim.kubectl(["get", "nodes", "--no-headers"])
        #expect(nodes.output.contains(" Ready ") && nodes.output.contains("v1.31.0"), "\(nodes.output)")
    }

    @Test func aCustomResourceIsPrintedWithItsCRDsColumns() throws {
        let sim = try SimKubectlTests.Sim()
        let crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: widgets, singular: widget, kind: Widget}
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
                  additionalPrinterColumns:
                    - {name: Size, type: integer, jsonPath: .spec.size}
                    - {name: Colour, type: string, jsonPath: .spec.colour, priority: 1}
            """
        #expect(try sim.kubectl(["apply", "--server-side"], stdin: crd).status == 0)
        var applied = try sim.kubectl(["get", "widgets"])
        for _ in 0..<50 where applied.status != 0 || !applied.output.contains("serverside-applied") {
            applied = try sim.kubectl(["apply", "--server-side"], stdin: """
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: small, namespace: default}
                spec: {size: 3, colour: blue}
                """)
            if applied.status != 0 { usleep(100_000) }
        }
        #expect(applied.status == 0, "\(applied.errors)")
        let printed = try sim.kubectl(["get", "widgets"])
        let lines = printed.output.split(separator: "\n").map { $0.split(separator: " ") }
        #expect(lines.first == ["NAME", "SIZE", "AGE"], "\(printed.output)")
        #expect(lines.dropFirst().first?.prefix(2) == ["small", "3"], "\(printed.output)")
        let wide = try sim.kubectl(["get", "widgets", "-o", "wide"])
        #expect(wide.output.contains("COLOUR") && wide.output.contains("blue"), "\(wide.output)")
    }

    @Test func unknownFieldsArePrunedByTheSchemaOrRefusedWhenStrict() throws {
        let sim = try SimKubectlTests.Sim()
        let crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: gizmos.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: gizmos, singular: gizmo, kind: Gizmo}
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema:
                    openAPIV3Schema:
                      type: object
                      properties:
                        spec:
                          type: object
                          properties:
                            size: {type: integer}
                            extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
            """
        #expect(try sim.kubectl(["apply", "--server-side"], stdin: crd).status == 0)
        let gizmo = """
            apiVersion: example.com/v1
            kind: Gizmo
            metadata: {name: g, namespace: default}
            spec: {size: 3, colour: blue, extra: {anything: [1, 2]}}
            """
        // kubectl validates strictly by default: the server refuses the unknown field, by its path.
        var strict = try sim.kubectl(["apply", "--server-side"], stdin: gizmo)
        for _ in 0..<50 where strict.errors.contains("the server doesn't have a resource type")
            || strict.errors.contains("no matches for kind") {
            usleep(100_000)
            strict = try sim.kubectl(["apply", "--server-side"], stdin: gizmo)
        }
        #expect(strict.status != 0 && strict.errors.contains(#"unknown field "spec.colour""#), "\(strict.errors)")
        // Warn: applied without it, and kubectl shows the server's warning.
        let warned = try sim.kubectl(["apply", "--server-side", "--validate=warn"], stdin: gizmo)
        #expect(warned.status == 0 && warned.errors.contains(#"Warning: unknown field "spec.colour""#), "\(warned.errors)")
        let stored = try sim.kubectl(["get", "gizmo", "g", "-o", "jsonpath={.spec}"])
        let spec = try JSONValue.parse(stored.output)
        #expect(spec["colour"] == nil && spec["size"] == .int(3), "\(stored.output)")
        #expect(spec["extra"]?["anything"]?.arrayValue?.count == 2, "what the schema preserves stays: \(stored.output)")
        // A built-in kind: a misspelt metadata field and an unknown top-level field.
        let configMap = try sim.kubectl(["apply", "--server-side"], stdin: """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: typo, namespace: default, lables: {a: b}}
            datas: {a: b}
            """)
        #expect(configMap.status != 0 && configMap.errors.contains(#"unknown field "datas""#)
                    && configMap.errors.contains(#"unknown field "metadata.lables""#), "\(configMap.errors)")
    }

    @Test func horizontalPodAutoscalersAreServedInV1AndV2() throws {
        let sim = try SimKubectlTests.Sim()
        let applied = try sim.kubectl(["apply", "--server-side"], stdin: """
            apiVersion: autoscaling/v1
            kind: HorizontalPodAutoscaler
            metadata: {name: web, namespace: default}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
              minReplicas: 2
              maxReplicas: 5
              targetCPUUtilizationPercentage: 70
            """)
        #expect(applied.status == 0, "\(applied.errors)")
        let v2 = try sim.kubectl(["get", "horizontalpodautoscalers.v2.autoscaling", "web", "-o", "json"])
        let asV2 = try JSONValue.parse(v2.output)
        #expect(asV2["apiVersion"] == .string("autoscaling/v2"))
        #expect(asV2.value(at: ["spec", "metrics"])?.arrayValue?.first?
            .value(at: ["resource", "target", "averageUtilization"]) == .int(70), "\(v2.output)")
        #expect(asV2.value(at: ["spec", "targetCPUUtilizationPercentage"]) == nil)
        // Changed through v2, read through v1.
        let patched = try sim.kubectl(["patch", "horizontalpodautoscalers.v2.autoscaling", "web", "--type", "merge", "-p",
                                       #"{"spec":{"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":55}}}]}}"#])
        #expect(patched.status == 0, "\(patched.errors)")
        let v1 = try sim.kubectl(["get", "horizontalpodautoscalers.v1.autoscaling", "web",
                                  "-o", "jsonpath={.apiVersion} {.spec.targetCPUUtilizationPercentage}"])
        #expect(v1.output == "autoscaling/v1 55", "\(v1.output) \(v1.errors)")
        let listed = try sim.kubectl(["get", "hpa", "--no-headers"])
        #expect(listed.output.hasPrefix("web ") && listed.output.contains("Deployment/web"), "\(listed.output)")
    }

    @Test func aBearerTokenIsRequiredAndAWrongOneGets401() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-token-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokenFile = folder.appendingPathComponent("token").path
        try "s3cr3t-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let sim = try SimKubectlTests.Sim(tls: true, arguments: ["--token-file", tokenFile])
        // kubectl with the kubeconfig the sim wrote (it holds the token, so it is its owner's only).
        #expect(try sim.kubectl(["create", "namespace", "tokens"]).status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: sim.kubeconfig)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let wrong = try sim.kubectl(["--token", "not-it", "get", "namespaces"])
        // (kubectl says "Unauthorized", or from 1.30 "the server has asked for the client to provide credentials".)
        #expect(wrong.status != 0 && (wrong.errors.contains("Unauthorized") || wrong.errors.contains("provide credentials")),
                "\(wrong.errors)")
        // Flotilla's client: typed 401 without the token, served with it.
        let connection = try Kubeconfig.load(path: sim.kubeconfig).connection(context: "member1")
        #expect(connection.clientCertificatePEM == nil)
        var withoutToken = connection
        withoutToken.credentials = .none
        let anonymous = KubeClient(transport: try CurlTransport(connection: withoutToken))
        do {
            _ = try anonymous.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "tokens")
            Issue.record("a request without the token was served")
        } catch {
            guard case .unauthorized = error else { Issue.record("expected 401, got \(error)"); return }
        }
        let client = KubeClient(transport: try CurlTransport(connection: connection))
        #expect(try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "tokens")["kind"] == .string("Namespace"))
    }

    @Test func dependentsGoWithTheirOwnerUnlessOrphaned() throws {
        let sim = try SimKubectlTests.Sim()
        #expect(try sim.kubectl(["create", "namespace", "shop"]).status == 0)
        func ownedConfigMap(_ name: String, owner: String) throws {
            let uid = try sim.kubectl(["-n", "shop", "get", "configmap", owner, "-o", "jsonpath={.metadata.uid}"]).output
            #expect(!uid.isEmpty)
            let created = try sim.kubectl(["apply", "--server-side"], stdin: """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: \(name)
                  namespace: shop
                  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: \(owner), uid: "\(uid)"}]
                """)
            #expect(created.status == 0, "\(created.errors)")
        }
        for owner in ["owner-a", "owner-b"] {
            #expect(try sim.kubectl(["-n", "shop", "create", "configmap", owner]).status == 0)
        }
        try ownedConfigMap("child-a", owner: "owner-a")
        try ownedConfigMap("grandchild-a", owner: "child-a")
        try ownedConfigMap("child-b", owner: "owner-b")
        // Background (kubectl's default): the dependents, and theirs, are collected.
        #expect(try sim.kubectl(["-n", "shop", "delete", "configmap", "owner-a"]).status == 0)
        var names = try sim.kubectl(["-n", "shop", "get", "configmaps", "-o", "name"]).output
        #expect(!names.contains("child-a") && !names.contains("grandchild-a"), "\(names)")
        // Orphan: the dependent stays, without its reference to the owner.
        #expect(try sim.kubectl(["-n", "shop", "delete", "configmap", "owner-b", "--cascade=orphan"]).status == 0)
        names = try sim.kubectl(["-n", "shop", "get", "configmaps", "-o", "name"]).output
        #expect(names.contains("configmap/child-b") && !names.contains("owner-b"), "\(names)")
        let references = try sim.kubectl(["-n", "shop", "get", "configmap", "child-b",
                                          "-o", "jsonpath={.metadata.ownerReferences}"])
        #expect(references.status == 0 && references.output.isEmpty, "\(references.output)")
    }

    @Test func watchErrorsBlackholesAndRevokedCredentialsAreServedAsAServerFails() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-faults-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ports = freePorts(2)
        let (port, adminPort) = (ports[0], ports[1])
        let server = try ServerProcess([flotillaBinary.path, "sim", "--cluster", "member1=\(port)",
                                        "--admin-port", "\(adminPort)"], port: port)
        defer { withExtendedLifetime(server) {} }
        func connect(_ target: Int) throws -> CurlTransport {
            try CurlTransport(connection: ClusterConnection(context: "c", server: URL(string: "http://127.0.0.1:\(target)")!))
        }
        let client = KubeClient(transport: try connect(port))
        let admin = try connect(adminPort)
        func fault(_ text: String) throws {
            let response = try admin.perform(KubeRequest(method: "POST", path: "/clusters/member1/faults",
                                                         body: Data(text.utf8), contentType: "text/plain"))
            #expect(response.status == 200)
        }
        // watch-error: the watch's first events, then an ERROR event of a failing server (not 410), and its end.
        try fault("watch-error")
        var events: [WatchEvent] = []
        _ = try client.watch(apiVersion: "v1", kind: "Namespace", timeoutSeconds: 5) { event in
            events.append(event)
            return true
        }
        guard case .error(let error, let expired)? = events.last else {
            Issue.record("no ERROR event: \(events)")
            return
        }
        #expect(!expired && "\(error)".contains("etcdserver"), "\(error)")
        // auth=401: every request, as after the credentials were revoked.
        try fault("auth=401")
        #expect(throws: KubeError.unauthorized(message: "Unauthorized")) {
            try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "default")
        }
        // blackhole: a watch already open goes silent (no bookmark, no end at its timeoutSeconds): the client's own
        // deadline ends it.
        try fault("up")
        let watcher = KubeClient(transport: try connect(port))
        var flippedAt: Date?
        var afterSilence = 0
        _ = try watcher.watch(apiVersion: "v1", kind: "Namespace", timeoutSeconds: 1) { _ in
            if let flippedAt {
                if Date().timeIntervalSince(flippedAt) > 0.2 { afterSilence += 1 }
            } else {
                try? fault("blackhole")
                flippedAt = Date()
            }
            return true
        }
        #expect(flippedAt != nil)
        #expect(afterSilence == 0, "events arrived through a blackhole")
        // Not ended by the server at its timeoutSeconds (1 s): by the client's deadline (2 s).
        #expect(Date().timeIntervalSince(flippedAt ?? Date()) >= 1.5, "the watch ended before the client's deadline")
        try fault("up")
    }
}
