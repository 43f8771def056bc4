import FlotillaKube
import FlotillaModel
import FlotillaSim
import FlotillaTestSupport
import Foundation
import Testing

/// One conformance suite for every way Flotilla reaches a cluster: straight into an in-process simulated cluster,
/// and over HTTP and HTTPS with client certificates (libcurl) to `flotilla sim`. If the twin and the real path disagree, this fails.
@Suite(.serialized) struct ClusterClientConformanceTests {
    enum Path: String, CaseIterable, Sendable {
        case inProcess, http, https
    }

    /// A client for the path, and what keeps its server alive.
    static func client(_ path: Path) throws -> (any ClusterClient, AnyObject?) {
        switch path {
        case .inProcess:
            let cluster = SimCluster(name: "member1")
            return (KubeClient(transport: InProcessTransport(cluster: cluster)), nil)
        case .http, .https:
            let sim = try SimKubectlTests.Sim(tls: path == .https)
            let config = try Kubeconfig.load(path: sim.kubeconfig)
            return (KubeClient(transport: try CurlTransport(connection: try config.connection(context: "member1"))), sim)
        }
    }

    static func configMap(_ name: String, _ value: String, labels: [String: String] = [:]) -> JSONValue {
        .object(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                 "metadata": .object(["name": .string(name), "namespace": .string("default"),
                                      "labels": .object(labels.mapValues(JSONValue.string))]),
                 "data": .object(["value": .string(value)])])
    }

    @Test(arguments: Path.allCases)
    func applyGetListDelete(path: Path) throws {
        let (client, keepAlive) = try Self.client(path)
        defer { withExtendedLifetime(keepAlive) {} }
        #expect(try client.version() == "v1.31.0")
        let created = try client.apply(Self.configMap("a", "1", labels: ["team": "x"]), fieldManager: "flotilla", force: true)
        #expect(created.value(at: ["metadata", "generation"]) == .int(1))
        let updated = try client.apply(Self.configMap("a", "2", labels: ["team": "x"]), fieldManager: "flotilla", force: true)
        #expect(updated["data"]?["value"] == .string("2"))
        #expect(Int(updated.value(at: ["metadata", "resourceVersion"])?.stringValue ?? "") ?? 0
                > Int(created.value(at: ["metadata", "resourceVersion"])?.stringValue ?? "") ?? 0)
        _ = try client.apply(Self.configMap("b", "1", labels: ["team": "y"]), fieldManager: "flotilla", force: true)
        let team = try client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "default", labelSelector: "team=x", pageSize: 1)
        #expect(team.items.compactMap { $0.value(at: ["metadata", "name"])?.stringValue } == ["a"])
        let all = try client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "default", labelSelector: nil, pageSize: 1)
        #expect(all.items.count == 2)
        try client.delete(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "a", propagationPolicy: "Background",
                          uid: nil)
        // A uid precondition: the wrong uid is a conflict and deletes nothing; the right one deletes.
        let b = try client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "b")
        do {
            try client.delete(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "b",
                              propagationPolicy: "Background", uid: "not-the-uid")
            Issue.record("a delete with the wrong uid precondition succeeded")
        } catch {
            guard case .conflict(let message, _) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("Precondition failed: UID in precondition: not-the-uid"))
        }
        #expect((try? client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "b")) != nil)
        try client.delete(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "b", propagationPolicy: "Background",
                          uid: b.value(at: ["metadata", "uid"])?.stringValue)
        #expect((try? client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "b")) == nil)
        #expect(throws: KubeError.notFound(message: "configmaps \"a\" not found")) {
            try client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "a")
        }
        #expect(throws: KubeError.self) {
            try client.apply(.object(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                                      "metadata": .object(["name": .string("c"), "namespace": .string("missing")])]),
                             fieldManager: "flotilla", force: true)
        }
    }
}
