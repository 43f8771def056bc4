import FlotillaKube
import FlotillaModel
import FlotillaSim
import FlotillaTestSupport
import Foundation
import Synchronization
import Testing

/// `flotilla sim` must be a Kubernetes API that real clients accept: kubectl drives it here, and Flotilla's own
/// client (libcurl) talks to it over HTTP.
@Suite(.serialized) struct SimKubectlTests {
    final class Sim {
        let server: ServerProcess
        let kubeconfig: String
        let folder: URL

        let port: Int

        init(tls: Bool = false, arguments: [String] = []) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-sim-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            kubeconfig = folder.appendingPathComponent("kubeconfig").path
            port = freePort()
            server = try ServerProcess([flotillaBinary.path, "sim", "--cluster", "member1=\(port)",
                                        "--kubeconfig-out", kubeconfig] + (tls ? ["--tls"] : []) + arguments, port: port)
        }

        func kubectl(_ arguments: [String], stdin: String? = nil, binary: String = "kubectl") throws -> CommandResult {
            var all = [binary, "--kubeconfig", kubeconfig, "--context", "member1"] + arguments
            if let stdin {
                let file = folder.appendingPathComponent("input-\(UUID()).yaml").path
                try stdin.write(toFile: file, atomically: true, encoding: .utf8)
                all += ["-f", file]
            }
            return try runProcess(URL(fileURLWithPath: "/usr/bin/env"), all)
        }

