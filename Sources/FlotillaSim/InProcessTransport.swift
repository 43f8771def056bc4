import FlotillaKube
import Foundation

/// A transport straight into a `SimCluster`, without HTTP: the in-process twin of `CurlTransport`, for fast tests.
/// The same conformance suite runs over both.
public struct InProcessTransport: StreamingKubeTransport {
    public let cluster: SimCluster
    /// Faults that apply to this transport as they would to the cluster's HTTP port (`down` refuses, `hang` blocks
    /// until lifted or the request's timeout, `forbid=` answers 403).
    public let faults: SimFaultSwitch?

    public init(cluster: SimCluster, faults: SimFaultSwitch? = nil) {
        self.cluster = cluster
        self.faults = faults
    }

    public func perform(_ request: KubeRequest) throws(KubeError) -> KubeResponse {
        try checkFaults(request)
        if let faults, faults.throttlesNext() {
            let answer = cluster.status(429, reason: "TooManyRequests", message: "Too many requests, please try again later.")
            return KubeResponse(status: 429, headers: ["content-type": answer.contentType, "retry-after": "1"],
                                body: answer.body)
        }
        let (path, query) = Self.split(request.path)
        let answer = cluster.handle(SimRequest(method: request.method, path: path, query: query,
                                               contentType: request.contentType ?? "", body: request.body ?? Data()))
        return KubeResponse(status: answer.status, headers: ["content-type": answer.contentType], body: answer.body)
    }

    /// A watch, served from the cluster's change log until `onData` returns false or the timeout passes.
    public func stream(_ request: KubeRequest, onData: @escaping (Data) -> Bool) throws(KubeError) -> KubeResponse {
        try checkFaults(request)
        let (path, query) = Self.split(request.path)
        guard ["true", "1"].contains(query["watch"] ?? "") else { return try perform(request) }
        var watch: SimWatch
        switch cluster.startWatch(path: path, query: query) {
        case .failure(let error):
            return KubeResponse(status: error.response.status, headers: ["content-type": error.response.contentType],
                                body: error.response.body)
        case .success(let (started, lines)):
            watch = started
            for line in lines where !onData(line) { return KubeResponse(status: 200, headers: [:], body: Data()) }
            if lines.first.map({ String(decoding: $0.prefix(20), as: UTF8.self).contains("ERROR") }) ?? false {
                return KubeResponse(status: 200, headers: [:], body: Data())
            }
        }
        if let faults, faults.current.silentWatches {
            // Nothing is ever sent and the server never ends it: only the client's own timeout does.
            let deadline = Date().addingTimeInterval(request.timeout)
            while Date() < deadline, faults.current.silentWatches, !faults.current.down {
                Thread.sleep(forTimeInterval: 0.01)
            }
            throw KubeError.transport(cluster: cluster.name, reason: "operation timed out (silent watch, in-process fault)")
        }
        let deadline = Date().addingTimeInterval(min(watch.timeoutSeconds, request.timeout))
        var lastBookmark = Date()
        while Date() < deadline {
            if let faults, faults.current.down || faults.current.hang { break }
            if let faults, faults.current.blackhole {
                // Silence until the client's own timeout.
                let silentUntil = Date().addingTimeInterval(request.timeout)
                while Date() < silentUntil, faults.current.blackhole { Thread.sleep(forTimeInterval: 0.01) }
                throw KubeError.transport(cluster: cluster.name, reason: "operation timed out (blackhole, in-process fault)")
            }
            if let faults, faults.current.watchError {
                _ = onData(cluster.watchErrorEvent())
                break
            }
            for line in cluster.nextEvents(&watch) where !onData(line) {
                return KubeResponse(status: 200, headers: [:], body: Data())
            }
            if watch.bookmarks, Date().timeIntervalSince(lastBookmark) > 1 {
                if !onData(cluster.bookmark(watch)) { break }
                lastBookmark = Date()
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return KubeResponse(status: 200, headers: [:], body: Data())
    }

    private func checkFaults(_ request: KubeRequest) throws(KubeError) {
        guard let faults else { return }
        let current = faults.current
        if current.down { throw KubeError.transport(cluster: cluster.name, reason: "connection refused (in-process fault)") }
        if current.hang || current.blackhole {
            let deadline = Date().addingTimeInterval(request.timeout)
            func stalled() -> Bool { faults.current.hang || faults.current.blackhole }
            while stalled(), Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            if stalled() { throw KubeError.transport(cluster: cluster.name, reason: "timed out (in-process fault)") }
        }
        let (path, _) = Self.split(request.path)
        if current.unauthorized { throw KubeError.unauthorized(message: "Unauthorized (in-process fault)") }
        if let resource = SimServer.resourceSegment(path), current.forbidden.contains(resource) {
            throw KubeError.forbidden(message: "\(resource) is forbidden (in-process fault)")
        }
    }

    static func split(_ full: String) -> (String, [String: String]) {
        var path = full
        var query: [String: String] = [:]
        if let mark = path.firstIndex(of: "?") {
            for pair in path[path.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                query[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            path = String(path[..<mark])
        }
        return (path, query)
    }
}
