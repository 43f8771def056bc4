import FlotillaKube
import Foundation

/// A transport straight into a `SimCluster`, without HTTP: the in-process twin of `CurlTransport`, for fast tests.
/// The same conformance suite runs over both.
public struct InProcessTransport: KubeTransport {
    public let cluster: SimCluster

    public init(cluster: SimCluster) { self.cluster = cluster }

    public func perform(_ request: KubeRequest) throws(KubeError) -> KubeResponse {
        var path = request.path
        var query: [String: String] = [:]
        if let mark = path.firstIndex(of: "?") {
            for pair in path[path.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                query[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            path = String(path[..<mark])
        }
        let answer = cluster.handle(SimRequest(method: request.method, path: path, query: query,
                                               contentType: request.contentType ?? "", body: request.body ?? Data()))
        return KubeResponse(status: answer.status, headers: ["content-type": answer.contentType], body: answer.body)
    }
}