        deinit { try? FileManager.default.removeItem(at: folder) }
    }

    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop, labels: {app: web}}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: nginx, image: "nginx:1.27"}]}
        """

    @Test func kubectlCreatesAppliesGetsPatchesAndDeletes() throws {
        let sim = try Sim()
        #expect(try sim.kubectl(["create", "namespace", "shop"]).output == "namespace/shop created\n")
        let created = try sim.kubectl(["-n", "shop", "create", "configmap", "settings", "--from-literal=level=debug"])
        #expect(created.status == 0, "\(created.errors)")
        // kubectl validates by default: it reads the OpenAPI v3 document before it applies anything.
        let applied = try sim.kubectl(["apply", "--server-side"], stdin: Self.deployment)
        #expect(applied.output == "deployment.apps/web serverside-applied\n", "\(applied.errors)")
        let clientSide = try sim.kubectl(["apply"], stdin: Self.deployment.replacingOccurrences(of: "name: web,", with: "name: api,"))
        #expect(clientSide.output == "deployment.apps/api created\n", "\(clientSide.errors)")
        let json = try sim.kubectl(["-n", "shop", "get", "deployment", "web", "-o", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        let metadata = object?["metadata"] as? [String: Any]
        #expect((object?["spec"] as? [String: Any])?["replicas"] as? Int == 2)
        #expect(metadata?["generation"] as? Int == 1)
        #expect((metadata?["uid"] as? String)?.isEmpty == false)
        let patched = try sim.kubectl(["-n", "shop", "patch", "deployment", "web", "--type", "merge", "-p",
                                       "{\"spec\":{\"replicas\":3}}"])
        #expect(patched.status == 0, "\(patched.errors)")
        let after = try sim.kubectl(["-n", "shop", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas} {.metadata.generation}"])
        #expect(after.output == "3 2")
        let resources = try sim.kubectl(["api-resources"])
        #expect(resources.output.contains("deployments"))
        #expect(resources.output.contains("configmaps"))
        let missing = try sim.kubectl(["-n", "shop", "get", "configmap", "nothing"])
        #expect(missing.status == 1)
        #expect(missing.errors.contains("configmaps \"nothing\" not found"))
        #expect(try sim.kubectl(["-n", "shop", "delete", "deployment", "web", "api"]).status == 0)
        #expect(try sim.kubectl(["-n", "shop", "get", "deployments"]).errors.contains("No resources found"))
        // Deleting the namespace deletes what is in it.
        #expect(try sim.kubectl(["delete", "namespace", "shop"]).status == 0)
        #expect(try sim.kubectl(["-n", "shop", "get", "configmap", "settings"]).status == 1)
    }

    /// What a real API server refuses, the sim refuses, with the same status and wording kubectl shows.
    @Test func invalidNamesAndBadBase64AreRefusedAsARealServerRefusesThem() throws {
        let sim = try Sim()
        let badName = try sim.kubectl(["apply", "--server-side"], stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n")
        #expect(badName.status != 0)
        #expect(badName.errors.contains("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""),
                "\(badName.errors)")
        let badNamespace = try sim.kubectl(["create", "namespace", "a.b"])
        #expect(badNamespace.status != 0 && badNamespace.errors.contains("is invalid"), "\(badNamespace.errors)")
        let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: \"not base64!\"}\n"
        let badSecret = try sim.kubectl(["apply", "--server-side", "--validate=false"], stdin: secret)
        #expect(badSecret.status != 0)
        #expect(badSecret.errors.contains("illegal base64 data at input byte 3"), "\(badSecret.errors)")
        let good = try sim.kubectl(["apply", "--server-side"],
                                   stdin: "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: aGVsbG8=}\n")
        #expect(good.status == 0, "\(good.errors)")
    }

    /// Fields a real server refuses to change once set: a workload's selector, an immutable ConfigMap's data.
    @Test func immutableFieldsAreRefusedAsARealServerRefusesThem() throws {
        let sim = try Sim()
        #expect(try sim.kubectl(["create", "namespace", "shop"]).status == 0)
        #expect(try sim.kubectl(["apply", "--server-side"], stdin: Self.deployment).status == 0)
        let moved = Self.deployment.replacingOccurrences(of: "selector: {matchLabels: {app: web}}",
                                                         with: "selector: {matchLabels: {app: web, tier: front}}")
            .replacingOccurrences(of: "metadata: {labels: {app: web}}", with: "metadata: {labels: {app: web, tier: front}}")
        let refused = try sim.kubectl(["apply", "--server-side"], stdin: moved)
        #expect(refused.status != 0)
        #expect(refused.errors.contains("Deployment \"web\" is invalid: spec.selector: Invalid value"), "\(refused.errors)")
        #expect(refused.errors.contains("field is immutable"), "\(refused.errors)")
        let frozen = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen, namespace: shop}\nimmutable: true\ndata: {a: \"1\"}\n"
        #expect(try sim.kubectl(["apply", "--server-side"], stdin: frozen).status == 0)
        let changed = try sim.kubectl(["apply", "--server-side"], stdin: frozen.replacingOccurrences(of: "\"1\"", with: "\"2\""))
        #expect(changed.status != 0 && changed.errors.contains("field is immutable when `immutable` is set"),
                "\(changed.errors)")
        // The same object applied again is no change, and is accepted.
        #expect(try sim.kubectl(["apply", "--server-side"], stdin: frozen).status == 0)
    }

    /// A deleted Namespace is Terminating for a moment: its content goes at once, new content is refused (403), then
    /// the Namespace itself goes.
    @Test func aDeletedNamespaceTerminatesBeforeItGoes() throws {
        // Terminating for 3 s here: long enough for the kubectl processes below, however loaded the machine.
        let sim = try Sim(arguments: ["--namespace-termination", "3"])
        #expect(try sim.kubectl(["create", "namespace", "shop"]).status == 0)
        #expect(try sim.kubectl(["-n", "shop", "create", "configmap", "a", "--from-literal=k=v"]).status == 0)
        #expect(try sim.kubectl(["delete", "namespace", "shop", "--wait=false"]).status == 0)
        let phase = try sim.kubectl(["get", "namespace", "shop", "-o", "jsonpath={.status.phase}"])
        #expect(phase.output == "Terminating", "\(phase.output) \(phase.errors)")
        let refused = try sim.kubectl(["-n", "shop", "create", "configmap", "b", "--from-literal=k=v"])
        #expect(refused.status != 0 && refused.errors.contains("because it is being terminated"), "\(refused.errors)")
        #expect(try sim.kubectl(["-n", "shop", "get", "configmaps", "-o", "name"]).output.isEmpty)
        var gone = try sim.kubectl(["get", "namespace", "shop"])
        for _ in 0..<40 where gone.status == 0 {
            Thread.sleep(forTimeInterval: 0.25)
            gone = try sim.kubectl(["get", "namespace", "shop"])
        }
        #expect(gone.status != 0 && gone.errors.contains("not found"), "\(gone.errors)")
    }

    /// Deleting a CRD deletes its custom resources and the kind is no longer served.
    @Test func deletingACRDDeletesItsCustomResources() throws {
        let sim = try Sim()
        let crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: widgets, singular: widget, kind: Widget}
              versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]
            """
        #expect(try sim.kubectl(["apply", "--server-side"], stdin: crd).status == 0)
        let widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: default}\nspec: {size: 1}\n"
        var applied = try sim.kubectl(["apply", "--server-side", "--validate=false"], stdin: widget)
        for _ in 0..<20 where applied.status != 0 {
            Thread.sleep(forTimeInterval: 0.2)
            applied = try sim.kubectl(["apply", "--server-side", "--validate=false"], stdin: widget)
        }
        #expect(applied.status == 0, "\(applied.errors)")
        #expect(try sim.kubectl(["get", "widgets", "-o", "name"]).output == "widget.example.com/w1\n")
        #expect(try sim.kubectl(["delete", "crd", "widgets.example.com"]).status == 0)
        let after = try sim.kubectl(["get", "widgets.example.com", "-o", "name"])
        #expect(after.status != 0 && after.errors.contains("the server doesn't have a resource type"), "\(after.errors)")
    }

    @Test func fieldSelectorsFilterListsAndUnknownFieldsAreRefused() throws {
        let sim = try Sim()
        for name in ["alpha", "beta"] {
            #expect(try sim.kubectl(["create", "configmap", name, "--from-literal=k=v"]).status == 0)
        }
        #expect(try sim.kubectl(["create", "secret", "generic", "token", "--from-literal=k=v"]).status == 0)
        let byName = try sim.kubectl(["get", "configmaps", "--field-selector", "metadata.name=beta", "-o", "name"])
        #expect(byName.output == "configmap/beta\n", "\(byName.errors)")
        let notAlpha = try sim.kubectl(["get", "configmaps", "--field-selector", "metadata.name!=alpha", "-o", "name"])
        #expect(notAlpha.output == "configmap/beta\n")
        let byType = try sim.kubectl(["get", "secrets", "--field-selector", "type=Opaque", "-o", "name"])
        #expect(byType.output == "secret/token\n")
        let unknown = try sim.kubectl(["get", "configmaps", "--field-selector", "data.k=v"])
        #expect(unknown.status != 0 && unknown.errors.contains("field label not supported: data.k"), "\(unknown.errors)")
    }

    @Test func flotillasClientListsAThousandObjectsPageByPageAndGetsTypedErrors() throws {
        let sim = try Sim()
        let config = try Kubeconfig.load(path: sim.kubeconfig)
        let client = KubeClient(transport: try CurlTransport(connection: try config.connection(context: "member1")))
        #expect(try client.version() == "v1.31.0")
        let namespace: JSONValue = .object(["apiVersion": .string("v1"), "kind": .string("Namespace"),
                                            "metadata": .object(["name": .string("bulk")])])
        _ = try client.create(namespace)
        for index in 0..<1000 {
            let configMap: JSONValue = .object([
                "apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                "metadata": .object(["name": .string(String(format: "cm-%04d", index)), "namespace": .string("bulk"),
                                     "labels": .object(["parity": .string(index % 2 == 0 ? "even" : "odd")])]),
                "data": .object(["index": .string(String(index))])])
            _ = try client.apply(configMap, fieldManager: "flotilla", force: true)
        }
        let all = try client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "bulk", pageSize: 100)
        #expect(all.items.count == 1000)
        #expect(Set(all.items.compactMap { $0.value(at: ["metadata", "name"])?.stringValue }).count == 1000)
        let even = try client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "bulk", labelSelector: "parity=even",
                                   pageSize: 300)
        #expect(even.items.count == 500)
        #expect(throws: KubeError.notFound(message: "configmaps \"none\" not found")) {
            try client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "bulk", name: "none")
        }
        // A stale resourceVersion is a conflict.
        var stale = try client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "bulk", name: "cm-0001")
        _ = try client.update(stale)
        stale["data"] = .object(["index": .string("changed")])
        do {
            _ = try client.update(stale)
            Issue.record("a stale update was accepted")
        } catch {
            guard case .conflict = error else {
                Issue.record("expected a conflict, got \(error)")
                return
            }
        }
        #expect(throws: KubeError.alreadyExists(message: "namespaces \"bulk\" already exists")) {
            try client.create(namespace)
        }
    }
}

