import FlotillaModel
import Foundation
import Synchronization

/// Requests served, by verb, as the API server's audit log and `apiserver_request_total` name them: `get`, `list`,
/// `watch`, `create`, `update`, `patch`, `delete`; `health` for /healthz, /readyz and /livez, `discovery` for the
/// version, group and OpenAPI documents.
/// Read (and reset) at `GET /flotilla/requests[?reset=true]`; benchmarks use it to count what a client costs.
public final class SimRequestCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    public init() {}

    public func count(method: String, path: String, query: [String: String]) {
        let verb = Self.verb(method: method, path: path, query: query)
        counts.withLock { $0[verb, default: 0] += 1 }
    }

    /// The counts so far; with `reset`, starts again from zero.
    public func snapshot(reset: Bool = false) -> [String: Int] {
        counts.withLock { counts in
            let current = counts
            if reset { counts = [:] }
            return current
        }
    }

    /// The counts as a JSON object with sorted keys.
    public func json(reset: Bool = false) -> String {
        JSONValue.object(snapshot(reset: reset).mapValues { .int(Int64($0)) }).canonicalJSON() + "\n"
    }

    /// The verb of a request: a resource path's last segments tell an object from a collection.
    static func verb(method: String, path: String, query: [String: String]) -> String {
        let segments = path.split(separator: "/")
        let isResourcePath = (segments.first == "api" && segments.count >= 3) || (segments.first == "apis" && segments.count >= 4)
        guard isResourcePath else {
            return ["/healthz", "/readyz", "/livez"].contains(path) ? "health" : "discovery"
        }
        let namesObject: Bool
        let afterVersion = segments.first == "api" ? 2 : 3
        let rest = segments.count - afterVersion
        if segments.count > afterVersion, segments[afterVersion] == "namespaces", rest >= 3 {
            namesObject = rest >= 4  // namespaces/NS/resource/NAME[/subresource]
        } else {
            namesObject = rest >= 2  // resource/NAME[/subresource]
        }
        switch method {
        case "GET":
            if ["true", "1"].contains(query["watch"] ?? "") { return "watch" }
            return namesObject ? "get" : "list"
        case "POST": return "create"
        case "PUT": return "update"
        case "PATCH": return "patch"
        case "DELETE": return namesObject ? "delete" : "deletecollection"
        default: return method.lowercased()
        }
    }
}
