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
                    if request.method == .get, ["true", "1"].contains(query["watch"] ?? "") {
                        return watchResponse(cluster, path: request.uri.path, query: query)
                    }
                    if request.method == .post, request.uri.path == "/flotilla/compact" {
                        cluster.compact()
                        return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "compacted\n")))
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
                group.addTask {
                    while !Task.isCancelled {
                        cluster.runControllers()
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// A watch as a chunked stream of JSON lines: the first events, then changes as they happen, bookmarks when
    /// asked for, until `timeoutSeconds` or the client goes away.
    static func watchResponse(_ cluster: SimCluster, path: String, query: [String: String]) -> Response {
        let started: (SimWatch, [Data])
        switch cluster.startWatch(path: path, query: query) {
        case .failure(let error):
            var headers = HTTPFields()
            headers[.contentType] = error.response.contentType
            return Response(status: .init(code: error.response.status), headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: error.response.body)))
        case .success(let value):
            started = value
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var watch = started.0
            for line in started.1 { try await writer.write(ByteBuffer(bytes: line)) }
            if started.1.first.map({ String(decoding: $0.prefix(20), as: UTF8.self).contains("ERROR") }) ?? false {
                try await writer.finish(nil)
                return
            }
            let deadline = ContinuousClock.now + .milliseconds(Int(watch.timeoutSeconds * 1000))
            var lastBookmark = ContinuousClock.now
            while ContinuousClock.now < deadline {
                let lines = cluster.nextEvents(&watch)
                for line in lines { try await writer.write(ByteBuffer(bytes: line)) }
                if watch.bookmarks && ContinuousClock.now - lastBookmark > .seconds(1) {
                    try await writer.write(ByteBuffer(bytes: cluster.bookmark(watch)))
                    lastBookmark = ContinuousClock.now
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            try await writer.finish(nil)
        })
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
