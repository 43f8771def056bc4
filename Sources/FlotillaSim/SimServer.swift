import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import ServiceLifecycle

/// Serves simulated clusters over HTTP on loopback ports, one Kubernetes API per cluster.
public enum SimServer {
    /// Runs until a graceful shutdown (SIGINT/SIGTERM, through swift-service-lifecycle) or cancellation. With an admin port, faults
    /// can be switched there: `POST /clusters/<name>/faults` with a body like `down`, `up`, `hang`, `slow=500`,
    /// `errors=3`; `GET /clusters/<name>/faults` shows them. `POST /clusters/<name>/load` with a body like
    /// `shop/orders-api cpu=800m` sets a workload's per-pod load (`none` clears it); `GET` lists the loads set.
    public static func run(_ clusters: [(cluster: SimCluster, port: Int)], faults: [String: SimFaultSwitch] = [:],
                           adminPort: Int? = nil, stateFile: String? = nil, tls: SimTLS? = nil,
                           token: String? = nil, logger: Logger) async throws {
        // With a token, the token authenticates (client certificates are not asked for).
        let tlsConfiguration = try tls?.serverConfiguration(clientCertificates: token == nil)
        if let stateFile {
            let saved = SimStateFile.load(stateFile)
            for (cluster, _) in clusters { if let snapshot = saved[cluster.name] { cluster.restore(snapshot) } }
        }
        var switches = faults
        for (cluster, _) in clusters where switches[cluster.name] == nil { switches[cluster.name] = SimFaultSwitch() }
        let allSwitches = switches
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let stateFile {
                // Saves the objects within half a second of a change.
                group.addTask {
                    var saved = clusters.map { $0.cluster.revision }
                    while !stopping {
                        // A sleep cut short by a cancellation is the end, not an error (the loop sees `stopping`).
                        try? await Task.sleep(for: .milliseconds(500))
                        let now = clusters.map { $0.cluster.revision }
                        if now != saved {
                            try SimStateFile.save(clusters.map(\.cluster), to: stateFile)
                            saved = now
                        }
                    }
                }
            }
            if let adminPort {
                let admin = CallbackResponder<BasicRequestContext> { request, _ in
                    var request = request
                    let parts = request.uri.path.split(separator: "/").map(String.init)
                    if parts.count == 3, parts[0] == "clusters", parts[2] == "load",
                       let cluster = clusters.first(where: { $0.cluster.name == parts[1] })?.cluster {
                        return try await loadAdmin(cluster, request: &request)
                    }
                    guard parts.count == 3, parts[0] == "clusters", parts[2] == "faults", let faultSwitch = allSwitches[parts[1]]
                    else { return Response(status: .notFound, body: ResponseBody(byteBuffer: ByteBuffer(string: "no such cluster\n"))) }
                    if request.method == .post {
                        let body = try await request.collectBody(upTo: 4096)
                        do {
                            faultSwitch.set(try SimFaults(parsing: String(buffer: body)))
                        } catch {
                            return Response(status: .badRequest, body: ResponseBody(byteBuffer: ByteBuffer(string: "\(error)\n")))
                        }
                    }
                    let faults = faultSwitch.current
                    let text = "down=\(faults.down) hang=\(faults.hang) slow=\(faults.latencyMilliseconds) errors=\(faults.errorEvery)\n"
                    return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
                }
                let app = Application(responder: admin, configuration: .init(address: .hostname("127.0.0.1", port: adminPort),
                                                                             serverName: "flotilla-sim-admin"), logger: logger)
                group.addTask { try await serve(app, logger: logger) { true } }
            }
            for (cluster, port) in clusters {
                let faultSwitch = allSwitches[cluster.name]!
                let counter = SimRequestCounter()
                let responder = CallbackResponder<BasicRequestContext> { request, _ in
                    var request = request
                    let faults = faultSwitch.current
                    if faults.hang || faults.blackhole {
                        while (faultSwitch.current.hang || faultSwitch.current.blackhole) && !stopping {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    if faults.unauthorized || !Self.authorized(request.headers[.authorization], token: token) {
                        // As the real server answers a missing, wrong or revoked bearer token.
                        return reply(cluster.status(401, reason: "Unauthorized", message: "Unauthorized"))
                    }
                    if faults.latencyMilliseconds > 0 { try await Task.sleep(for: .milliseconds(faults.latencyMilliseconds)) }
                    if faultSwitch.throttlesNext() {
                        return reply(cluster.status(429, reason: "TooManyRequests",
                                                    message: "Too many requests, please try again later."),
                                     headers: [.retryAfter: "1"])
                    }
                    if faultSwitch.failsNext() {
                        return reply(cluster.status(500, reason: "InternalError",
                                                    message: "Internal error occurred: injected fault"))
                    }
                    if !faults.forbidden.isEmpty, let resource = Self.resourceSegment(request.uri.path),
                       faults.forbidden.contains(resource) {
                        let verb = request.method == .get ? "list" : request.method.rawValue.lowercased()
                        return reply(cluster.status(403, reason: "Forbidden", message: "\(resource) is forbidden: User "
                            + "\"system:serviceaccount:flotilla-system:flotilla\" cannot \(verb) resource \"\(resource)\" "
                            + "at the cluster scope"))
                    }
                    let body = try await request.collectBody(upTo: 32 * 1024 * 1024)
                    var query: [String: String] = [:]
                    for (key, value) in request.uri.queryParameters {
                        query[String(key).removingPercentEncoding ?? String(key)] = String(value).removingPercentEncoding
                            ?? String(value)
                    }
                    if request.uri.path == "/flotilla/requests" {
                        let text = counter.json(reset: query["reset"] == "true")
                        return Response(status: .ok, headers: [.contentType: "application/json"],
                                        body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
                    }
                    if !request.uri.path.hasPrefix("/flotilla/") {
                        counter.count(method: request.method.rawValue, path: request.uri.path, query: query)
                    }
                    if request.method == .get, ["true", "1"].contains(query["watch"] ?? "") {
                        if faultSwitch.current.silentWatches {
                            // Headers, then silence until the client gives up.
                            return Response(status: .ok, headers: [.contentType: "application/json"],
                                            body: ResponseBody { _ in
                                                while !stopping { try await Task.sleep(for: .milliseconds(200)) }
                                            })
                        }
                        return watchResponse(cluster, path: request.uri.path, query: query, faults: faultSwitch)
                    }
                    if request.method == .post, request.uri.path == "/flotilla/compact" {
                        // `?write=true`: compaction followed by a write, so even the newest resourceVersion a client
                        // holds is too old to resume from (as after etcd compacts past a client that fell behind).
                        cluster.compact(thenWrite: query["write"] == "true")
                        return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "compacted\n")))
                    }
                    let answer = cluster.handle(SimRequest(
                        method: request.method.rawValue, path: request.uri.path, query: query,
                        contentType: request.headers[.contentType] ?? "", body: Data(buffer: body),
                        userAgent: request.headers[.userAgent] ?? "", accept: request.headers[.accept] ?? ""))
                    return reply(answer)
                }
                let configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: port),
                                                             serverName: "flotilla-sim-\(cluster.name)")
                let serveOnce: @Sendable () async throws -> Void
                if let tlsConfiguration {
                    // HTTPS, and a client certificate signed by the sim's CA is required.
                    let app = Application(responder: responder, server: try .tls(.http1(), tlsConfiguration: tlsConfiguration),
                                          configuration: configuration, logger: logger)
                    serveOnce = { try await serve(app, logger: logger) { !faultSwitch.current.down } }
                } else {
                    let app = Application(responder: responder, configuration: configuration, logger: logger)
                    serveOnce = { try await serve(app, logger: logger) { !faultSwitch.current.down } }
                }
                // "down" closes the port (connections are refused) until the fault is lifted.
                group.addTask {
                    while !stopping {
                        if faultSwitch.current.down {
                            try? await Task.sleep(for: .milliseconds(50))
                            continue
                        }
                        try? await serveOnce()
                        // Not a tight loop when the port cannot be bound.
                        if !stopping { try? await Task.sleep(for: .milliseconds(100)) }
                    }
                }
                group.addTask {
                    // Every 10 ms when something changed, every 100 ms regardless (workloads waiting out readyDelay).
                    var tick = 0
                    while !stopping {
                        cluster.runControllers(onlyIfChanged: tick % 10 != 0)
                        tick += 1
                        try? await Task.sleep(for: .milliseconds(10))
                    }
                }
            }
            // The first task to fail (a port that cannot be bound, say) ends the simulator at once, with its error,
            // instead of at shutdown (`waitForAll` would hold the error until every other task had ended).
            while try await group.next() != nil {}
        }
    }

    /// Whether the sim is stopping: a graceful shutdown began, or the task was cancelled.
    static var stopping: Bool { Task.isCancelled || Task.isShuttingDownGracefully }

    /// Serves an application while `up()` holds, then shuts it down gracefully. Cancelling a Hummingbird
    /// application's task instead can trap in NIO ("Deinited NIOAsyncWriter without calling finish()") when a
    /// connection was accepted but not served yet (apple/swift-nio#3481); a graceful shutdown closes it properly.
    static func serve(_ app: some Service, logger: Logger, while up: @escaping @Sendable () -> Bool) async throws {
        let serviceGroup = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await serviceGroup.run()
                return true
            }
            tasks.addTask {
                while up() && !stopping { try? await Task.sleep(for: .milliseconds(50)) }
                await serviceGroup.triggerGracefulShutdown()
                return false
            }
            // The application ended by itself (it could not bind, say): the watcher is not needed any more.
            if try await tasks.next() == true { tasks.cancelAll() }
            try await tasks.waitForAll()
        }
    }

    /// A watch as a chunked stream of JSON lines: the first events, then changes as they happen, bookmarks when
    /// asked for, until `timeoutSeconds` or the client goes away.
    /// The resource a request path names (`/api/v1/nodes/a` → `nodes`; `/apis/apps/v1/namespaces/x/deployments`
    /// → `deployments`; a namespace's own path → `namespaces`), or nil for discovery and other paths.
    static func resourceSegment(_ path: String) -> String? {
        var parts = path.split(separator: "/").map(String.init)
        guard let root = parts.first, root == "api" || root == "apis" else { return nil }
        let prefix = root == "api" ? 2 : 3
        guard parts.count > prefix else { return nil }
        parts.removeFirst(prefix)
        guard !parts.isEmpty else { return nil }
        if parts[0] == "namespaces", parts.count >= 3 { return parts[2] }
        return parts[0]
    }

    /// An answer of the simulated cluster on HTTP: its status, content type and body, its warnings as `Warning`
    /// headers, and `headers` besides.
    static func reply(_ answer: SimResponse, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = answer.contentType
        for warning in answer.warnings {
            headers.append(.init(name: .init("Warning")!,
                                 value: "299 - \"\(warning.replacingOccurrences(of: "\"", with: "\\\""))\""))
        }
        return Response(status: .init(code: answer.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// Whether a request carries the bearer token the sim was started with (any request, when it has none).
    static func authorized(_ header: String?, token: String?) -> Bool {
        guard let token else { return true }
        return header == "Bearer \(token)"
    }

    static func watchResponse(_ cluster: SimCluster, path: String, query: [String: String],
                              faults: SimFaultSwitch) -> Response {
        let started: (SimWatch, [Data])
        switch cluster.startWatch(path: path, query: query) {
        case .failure(let error):
            return reply(error.response)
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
            // (A shutdown ends the stream, as a real server's does: clients resume from their last resourceVersion.)
            while !stopping {
                let current = faults.current
                if current.blackhole {
                    // Silence: the connection stays open and says nothing more, and does not end at its timeout.
                    try await Task.sleep(for: .milliseconds(50))
                    continue
                }
                if ContinuousClock.now >= deadline { break }
                if current.watchError {
                    try await writer.write(ByteBuffer(bytes: cluster.watchErrorEvent()))
                    break
                }
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

    /// A kubeconfig with one context per simulated cluster: plain HTTP without credentials, or with `tls` HTTPS with
    /// the sim's CA and client certificate inline; with `token`, the bearer token the sim requires instead of the
    /// certificate (kubectl never sends a token over plain HTTP, and neither does Flotilla).
    public static func kubeconfig(_ clusters: [(name: String, port: Int)], tls: SimTLS? = nil,
                                  token: String? = nil) -> String {
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        var text = "apiVersion: v1\nkind: Config\npreferences: {}\n"
        text += "current-context: \(clusters.first?.name ?? "")\nclusters:\n"
        for cluster in clusters {
            text += "  - name: \(cluster.name)\n    cluster:\n      server: \(tls == nil ? "http" : "https")://127.0.0.1:\(cluster.port)\n"
            if let tls { text += "      certificate-authority-data: \(base64(tls.caPEM))\n" }
        }
        text += "users:\n  - name: sim\n    user:\(tls == nil && token == nil ? " {}" : "")\n"
        if let token {
            text += "      token: \(token)\n"
        } else if let tls {
            text += "      client-certificate-data: \(base64(tls.clientCertificatePEM))\n"
            text += "      client-key-data: \(base64(tls.clientKeyPEM))\n"
        }
        text += "contexts:\n"
        for cluster in clusters {
            text += "  - name: \(cluster.name)\n    context:\n      cluster: \(cluster.name)\n      user: sim\n"
        }
        return text
    }
}
