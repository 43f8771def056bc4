import FlotillaModel
import Foundation
import Synchronization
import Testing
@testable import FlotillaKube

/// A transport that answers from a script and records what was asked: for checking the requests the client
/// shapes (paths, queries, bodies, content types). The wire itself is tested in CurlTransportTests.
final class ScriptedTransport: KubeTransport {
    let requests = Mutex<[KubeRequest]>([])
    let answer: @Sendable (KubeRequest) -> (Int, String)

    init(_ answer: @escaping @Sendable (KubeRequest) -> (Int, String)) { self.answer = answer }

    func perform(_ request: KubeRequest) throws(KubeError) -> KubeResponse {
        requests.withLock { $0.append(request) }
        let (status, body) = answer(request)
        return KubeResponse(status: status, headers: [:], body: Data(body.utf8))
    }

    var paths: [String] { requests.withLock { $0.map { "\($0.method) \($0.path)" } } }
}

@Suite struct KubeClientTests {
    static let appsV1 = """
        {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apps/v1","resources":[
         {"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment","verbs":["create","delete","get","list","patch","update","watch"]},
         {"name":"deployments/status","singularName":"","namespaced":true,"kind":"Deployment","verbs":["get","patch","update"]}]}
        """
    static let coreV1 = """
        {"kind":"APIResourceList","groupVersion":"v1","resources":[
         {"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["create","delete","get","list","patch","update","watch"]},
         {"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["create","delete","get","list","patch","update","watch"]}]}
        """

    @Test func discoveryMapsKindsToResourcesAndScope() throws {
        let transport = ScriptedTransport { request in
            switch request.path {
            case "/apis/apps/v1": return (200, Self.appsV1)
            case "/api/v1": return (200, Self.coreV1)
            default: return (404, "")
            }
        }
        let client = KubeClient(transport: transport)
        let deployments = try client.resource(apiVersion: "apps/v1", kind: "Deployment")
        #expect(deployments.path(namespace: "shop", name: "web") == "/apis/apps/v1/namespaces/shop/deployments/web")
        let namespaces = try client.resource(apiVersion: "v1", kind: "Namespace")
        #expect(namespaces.path(namespace: "ignored", name: "shop") == "/api/v1/namespaces/shop")
        // Cached: asking again does not read discovery again.
        _ = try client.resource(apiVersion: "apps/v1", kind: "Deployment")
        #expect(transport.paths == ["GET /apis/apps/v1", "GET /api/v1"])
        #expect(throws: KubeError.self) { try client.resource(apiVersion: "apps/v1", kind: "Widget") }
    }

    @Test func listFollowsContinueTokens() throws {
        let transport = ScriptedTransport { request in
            if request.path == "/api/v1" { return (200, Self.coreV1) }
            let page = request.path.contains("continue=second") ? 2 : request.path.contains("continue=third") ? 3 : 1
            let next = page == 1 ? "second" : page == 2 ? "third" : ""
            let items = (0..<2).map { "{\"metadata\":{\"name\":\"cm-\(page)-\($0)\"}}" }.joined(separator: ",")
            return (200, "{\"kind\":\"ConfigMapList\",\"metadata\":{\"resourceVersion\":\"\(40 + page)\",\"continue\":\"\(next)\"},\"items\":[\(items)]}")
        }
        let client = KubeClient(transport: transport)
        let result = try client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "shop", labelSelector: "app=web", pageSize: 2)
        #expect(result.items.compactMap { $0.value(at: ["metadata", "name"])?.stringValue }
                == ["cm-1-0", "cm-1-1", "cm-2-0", "cm-2-1", "cm-3-0", "cm-3-1"])
        #expect(result.resourceVersion == "43")
        #expect(transport.paths.dropFirst() == [
            "GET /api/v1/namespaces/shop/configmaps?limit=2&labelSelector=app%3Dweb",
            "GET /api/v1/namespaces/shop/configmaps?limit=2&labelSelector=app%3Dweb&continue=second",
            "GET /api/v1/namespaces/shop/configmaps?limit=2&labelSelector=app%3Dweb&continue=third",
        ])
    }

    @Test func applyCreateUpdateAndDeleteShapeTheirRequests() throws {
        let transport = ScriptedTransport { request in
            if request.path == "/apis/apps/v1" { return (200, Self.appsV1) }
            if request.method == "PUT" { return (409, """
                {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on deployments.apps \\"web\\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"web","group":"apps","kind":"deployments"},"code":409}
                """) }
            return (200, "{\"kind\":\"Deployment\"}")
        }
        let client = KubeClient(transport: transport)
        let deployment: JSONValue = .object(["apiVersion": .string("apps/v1"), "kind": .string("Deployment"),
                                             "metadata": .object(["name": .string("web"), "namespace": .string("shop")])])
        _ = try client.apply(deployment, fieldManager: "flotilla", force: true)
        _ = try client.create(deployment)
        #expect(throws: KubeError.self) { try client.update(deployment) }
        try client.delete(apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web")
        let requests = transport.requests.withLock { Array($0.dropFirst()) }
        #expect(requests.map { "\($0.method) \($0.path)" } == [
            "PATCH /apis/apps/v1/namespaces/shop/deployments/web?fieldManager=flotilla&force=true",
            "POST /apis/apps/v1/namespaces/shop/deployments",
            "PUT /apis/apps/v1/namespaces/shop/deployments/web",
            "DELETE /apis/apps/v1/namespaces/shop/deployments/web",
        ])
        #expect(requests[0].contentType == "application/apply-patch+yaml")
        #expect(requests[3].body.map { String(decoding: $0, as: UTF8.self) }
                == "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\",\"propagationPolicy\":\"Background\"}")
    }
}