/// The simulated controllers: workloads become ready after the delay, as far as the nodes' capacity goes.
/// `flotilla sim --tls`: HTTPS with a CA made at start-up and client certificates required, so the TLS path of
/// every client is exercised for real.
@Suite(.serialized) struct SimTLSTests {
    @Test func kubectlAndFlotillaSpeakHTTPSWithClientCertificatesAndNobodyElseGetsIn() throws {
        let sim = try SimKubectlTests.Sim(tls: true)
        let config = try Kubeconfig.load(path: sim.kubeconfig)
        let connection = try config.connection(context: "member1")
        #expect(connection.server.scheme == "https")
        #expect(connection.certificateAuthorityPEM != nil && connection.clientCertificatePEM != nil)
        // kubectl: verifies the server against the CA and presents the client certificate.
        let created = try sim.kubectl(["create", "namespace", "secure"])
        #expect(created.status == 0, "\(created.errors)")
        #expect(try sim.kubectl(["get", "namespace", "secure", "-o", "jsonpath={.metadata.name}"]).output == "secure")
        // Flotilla's client over libcurl, the same.
        let client = KubeClient(transport: try CurlTransport(connection: connection))
        #expect(try client.version().hasPrefix("v1."))
        #expect(try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "secure")["kind"] == .string("Namespace"))
        // Without the CA the server is not trusted (verification is on by default) ...
        var untrusted = connection
        untrusted.certificateAuthorityPEM = nil
        #expect(throws: KubeError.self) { try KubeClient(transport: try CurlTransport(connection: untrusted)).version() }
        // ... and without a client certificate the server refuses the handshake.
        var anonymous = connection
        anonymous.clientCertificatePEM = nil
        anonymous.clientKeyPEM = nil
        #expect(throws: KubeError.self) { try KubeClient(transport: try CurlTransport(connection: anonymous)).version() }
        let curl = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                  ["curl", "-sk", "--max-time", "5", "https://127.0.0.1:\(sim.port)/version"])
        #expect(curl.status != 0, "a client without a certificate got in: \(curl.output)")
        // tls-server-name: the certificate is checked against that name, the connection still goes to the server.
        var named = connection
        named.tlsServerName = "localhost"
        #expect(try KubeClient(transport: try CurlTransport(connection: named)).version().hasPrefix("v1."))
        named.tlsServerName = "wrong.example"
        do {
            _ = try KubeClient(transport: try CurlTransport(connection: named)).version()
            Issue.record("a certificate for 127.0.0.1 and localhost was accepted for wrong.example")
        } catch {
            // Refused for the name, not for want of resolving it: the connection went to 127.0.0.1.
            #expect("\(error)".contains("wrong.example") && !"\(error)".lowercased().contains("resolve"), "\(error)")
        }
        // The kubeconfig holds a private key: it is readable by its owner only.
        let mode = try FileManager.default.attributesOfItem(atPath: sim.kubeconfig)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}

