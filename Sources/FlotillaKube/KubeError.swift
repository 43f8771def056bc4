import FlotillaModel
import Foundation

/// One cause of a Kubernetes Status error (a field that is invalid, a field manager conflict).
public struct StatusCause: Sendable, Hashable {
    public var reason: String
    public var message: String
    public var field: String
}

/// A failed Kubernetes API call, decoded from the server's `Status` (or from the transport).
public enum KubeError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(message: String)
    case alreadyExists(message: String)
    /// A stale resourceVersion, or server-side apply conflicts (then `causes` name the fields and managers).
    case conflict(message: String, causes: [StatusCause])
    case invalid(message: String, causes: [StatusCause])
    case forbidden(message: String)
    case unauthorized(message: String)
    /// 410: a continue token or resourceVersion too old; the client relists.
    case gone(message: String)
    /// 429, with the server's Retry-After when it gave one.
    case tooManyRequests(message: String, retryAfter: Double?)
    /// 5xx, with Retry-After when given.
    case server(code: Int, message: String, retryAfter: Double?)
    /// Any other HTTP status.
    case unexpected(code: Int, message: String)
    /// The cluster could not be reached (connection refused, DNS, TLS, timeout).
    case transport(cluster: String, reason: String)

    /// Decodes an HTTP error response. A `Status` body gives the reason and causes; anything else (429 text/plain
    /// from Priority and Fairness, a proxy's HTML) gives the code and the text.
    public static func decode(code: Int, body: Data, retryAfterHeader: String?) -> KubeError {
        var message = String(decoding: body.prefix(1000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        var reason = ""
        var causes: [StatusCause] = []
        var retryAfter = retryAfterHeader.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        if let object = try? JSONSerialization.jsonObject(with: body) {
            let status = JSONValue(foundation: object)
            if status["kind"]?.stringValue == "Status" {
                message = status["message"]?.stringValue ?? message
                reason = status["reason"]?.stringValue ?? ""
                causes = (status.value(at: ["details", "causes"])?.arrayValue ?? []).map {
                    StatusCause(reason: $0["reason"]?.stringValue ?? "", message: $0["message"]?.stringValue ?? "",
                                field: $0["field"]?.stringValue ?? "")
                }
                if retryAfter == nil, let seconds = status.value(at: ["details", "retryAfterSeconds"])?.intValue {
                    retryAfter = Double(seconds)
                }
            }
        }
        switch (code, reason) {
        case (404, _): return .notFound(message: message)
        case (409, "AlreadyExists"): return .alreadyExists(message: message)
        case (409, _): return .conflict(message: message, causes: causes)
        case (422, _): return .invalid(message: message, causes: causes)
        case (403, _): return .forbidden(message: message)
        case (401, _): return .unauthorized(message: message)
        case (410, _): return .gone(message: message)
        case (429, _): return .tooManyRequests(message: message, retryAfter: retryAfter)
        case (500...599, _): return .server(code: code, message: message, retryAfter: retryAfter)
        default: return .unexpected(code: code, message: message)
        }
    }

    /// Whether trying again can help (with backoff): throttling, server errors, transport failures.
    public var isRetryable: Bool {
        switch self {
        case .tooManyRequests, .server, .transport: return true
        default: return false
        }
    }

    /// How long the server asked to wait before retrying.
    public var retryAfter: Double? {
        switch self {
        case .tooManyRequests(_, let seconds), .server(_, _, let seconds): return seconds
        default: return nil
        }
    }

    /// A short, bounded reason usable as a metric label.
    public var shortDescription: String {
        switch self {
        case .notFound: return "not_found"
        case .alreadyExists: return "already_exists"
        case .conflict: return "conflict"
        case .invalid: return "invalid"
        case .forbidden: return "forbidden"
        case .unauthorized: return "unauthorized"
        case .gone: return "gone"
        case .tooManyRequests: return "too_many_requests"
        case .server: return "server_error"
        case .unexpected: return "unexpected"
        case .transport: return "transport"
        }
    }

    public var description: String {
        switch self {
        case .notFound(let message), .alreadyExists(let message), .forbidden(let message),
            .unauthorized(let message), .gone(let message):
            return message
        case .conflict(let message, _), .invalid(let message, _): return message
        case .tooManyRequests(let message, let retryAfter):
            return message + (retryAfter.map { " (retry after \(Int($0)) s)" } ?? "")
        case .server(let code, let message, _): return "server error \(code): \(message)"
        case .unexpected(let code, let message): return "HTTP \(code): \(message)"
        case .transport(let cluster, let reason): return "cannot reach cluster \(cluster): \(reason)"
        }
    }
}
