import Foundation
import Hummingbird
import Logging

/// Serves simulated clusters over HTTP on loopback ports, one Kubernetes API per cluster.
public enum SimServer {
    /// Runs until cancelled (SIGINT/SIGTERM end it through swift-service-lifecycle).
    public static func run(_ clusters: [(cluster: SimCluster, port: Int)], logger: Logger) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (cluster, port) in clusters {
                let responder = CallbackResponder<BasicRequestContext> { request, _ in
                    var request = request
                    let body = try await request.collectBody(upTo: 32 * 1024 * 1024)
                    var query: [String: String] = [:]
                    for (key, value) in request.uri.queryParameters {
                        query[String(key).removingPercentEncoding ?? String(key)] = String(value).removingPercentEncoding
                            ?? String(value)
                    }
                    let answer = cluster.handle(SimRequest(
                        method: request.method.rawValue, path: request.uri.path, query: query,
                        contentType: request.headers[.contentType] ?? "", body: Data(buffer: body)))
                    var headers = HTTPFields()
                    headers[.contentType] = answer.contentType
                    return Response(status: .init(code: answer.status), headers: headers,
                                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
                }
                let app = Application(responder: responder,
                                      configuration: .init(address: .hostname("127.0.0.1", port: port),
                                                           serverName: "flotilla-sim-\(cluster.name)"),
                                      logger: logger)
                group.addTask { try await app.runService() }
            }
            try await group.waitForAll()
        }
    }

    /// A kubeconfig with one context per simulated cluster (plain HTTP, no credentials).
    public static func kubeconfig(_ clusters: [(name: String, port: Int)]) -> String {
        var text = "apiVersion: v1\nkind: Config\npreferences: {}\n"
        text += "current-context: \(clusters.first?.name ?? "")\nclusters:\n"
        for cluster in clusters {
            text += "  - name: \(cluster.name)\n    cluster:\n      server: http://127.0.0.1:\(cluster.port)\n"
        }
        text += "users:\n  - name: sim\n    user: {}\ncontexts:\n"
        for cluster in clusters {
            text += "  - name: \(cluster.name)\n    context:\n      cluster: \(cluster.name)\n      user: sim\n"
        }
        return text
    }
}