@Suite(.serialized) struct SimControllerTests {
    @Test func kubectlTopReadsPodAndNodeMetricsFromTheConfiguredLoad() throws {
        let sim = try SimKubectlTests.Sim()
        #expect(try sim.kubectl(["create", "deployment", "web", "--image=nginx", "--replicas=3"]).status == 0)
        #expect(try sim.kubectl(["annotate", "deployment/web", "sim.flotilla.dev/cpu-per-pod=250m",
                                 "sim.flotilla.dev/memory-per-pod=100Mi"]).status == 0)
        var rows: [Substring] = []
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let top = try sim.kubectl(["top", "pod", "-l", "app=web", "--no-headers"])
            rows = top.output.split(separator: "\n")
            if rows.count == 3 { break }
            usleep(200_000)
        }
        #expect(rows.count == 3)
        for row in rows {
            let cells = row.split(separator: " ")
            #expect(cells.count == 3 && cells[0].hasPrefix("web-") && cells[1] == "250m" && cells[2] == "100Mi", "\(row)")
        }
        let nodes = try sim.kubectl(["top", "node", "--no-headers"])
        #expect(nodes.status == 0 && nodes.output.split(separator: "\n").count == 3, "\(nodes.output)\(nodes.errors)")
        let write = try sim.kubectl(["--request-timeout", "5s", "delete", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/x"])
        #expect(write.status != 0)
    }

    /// New pods start and become Ready when they do (what an HPA's CPU initialisation rules read), and every
    /// PodMetrics carries the metrics-server resolution as its window.
    @Test func scaledUpPodsCarryTheirOwnStartAndReadyTimes() throws {
        let sim = try SimKubectlTests.Sim(arguments: ["--ready-delay", "0.2", "--metric-resolution", "2"])
        #expect(try sim.kubectl(["create", "deployment", "web", "--image=nginx", "--replicas=1"]).status == 0)
        func times() throws -> [String] {
            let result = try sim.kubectl(["get", "pods", "-l", "app=web", "-o",
                                          "jsonpath={range .items[*]}{.status.startTime}/{.status.conditions[?(@.type==\"Ready\")].lastTransitionTime}{\"\\n\"}{end}"])
            return result.output.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("/") }
        }
        #expect(waitUntil(timeout: 10, every: 0.1) { try times().count == 1 })
        let first = try times()
        sleep(2)
        #expect(try sim.kubectl(["scale", "deployment/web", "--replicas=2"]).status == 0)
        #expect(waitUntil(timeout: 10, every: 0.1) { try times().count == 2 })
        let both = try times()
        #expect(both.contains(first[0]), "the first pod keeps its times: \(both)")
        let second = try #require(both.first { $0 != first[0] })
        #expect(second > first[0], "the new pod started and became Ready later: \(both)")
        let window = try sim.kubectl(["get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"])
        #expect(window.output.contains("\"window\":\"2s\""), "\(window.output)")
    }

    @Test func theLoadIsSetAtRunTimeWithFlotillaSimLoad() throws {
        let admin = freePort()
        let sim = try SimKubectlTests.Sim(arguments: ["--admin-port", "\(admin)"])
        #expect(try sim.kubectl(["create", "deployment", "web", "--image=nginx", "--replicas=2"]).status == 0)
        let set = try runFlotilla(["sim", "load", "member1", "default/web", "--cpu-per-pod", "800m",
                                   "--admin", "http://127.0.0.1:\(admin)"])
        #expect(set.status == 0 && set.output == "default/web cpu=800m\n", "\(set.output)\(set.errors)")
        var rows: [Substring] = []
        for _ in 0..<50 {
            rows = try sim.kubectl(["top", "pod", "-l", "app=web", "--no-headers"]).output.split(separator: "\n")
            if rows.count == 2 { break }
            usleep(200_000)
        }
        #expect(rows.count == 2 && rows.allSatisfy { $0.split(separator: " ")[1] == "800m" }, "\(rows)")
        let bad = try runFlotilla(["sim", "load", "member1", "default/web", "--cpu-per-pod", "lots",
                                   "--admin", "http://127.0.0.1:\(admin)"])
        #expect(bad.status != 0)
        // A Pods metric, served as a metrics adapter serves custom.metrics.k8s.io.
        let custom = try runFlotilla(["sim", "load", "member1", "default/web", "--metric", "http_requests=30",
                                      "--admin", "http://127.0.0.1:\(admin)"])
        #expect(custom.status == 0 && custom.output == "default/web metric/http_requests=30\n",
                "\(custom.output)\(custom.errors)")
        let raw = try sim.kubectl(["get", "--raw",
                                   "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests"
                                   + "?labelSelector=app%3Dweb"])
        let list = try JSONSerialization.jsonObject(with: Data(raw.output.utf8)) as? [String: Any]
        let items = list?["items"] as? [[String: Any]] ?? []
        #expect(list?["kind"] as? String == "MetricValueList" && items.count == 2, "\(raw.output)\(raw.errors)")
        #expect(items.allSatisfy { $0["value"] as? String == "30" })
        #expect(items.allSatisfy { ($0["describedObject"] as? [String: Any])?["kind"] as? String == "Pod" })
        let cleared = try runFlotilla(["sim", "load", "member1", "default/web", "--clear", "--admin", "http://127.0.0.1:\(admin)"])
        #expect(cleared.status == 0 && cleared.output.isEmpty)
    }

    @Test func deploymentsGetStatusWithinTheNodesCapacity() throws {
        let sim = try SimKubectlTests.Sim()
        let nodes = try sim.kubectl(["get", "nodes", "-o", "jsonpath={.items[*].status.allocatable.cpu}"])
        #expect(nodes.output == "8 8 8")
        // 15 replicas of 2 CPUs on 3 nodes of 8 CPUs: 12 fit.
        let big = SimKubectlTests.deployment.replacingOccurrences(of: "replicas: 2", with: "replicas: 15")
            .replacingOccurrences(of: "image: \"nginx:1.27\"", with: "image: \"nginx:1.27\", resources: {requests: {cpu: \"2\"}}")
        #expect(try sim.kubectl(["create", "namespace", "shop"]).status == 0)
        #expect(try sim.kubectl(["apply", "--server-side"], stdin: big).status == 0)
        var status = ""
        for _ in 0..<40 {
            status = try sim.kubectl(["-n", "shop", "get", "deployment", "web", "-o",
                                      "jsonpath={.status.observedGeneration} {.status.readyReplicas} {.status.availableReplicas} {.status.conditions[0].status}"]).output
            if status.hasPrefix("1 ") { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(status == "1 12 12 False")
        // The pods, as the ReplicaSet controller and the scheduler would leave them: 12 Running, 3 Pending.
        let pods = try sim.kubectl(["-n", "shop", "get", "pods", "--no-headers"])
        let rows = pods.output.split(separator: "\n")
        #expect(rows.count == 15, "\(pods.output)\(pods.errors)")
        #expect(rows.filter { $0.contains(" Running ") && $0.contains(" 1/1 ") }.count == 12)
        #expect(rows.filter { $0.contains(" Pending ") }.count == 3)
        let first = try #require(rows.first?.split(separator: " ").first.map(String.init))
        let one = try sim.kubectl(["-n", "shop", "get", "pod", first, "-o",
                                   "jsonpath={.metadata.ownerReferences[0].kind} {.status.phase} {.spec.nodeName}"])
        #expect(one.output.hasPrefix("ReplicaSet Running member1-node-"), "\(one.output)\(one.errors)")
        // Scaling down to what fits makes it Available, with the new generation observed.
        // kubectl scale goes through the scale subresource.
        let scaled = try sim.kubectl(["-n", "shop", "scale", "deployment", "web", "--replicas=10"])
        #expect(scaled.output == "deployment.apps/web scaled\n", "\(scaled.errors)")
        for _ in 0..<40 {
            status = try sim.kubectl(["-n", "shop", "get", "deployment", "web", "-o",
                                      "jsonpath={.status.observedGeneration} {.status.readyReplicas} {.status.conditions[0].status}"]).output
            if status.hasPrefix("2 ") { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(status == "2 10 True")
    }
}

/// Watching the simulated cluster with Flotilla's client, and kubectl's `get -w`.
@Suite struct SimLifecycleTests {
    @Test func sigtermStopsTheSimulatorCleanly() throws {
        let port = freePort()
        let sim = try ServerProcess([flotillaBinary.path, "sim", "--cluster", "member1=\(port)"], port: port)
        kill(sim.process.processIdentifier, SIGTERM)
        #expect(exitStatus(of: sim.process) == 0)
        #expect(!isListening(port))
    }
}

@Suite(.serialized) struct SimWatchTests {
    @Test func anInformerListsWatchesResumesAndRelistsAfter410() throws {
        let sim = try SimKubectlTests.Sim()
        let connection = try Kubeconfig.load(path: sim.kubeconfig).connection(context: "member1")
        let client = KubeClient(transport: try CurlTransport(connection: connection))
        func configMap(_ name: String) -> JSONValue {
            .object(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                     "metadata": .object(["name": .string(name), "namespace": .string("default")])])
        }
        _ = try client.create(configMap("before"))
        let seen = Mutex<(lists: [[String]], upserts: [String], deletes: [String])>(([], [], []))
        // Watches end every second, so the informer resumes from its last resourceVersion again and again.
        let informer = Informer(client: KubeClient(transport: try CurlTransport(connection: connection)),
                                apiVersion: "v1", kind: "ConfigMap", watchSeconds: 1) { event in
            func name(_ object: JSONValue) -> String { object.value(at: ["metadata", "name"])?.stringValue ?? "" }
            seen.withLock { seen in
                switch event {
                case .synced(let items):
                    // Items carry their kind again (a list's items do not).
                    seen.lists.append(items.filter { $0["kind"]?.stringValue == "ConfigMap" }.map(name).sorted())
                case .upserted(let object): seen.upserts.append(name(object))
                case .deleted(let object): seen.deletes.append(name(object))
                case .failed: break
                }
            }
        }
        informer.start()
        defer { informer.stop() }
        func waitFor(_ condition: () -> Bool) -> Bool { waitUntil(timeout: 10, every: 0.02, condition) }
        #expect(waitFor { informer.hasSynced })
        #expect(seen.withLock { $0.lists.first?.contains("before") } == true)
        _ = try client.create(configMap("during"))
        #expect(waitFor { seen.withLock { $0.upserts.contains("during") } })
        Thread.sleep(forTimeInterval: 1.5)  // at least one resume in between
        try client.delete(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "during")
        #expect(waitFor { seen.withLock { $0.deletes == ["during"] } })
        #expect(seen.withLock { $0.lists.count } == 1, "resuming a watch needs no relist")
        // Compaction past everything the informer has seen: its next resume gets 410 Gone, and it relists.
        for index in 0..<3 { _ = try client.create(configMap("after\(index)")) }
        #expect(waitFor { seen.withLock { $0.upserts.contains("after2") } })
        _ = try CurlTransport(connection: connection).perform(KubeRequest(method: "POST", path: "/flotilla/compact?write=true"))
        #expect(waitFor { seen.withLock { $0.lists.count == 2 } })
        #expect(seen.withLock { $0.lists.last } == ["after0", "after1", "after2", "before"])
        _ = try client.create(configMap("late"))
        #expect(waitFor { seen.withLock { $0.upserts.contains("late") } })
    }

    @Test func changesArriveAsEventsAndCompactionGives410() throws {
        let sim = try SimKubectlTests.Sim()
        let config = try Kubeconfig.load(path: sim.kubeconfig)
        let connection = try config.connection(context: "member1")
        let client = KubeClient(transport: try CurlTransport(connection: connection))
        let start = try client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "default")
        let events = Mutex<[String]>([])
        let finished = DispatchSemaphore(value: 0)
        let watcher = KubeClient(transport: try CurlTransport(connection: connection))
        DispatchQueue.global().async {
            _ = try? watcher.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "default",
                                   resourceVersion: start.resourceVersion, timeoutSeconds: 10) { event in
                let name: String
                switch event {
                case .added(let object): name = "ADDED \(object.value(at: ["metadata", "name"])?.stringValue ?? "")"
                case .modified(let object): name = "MODIFIED \(object["data"]?["v"]?.stringValue ?? "")"
                case .deleted: name = "DELETED"
                case .bookmark: return true
                case .error: name = "ERROR"
                }
                events.withLock { $0.append(name) }
                return name != "DELETED"
            }
            finished.signal()
        }
        Thread.sleep(forTimeInterval: 0.5)
        var configMap: JSONValue = .object(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                                            "metadata": .object(["name": .string("watched"), "namespace": .string("default")]),
                                            "data": .object(["v": .string("1")])])
        _ = try client.create(configMap)
        configMap["data"] = .object(["v": .string("2")])
        _ = try client.apply(configMap, fieldManager: "test", force: true)
        try client.delete(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "watched")
        #expect(finished.wait(timeout: .now() + 15) == .success)
        #expect(events.withLock { $0 } == ["ADDED watched", "MODIFIED 2", "DELETED"])

        // After compaction, watching from the old resourceVersion is a 410: the caller must relist.
        _ = try CurlTransport(connection: connection).perform(KubeRequest(method: "POST", path: "/flotilla/compact"))
        var expired = false
        _ = try client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "default",
                             resourceVersion: start.resourceVersion, timeoutSeconds: 5) { event in
            if case .error(_, let isExpired) = event { expired = isExpired }
            return false
        }
        #expect(expired)
    }

    @Test func kubectlGetWatchReceivesAnEvent() throws {
        let sim = try SimKubectlTests.Sim()
        let output = try ChildProcess.pipe()
        let watch = try ChildProcess("/usr/bin/env", ["kubectl", "--kubeconfig", sim.kubeconfig, "--context", "member1",
                                                      "-n", "default", "get", "configmaps", "-w", "--request-timeout=8s"],
                                     standardOutput: output.write)
        close(output.write)
        let printed = ChildProcess.drain(output.read)
        Thread.sleep(forTimeInterval: 1.5)
        _ = try sim.kubectl(["-n", "default", "create", "configmap", "seen-by-kubectl", "--from-literal=a=b"])
        Thread.sleep(forTimeInterval: 1.5)
        watch.signal(SIGTERM)
        _ = exitStatus(of: watch)
        let text = String(decoding: printed.collected() ?? Data(), as: UTF8.self)
        #expect(text.contains("seen-by-kubectl"))
    }
}

