import FlotillaModel
import Foundation

/// A watch in progress: what it watches and the last revision it has sent.
public struct SimWatch: Sendable {
    let resource: SimResource
    let namespace: String?
    let selector: String?
    var fieldSelector = SimFieldSelector()
    public var cursor: Int
    public let bookmarks: Bool
    public let timeoutSeconds: Double
}

extension SimCluster {
    /// Starts a watch (`GET …?watch=true`): the events to send first, or an error response. Without a
    /// resourceVersion (or with "0") the current objects come first as ADDED; with one, the changes after it, or
    /// a single ERROR event with 410 when that history was compacted.
    public func startWatch(path: String, query: [String: String]) -> Result<(SimWatch, [Data]), SimWatchError> {
        let segments = path.split(separator: "/").map(String.init)
        guard case .success(.resource(let resource, let namespace, nil, nil)) = route(segments) else {
            return .failure(SimWatchError(response: notFound()))
        }
        if query["sendInitialEvents"] != nil || query["resourceVersionMatch"] != nil {
            return .failure(SimWatchError(response: status(
                422, reason: "Invalid",
                message: "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is "
                    + "forbidden for watch unless the WatchList feature gate is enabled",
                details: .object(["kind": .string("ListOptions"), "group": .string("meta.k8s.io")]))))
        }
        let from = query["resourceVersion"].flatMap { Int($0) } ?? 0
        var watch = SimWatch(resource: resource, namespace: namespace, selector: query["labelSelector"], cursor: 0,
                             bookmarks: query["allowWatchBookmarks"] == "true",
                             timeoutSeconds: query["timeoutSeconds"].flatMap { Double($0) } ?? 1800)
        if let text = query["fieldSelector"] {
            switch SimFieldSelector.parse(text, kind: resource.kind) {
            case .success(let parsed): watch.fieldSelector = parsed
            case .failure(let problem):
                return .failure(SimWatchError(response: status(400, reason: "BadRequest", message: problem.message)))
            }
        }
        return state.withLock { state -> Result<(SimWatch, [Data]), SimWatchError> in
            if from == 0 {
                let prefix = "\(resource.group)/\(resource.resource)"
                let current = state.objects.filter { $0.key.resource == prefix && (namespace == nil || $0.key.namespace == namespace) }
                    .sorted { $0.key < $1.key }.map(\.value).filter { matches($0, watch.selector) && watch.fieldSelector.matches($0) }
                watch.cursor = state.revision
                return .success((watch, current.map { line("ADDED", $0, as: resource) }))
            }
            if from < state.compactedRevision {
                let error = status(410, reason: "Expired",
                                   message: "too old resource version: \(from) (\(state.compactedRevision))")
                return .success((watch, [Data("{\"type\":\"ERROR\",\"object\":".utf8) + error.body + Data("}\n".utf8)]))
            }
            watch.cursor = from
            return .success((watch, []))
        }
    }

    /// The ERROR event of a watch the server ends because of an internal failure (the `watch-error` fault).
    public func watchErrorEvent() -> Data {
        let error = status(500, reason: "InternalError",
                           message: "Internal error occurred: etcdserver: request timed out (injected watch-error fault)")
        return Data("{\"type\":\"ERROR\",\"object\":".utf8) + error.body + Data("}\n".utf8)
    }

    /// The events after the watch's cursor (and moves it).
    public func nextEvents(_ watch: inout SimWatch) -> [Data] {
        let prefix = "\(watch.resource.group)/\(watch.resource.resource)"
        let cursor = watch.cursor
        let (changes, revision) = state.withLock { state -> ([Change], Int) in
            // Changes are kept in revision order: only the ones after the cursor are looked at.
            var low = 0
            var high = state.changes.count
            while low < high {
                let middle = (low + high) / 2
                if state.changes[middle].revision > cursor { high = middle } else { low = middle + 1 }
            }
            return (state.changes[low...].filter { $0.key.resource == prefix
                && (watch.namespace == nil || $0.key.namespace == watch.namespace) }, state.revision)
        }
        watch.cursor = max(watch.cursor, revision)
        guard !changes.isEmpty else { return [] }
        let selector = watch.selector.map(SimLabelSelector.init)
        return changes.compactMap { change -> Data? in
            guard watch.fieldSelector.matches(change.object) else { return nil }
            guard let selector else { return line(change.type, change.object, as: watch.resource) }
            let now = selector.matches(Self.labels(of: change.object))
            let before = change.previousLabels.map(selector.matches) ?? false
            switch (change.type, before, now) {
            case ("MODIFIED", false, true): return line("ADDED", change.object, as: watch.resource)
            case ("MODIFIED", true, false):
                // The object as the watcher last saw it matching (its labels then), at this revision.
                var object = change.object
                object["metadata"]?["labels"] = .object(change.previousLabels!.mapValues { .string($0) })
                return line("DELETED", object, as: watch.resource)
            case (_, _, true): return line(change.type, change.object, as: watch.resource)
            case ("DELETED", true, _): return line("DELETED", change.object, as: watch.resource)
            default: return nil
            }
        }
    }

    /// A BOOKMARK event at the current revision.
    public func bookmark(_ watch: SimWatch) -> Data {
        line("BOOKMARK", .object(["kind": .string(watch.resource.kind), "apiVersion": .string(watch.resource.groupVersion),
                                  "metadata": .object(["resourceVersion": .string(String(watch.cursor))])]))
    }

    /// Drops the watch history (a test's stand-in for etcd compaction): older resourceVersions become 410.
    public func compact(thenWrite: Bool = false) {
        state.withLock { state in
            if thenWrite { state.revision += 1 }
            state.compactedRevision = state.revision
            state.changes.removeAll()
        }
    }

    func matches(_ object: JSONValue, _ selector: String?) -> Bool {
        guard let selector else { return true }
        return SimLabelSelector(selector).matches(Self.labels(of: object))
    }

    static func labels(of object: JSONValue) -> [String: String] {
        (object.value(at: ["metadata", "labels"])?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    /// A watch event's line, with the object in the version the watch asked for.
    func line(_ type: String, _ object: JSONValue, as resource: SimResource? = nil) -> Data {
        let served = resource.map { SimConversion.convert(object, of: $0, to: $0.version) } ?? object
        return Data("{\"type\":\"\(type)\",\"object\":\(served.canonicalJSON())}\n".utf8)
    }
}

/// A watch that could not start: the response to send instead.
public struct SimWatchError: Error {
    public var response: SimResponse
}
