import FlotillaModel
import Foundation

/// One event of a watch stream.
public enum WatchEvent: Sendable, Equatable {
    case added(JSONValue)
    case modified(JSONValue)
    case deleted(JSONValue)
    /// A resourceVersion to resume from; nothing changed.
    case bookmark(resourceVersion: String)
    /// The server ended the watch with an error; `expired` (410) means: relist, then watch again.
    case error(KubeError, expired: Bool)

    /// The resourceVersion the event carries (to resume a watch from after it).
    public var resourceVersion: String? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object):
            return object.value(at: ["metadata", "resourceVersion"])?.stringValue
        case .bookmark(let version): return version
        case .error: return nil
        }
    }
}

/// Splits a chunked watch body into events: one JSON object per line, possibly cut anywhere between chunks.
public struct WatchDecoder: Sendable {
    private var buffer = Data()

    public init() {}

    /// Feeds bytes as they arrive; returns the events completed by them. A line that is not a watch event is an
    /// error event (the stream cannot be trusted past it).
    public mutating func feed(_ bytes: Data) -> [WatchEvent] {
        buffer.append(bytes)
        var events: [WatchEvent] = []
        // Complete lines are decoded in place; what they took is dropped once, at the end (a chunk may hold
        // hundreds of events).
        var start = buffer.startIndex
        while let newline = buffer[start...].firstIndex(of: 0x0A) {
            let line = buffer[start..<newline]
            start = buffer.index(after: newline)
            guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) else { continue }
            events.append(Self.decode(line))
        }
        if start == buffer.endIndex {
            buffer.removeAll(keepingCapacity: true)
        } else if start != buffer.startIndex {
            buffer = Data(buffer[start...])
        }
        return events
    }

    /// Decodes one line.
    static func decode(_ line: Data) -> WatchEvent {
        guard let event = try? JSONValue.parse(line), case .object = event else {
            return .error(.unexpected(code: 200, message: "a watch line is not JSON"), expired: false)
        }
        let payload = event["object"] ?? .null
        switch event["type"]?.stringValue {
        case "ADDED": return .added(payload)
        case "MODIFIED": return .modified(payload)
        case "DELETED": return .deleted(payload)
        case "BOOKMARK":
            return .bookmark(resourceVersion: payload.value(at: ["metadata", "resourceVersion"])?.stringValue ?? "")
        case "ERROR":
            let code = Int(payload["code"]?.intValue ?? 500)
            let error = KubeError.decode(code: code, body: Data(payload.canonicalJSON().utf8), retryAfterHeader: nil)
            return .error(error, expired: code == 410)
        default:
            return .error(.unexpected(code: 200, message: "unknown watch event type"), expired: false)
        }
    }
}