/// The sim counts the requests it serves by verb, as the API server's metrics do (benchmarks read them).
@Suite struct SimRequestCountTests {
    @Test func requestsAreCountedByVerbAndTheCountsReset() throws {
        let sim = try SimKubectlTests.Sim()
        let connection = ClusterConnection(context: "member1", server: URL(string: "http://127.0.0.1:\(sim.port)")!)
        let transport = try CurlTransport(connection: connection)
        func counts(reset: Bool = false) throws -> JSONValue {
            try JSONValue.parse(transport.perform(KubeRequest(path: "/flotilla/requests" + (reset ? "?reset=true" : ""))).body)
        }
        _ = try counts(reset: true)
        let created = try sim.kubectl(["-n", "default", "create", "configmap", "counted", "--from-literal=a=b"])
        #expect(created.status == 0, "\(created.errors)")
        _ = try sim.kubectl(["-n", "default", "get", "configmap", "counted"])
        _ = try sim.kubectl(["-n", "default", "get", "configmaps"])
        _ = try sim.kubectl(["-n", "default", "label", "configmap", "counted", "x=y"])
        _ = try sim.kubectl(["-n", "default", "delete", "configmap", "counted"])
        _ = try transport.perform(KubeRequest(path: "/readyz"))
        let seen = try counts()
        #expect(seen["health"] == .int(1), "\(seen)")
        #expect(seen["create"] == .int(1) && seen["list"] == .int(1) && seen["patch"] == .int(1), "\(seen)")
        // kubectl reads the object before labelling and deleting it: one get of its own, two more.
        #expect((seen["get"]?.intValue ?? 0) >= 1 && seen["delete"] == .int(1), "\(seen)")
        // (Discovery is not counted on: kubectl may answer it from its cache on disk.)
        #expect(seen["update"] == nil && seen["watch"] == nil, "\(seen)")
        #expect(try counts(reset: true) == seen)
        #expect(try counts() == .object([:]))
    }

    @Test func twoClustersOnOnePortAreRefused() throws {
        let port = freePort()
        let result = try runProcess(flotillaBinary, ["sim", "--cluster", "a=\(port)", "--cluster", "b=\(port)"])
        #expect(result.status != 0)
        #expect(result.errors.contains("--cluster b=\(port): port \(port) is already taken by a"), "\(result.errors)")
        #expect(!isListening(port))
    }

    /// An admin port someone else holds ends the simulator at once with the error (it used to run without its admin
    /// endpoint and report the error only when stopped).
    @Test func anAdminPortInUseEndsTheSimulatorAtOnce() throws {
        let (fd, taken) = bindLoopbackSocket()
        defer { close(fd) }
        #expect(listen(fd, 1) == 0)
        let started = Date()
        let result = try runProcess(flotillaBinary, ["sim", "--cluster", "a=\(freePort())", "--admin-port", "\(taken)"])
        #expect(result.status != 0)
        #expect(result.errors.contains("Address already in use"), "\(result.errors)")
        #expect(Date().timeIntervalSince(started) < 20)
    }
}

/// Fault injection through the admin endpoint: errors, latency, hang, down and back up.
@Suite(.serialized) struct SimFaultTests {
    @Test func faultsAreSwitchedAtRunTime() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-faults-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ports = freePorts(2)
        let (port, adminPort) = (ports[0], ports[1])
        let server = try ServerProcess([flotillaBinary.path, "sim", "--cluster", "member1=\(port)",
                                        "--admin-port", "\(adminPort)", "--fault", "member1=errors=2"], port: port)
        defer { withExtendedLifetime(server) {} }
        let api = try CurlTransport(connection: ClusterConnection(context: "member1",
                                                                  server: URL(string: "http://127.0.0.1:\(port)")!))
        let admin = try CurlTransport(connection: ClusterConnection(context: "admin",
                                                                    server: URL(string: "http://127.0.0.1:\(adminPort)")!))
        func fault(_ text: String) throws {
            let response = try admin.perform(KubeRequest(method: "POST", path: "/clusters/member1/faults", body: Data(text.utf8),
                                                         contentType: "text/plain"))
            #expect(response.status == 200)
        }
        // Every second request fails with a 500: a plain client sees them, a resilient one retries through.
        let statuses = try (0..<4).map { _ in try api.perform(KubeRequest(path: "/version")).status }
        #expect(statuses.filter { $0 == 500 }.count == 2)
        let resilient = ResilientTransport(api, now: { 0 }, sleep: { _ in }, random: { 0 })
        for _ in 0..<4 { #expect(try resilient.perform(KubeRequest(path: "/version")).status == 200) }

        try fault("slow=300")
        let started = Date()
        #expect(try api.perform(KubeRequest(path: "/version")).status == 200)
        #expect(Date().timeIntervalSince(started) >= 0.3)

        try fault("hang")
        #expect(throws: KubeError.self) { try api.perform(KubeRequest(path: "/version", timeout: 1)) }

        try fault("down")
        Thread.sleep(forTimeInterval: 0.5)
        do {
            _ = try api.perform(KubeRequest(path: "/version", timeout: 2))
            Issue.record("a down cluster answered")
        } catch {
            guard case .transport = error else {
                Issue.record("expected a transport error, got \(error)")
                return
            }
        }
        try fault("up")
        var back = false
        for _ in 0..<40 where !back {
            back = (try? api.perform(KubeRequest(path: "/version", timeout: 1)).status) == 200
            if !back { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(back)
    }
}

/// The official Python client against the simulated cluster: it must read version, create, list with a label
/// selector, watch and get a typed 404 exactly as against a real API server.
@Suite(.serialized) struct SimPythonClientTests {
    @Test func thePythonKubernetesClientWorks() throws {
        let sim = try SimKubectlTests.Sim()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Scripts/python_client.py").path
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                    ["python3", script, sim.kubeconfig, "member1"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output == """
            version v1.31.0
            listed ['from-python']
            events [('ADDED', 'watched-by-python')]
            status 404 Not Found
            orphaned None
            strict 400 True

            """)
    }
}

/// `--state FILE`: a restarted simulator keeps its objects.
@Suite(.serialized) struct SimStateTests {
    @Test func objectsSurviveARestart() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-state-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let stateFile = folder.appendingPathComponent("state.json").path
        let port = freePort()
        let connection = ClusterConnection(context: "member1", server: URL(string: "http://127.0.0.1:\(port)")!)
        var uid = ""
        do {
            let server = try ServerProcess([flotillaBinary.path, "sim", "--cluster", "member1=\(port)", "--state", stateFile],
                                           port: port)
            let client = KubeClient(transport: try CurlTransport(connection: connection))
            let created = try client.create(.object(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                                                     "metadata": .object(["name": .string("kept"), "namespace": .string("default")]),
                                                     "data": .object(["a": .string("b")])]))
            uid = created.value(at: ["metadata", "uid"])?.stringValue ?? ""
            Thread.sleep(forTimeInterval: 1.2)
            withExtendedLifetime(server) {}
        }
        #expect(FileManager.default.fileExists(atPath: stateFile))
        let restarted = try ServerProcess([flotillaBinary.path, "sim", "--cluster", "member1=\(port)", "--state", stateFile],
                                          port: port)
        defer { withExtendedLifetime(restarted) {} }
        let client = KubeClient(transport: try CurlTransport(connection: connection))
        let kept = try client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "kept")
        #expect(kept.value(at: ["metadata", "uid"])?.stringValue == uid)
        #expect(kept["data"]?["a"] == .string("b"))
    }
}

/// Server-side apply with field managers: conflicts, forcing, shared ownership and removal (KUBE-API.md §6).
@Suite(.serialized) struct SimServerSideApplyTests {
    @Test func listItemsWithMergeKeysAreOwnedOneByOne() throws {
        let sim = try SimKubectlTests.Sim()
        func deployment(_ containers: String) -> String {
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: shared, namespace: default}
            spec:
              selector: {matchLabels: {app: shared}}
              template:
                metadata: {labels: {app: shared}}
                spec:
                  containers: \(containers)
            """
        }
        let first = try sim.kubectl(["apply", "--server-side", "--field-manager", "team-a"],
                                    stdin: deployment(#"[{name: app, image: "app:1"}, {name: logger, image: "log:1"}]"#))
        #expect(first.status == 0, "\(first.errors)")
        // Another manager adds its own container: the list is merged by name, nothing of team-a's is touched.
        func applyAsTeamB(_ containers: String) throws -> CommandResult {
            try sim.kubectl(["apply", "--server-side", "--field-manager", "team-b"], stdin: """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: shared, namespace: default}
                spec:
                  template:
                    spec:
                      containers: \(containers)
                """)
        }
        let second = try applyAsTeamB(#"[{name: proxy, image: "envoy:1"}]"#)
        #expect(second.status == 0, "\(second.errors)")
        func containers() throws -> String {
            try sim.kubectl(["get", "deployment/shared", "-o",
                             "jsonpath={range .spec.template.spec.containers[*]}{.name}={.image} {end}"]).output
        }
        #expect(try containers() == "app=app:1 logger=log:1 proxy=envoy:1 ")
        let fields = try sim.kubectl(["get", "deployment/shared", "--show-managed-fields", "-o",
                                      "jsonpath={.metadata.managedFields[?(@.manager==\"team-b\")].fieldsV1}"]).output
        #expect(fields.contains(#""k:{\"name\":\"proxy\"}""#), "\(fields)")
        #expect(!fields.contains(#"k:{\"name\":\"app\"}"#))
        // Changing team-a's image is a conflict naming the item, as the real server prints it.
        let conflict = try applyAsTeamB(#"[{name: proxy, image: "envoy:1"}, {name: app, image: "app:2"}]"#)
        #expect(conflict.status != 0)
        #expect(conflict.errors.contains(#".spec.template.spec.containers[name="app"].image"#), "\(conflict.errors)")
        // team-a stops applying its logger: that item goes; team-b's proxy stays.
        let dropped = try sim.kubectl(["apply", "--server-side", "--field-manager", "team-a"],
                                      stdin: deployment(#"[{name: app, image: "app:1"}]"#))
        #expect(dropped.status == 0, "\(dropped.errors)")
        #expect(try containers() == "app=app:1 proxy=envoy:1 ")
    }

    static let richDeployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: rich, namespace: default}
        spec:
          replicas: 1
          selector: {matchLabels: {app: rich}}
          template:
            metadata: {labels: {app: rich}}
            spec:
              containers:
                - name: web
                  image: "nginx:1.0"
                  ports: [{containerPort: 80}]
                  env: [{name: A, value: "1"}, {name: B, value: "2"}]
                - name: sidecar
                  image: "envoy:1.0"
        """

    @Test func strategicMergeAndJSONPatchesKeepListItemsByTheirKeys() throws {
        let sim = try SimKubectlTests.Sim()
        #expect(try sim.kubectl(["apply"], stdin: Self.richDeployment).status == 0)
        // kubectl set image sends a strategic merge patch with $setElementOrder: only the image changes.
        let set = try sim.kubectl(["set", "image", "deployment/rich", "web=nginx:2.0"])
        #expect(set.status == 0, "\(set.errors)")
        let containers = try sim.kubectl(["get", "deployment/rich", "-o", "jsonpath={.spec.template.spec.containers[*].name} "
                                                      + "{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort} "
                                                      + "{.spec.template.spec.containers[1].image}"])
        #expect(containers.output == "web sidecar nginx:2.0 80 envoy:1.0")
        // A strategic patch of env merges by name; $patch: delete removes one item.
        let env = try sim.kubectl(["patch", "deployment/rich", "--type", "strategic", "-p",
                                   #"{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"3"},{"name":"A","$patch":"delete"},{"name":"C","value":"4"}]}]}}}}"#])
        #expect(env.status == 0, "\(env.errors)")
        let names = try sim.kubectl(["get", "deployment/rich", "-o", "jsonpath={.spec.template.spec.containers[0].env[*].name}={.spec.template.spec.containers[0].env[*].value}"])
        #expect(names.output == "B C=3 4")
        // A JSON patch (RFC 6902), with a failing test operation refused as a whole.
        let json = try sim.kubectl(["patch", "deployment/rich", "--type", "json", "-p",
                                    #"[{"op":"replace","path":"/spec/replicas","value":3},{"op":"add","path":"/metadata/labels","value":{"tier":"web"}}]"#])
        #expect(json.status == 0, "\(json.errors)")
        let failed = try sim.kubectl(["patch", "deployment/rich", "--type", "json", "-p",
                                      #"[{"op":"test","path":"/spec/replicas","value":9},{"op":"replace","path":"/spec/replicas","value":5}]"#])
        #expect(failed.status != 0)
        let result = try sim.kubectl(["get", "deployment/rich", "-o", "jsonpath={.spec.replicas} {.metadata.labels.tier}"])
        #expect(result.output == "3 web")
    }

    @Test func kubectlSeesConflictsAndForcesThem() throws {
        let sim = try SimKubectlTests.Sim()
        #expect(try sim.kubectl(["create", "namespace", "shop"]).status == 0)
        #expect(try sim.kubectl(["apply", "--server-side"], stdin: SimKubectlTests.deployment).status == 0)
        #expect(try sim.kubectl(["-n", "shop", "scale", "deployment", "web", "--replicas=5"]).status == 0)
        // The scale owns .spec.replicas now: applying 2 again conflicts.
        let conflict = try sim.kubectl(["apply", "--server-side"], stdin: SimKubectlTests.deployment)
        #expect(conflict.status == 1)
        #expect(conflict.errors.contains("Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas"),
                "\(conflict.errors)")
        // Applying the value the live object has is shared ownership, not a conflict.
        let same = try sim.kubectl(["apply", "--server-side"], stdin: SimKubectlTests.deployment
            .replacingOccurrences(of: "replicas: 2", with: "replicas: 5"))
        #expect(same.status == 0, "\(same.errors)")
        let forced = try sim.kubectl(["apply", "--server-side", "--force-conflicts"], stdin: SimKubectlTests.deployment)
        #expect(forced.status == 0, "\(forced.errors)")
        #expect(try sim.kubectl(["-n", "shop", "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"]).output == "2")
        let managers = try sim.kubectl(["-n", "shop", "get", "deployment", "web", "--show-managed-fields", "-o",
                                        "jsonpath={.metadata.managedFields[*].manager}"]).output
        #expect(managers == "kubectl")
    }

    @Test func flotillaOwnsWhatItAppliesAndDropsWhatItStopsApplying() throws {
        let cluster = SimCluster(name: "member1")
        let client = KubeClient(transport: InProcessTransport(cluster: cluster))
        func configMap(_ data: [String: String], labels: [String: String]) -> JSONValue {
            .object(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                     "metadata": .object(["name": .string("app"), "namespace": .string("default"),
                                          "labels": .object(labels.mapValues(JSONValue.string))]),
                     "data": .object(data.mapValues(JSONValue.string))])
        }
        _ = try client.apply(configMap(["a": "1", "b": "2"], labels: ["tier": "web"]), fieldManager: "flotilla", force: false)
        // Someone else changes a field Flotilla owns (an Update through a merge patch).
        _ = try client.transport.perform(KubeRequest(method: "PATCH", path: "/api/v1/namespaces/default/configmaps/app?fieldManager=kubectl-edit",
                                                     body: Data("{\"data\":{\"a\":\"edited\"}}".utf8),
                                                     contentType: "application/merge-patch+json"))
        do {
            _ = try client.apply(configMap(["a": "1", "b": "2"], labels: ["tier": "web"]), fieldManager: "flotilla", force: false)
            Issue.record("a conflicting apply was accepted")
        } catch {
            guard case .conflict(let message, let causes) = error else {
                Issue.record("expected a conflict, got \(error)")
                return
            }
            #expect(message == "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using v1: .data.a")
            #expect(causes.map(\.field) == [".data.a"])
        }
        // Forcing takes the field back; no longer applying b and the label removes them.
        let forced = try client.apply(configMap(["a": "1"], labels: [:]), fieldManager: "flotilla", force: true)
        #expect(forced["data"] == .object(["a": .string("1")]))
        #expect(forced.value(at: ["metadata", "labels", "tier"]) == nil)
        let managers = forced.value(at: ["metadata", "managedFields"])?.arrayValue?.compactMap { $0["manager"]?.stringValue }
        #expect(managers == ["flotilla"])
        // An identical apply writes nothing: the resourceVersion stays.
        let again = try client.apply(configMap(["a": "1"], labels: [:]), fieldManager: "flotilla", force: false)
        #expect(again.value(at: ["metadata", "resourceVersion"]) == forced.value(at: ["metadata", "resourceVersion"]))
    }
}
