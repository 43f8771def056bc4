import FlotillaModel
import Foundation
import Synchronization

/// Sends one HTTP request to a cluster. `CurlTransport` is the real one.
public protocol KubeTransport: Sendable {
    func perform(_ request: KubeRequest) throws(KubeError) -> KubeResponse
}

/// A transport that can also stream a response (a watch): once the server answers 200, each chunk of the body goes
/// to `onData` until it returns false, the stream ends, or the request's timeout passes.
public protocol StreamingKubeTransport: KubeTransport {
    func stream(_ request: KubeRequest, onData: @escaping (Data) -> Bool) throws(KubeError) -> KubeResponse
}

extension CurlTransport: StreamingKubeTransport {}

/// A resource a cluster serves, from discovery.
public struct APIResourceInfo: Sendable, Hashable {
    public var group: String
    public var version: String
    /// The plural resource name (`deployments`).
    public var resource: String
    public var kind: String
    public var namespaced: Bool
    public var verbs: [String]

    /// `/api/v1` or `/apis/<group>/<version>`.
    public var basePath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// The URL path of the collection or, with a name, of one object.
    public func path(namespace: String?, name: String? = nil) -> String {
        var path = basePath
        if namespaced, let namespace { path += "/namespaces/\(Self.escape(namespace))" }
        path += "/\(resource)"
        if let name { path += "/\(Self.escape(name))" }
        return path
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/")))
            ?? segment
    }
}

/// A Kubernetes REST client: discovery (cached, refreshed on a miss), get, list with pagination, server-side
/// apply, create, update with optimistic concurrency, delete with a propagation policy.
public final class KubeClient: Sendable {
    public let transport: any KubeTransport
    private let resources = Mutex<[String: APIResourceInfo]>([:])

    public init(transport: any KubeTransport) {
        self.transport = transport
    }

    func send(_ request: KubeRequest) throws(KubeError) -> JSONValue {
        let response = try transport.perform(request)
        let body = try response.checkedBody()
        guard !body.isEmpty else { return .object([:]) }
        guard let object = try? JSONValue.parse(body) else {
            throw KubeError.unexpected(code: response.status, message: "the response is not JSON")
        }
        return object
    }

    /// The server's `gitVersion` (`v1.31.0`).
    public func version() throws(KubeError) -> String {
        try send(KubeRequest(path: "/version"))["gitVersion"]?.stringValue ?? ""
    }

    // MARK: Discovery

    /// The resource serving `kind` in `apiVersion`; discovery is re-read once when it is not known yet (a CRD
    /// created since the last read).
    public func resource(apiVersion: String, kind: String) throws(KubeError) -> APIResourceInfo {
        let key = "\(apiVersion)/\(kind)"
        if let known = resources.withLock({ $0[key] }) { return known }
        try refreshDiscovery(groupVersion: apiVersion)
        if let known = resources.withLock({ $0[key] }) { return known }
        throw KubeError.notFound(message: "the server does not serve \(kind) in \(apiVersion)")
    }

    /// Reads the resources of one group/version.
    public func refreshDiscovery(groupVersion: String) throws(KubeError) {
        let found = try readDiscovery(groupVersion: groupVersion)
        resources.withLock { $0.merge(found) { _, new in new } }
    }

    /// The resources of one group/version, by `groupVersion/Kind`, as the server lists them now.
    func readDiscovery(groupVersion: String) throws(KubeError) -> [String: APIResourceInfo] {
        let path = groupVersion.contains("/") ? "/apis/\(groupVersion)" : "/api/\(groupVersion)"
        let list = try send(KubeRequest(path: path))
        let group = groupVersion.contains("/") ? String(groupVersion.split(separator: "/")[0]) : ""
        let version = String(groupVersion.split(separator: "/").last ?? "")
        var found: [String: APIResourceInfo] = [:]
        for entry in list["resources"]?.arrayValue ?? [] {
            guard let name = entry["name"]?.stringValue, !name.contains("/"), let kind = entry["kind"]?.stringValue
            else { continue }
            found["\(groupVersion)/\(kind)"] = APIResourceInfo(
                group: group, version: version, resource: name, kind: kind,
                namespaced: entry["namespaced"]?.boolValue ?? true,
                verbs: (entry["verbs"]?.arrayValue ?? []).compactMap(\.stringValue))
        }
        return found
    }

    /// The namespaced kinds of one group/version that can be listed (discovery read afresh).
    public func namespacedListableKinds(groupVersion: String) throws(KubeError) -> [String] {
        try refreshDiscovery(groupVersion: groupVersion)
        let prefix = "\(groupVersion)/"
        return resources.withLock { known in
            known.filter { $0.key.hasPrefix(prefix) && $0.value.namespaced && $0.value.verbs.contains("list")
                && !$0.key.dropFirst(prefix.count).contains("/") }.map(\.value.kind).sorted()
        }
    }

    /// Every resource the server serves (top-level resources, not subresources), read afresh: the cluster's API
    /// enablement, and each kind's scope. A group/version that cannot be read is left out (an aggregated API
    /// that is down must not hide the rest).
    public func servedResources() throws(KubeError) -> [APIResourceInfo] {
        var result: [APIResourceInfo] = []
        for groupVersion in try groupVersions() {
            do throws(KubeError) {
                let found = try readDiscovery(groupVersion: groupVersion)
                resources.withLock { $0.merge(found) { _, new in new } }
                result += found.values
            } catch {
                continue
            }
        }
        return result.sorted { ($0.group, $0.version, $0.kind) < ($1.group, $1.version, $1.kind) }
    }

    /// Every group/version the server serves (`/api` and `/apis`), sorted.
    public func groupVersions() throws(KubeError) -> [String] {
        var result = (try send(KubeRequest(path: "/api"))["versions"]?.arrayValue ?? []).compactMap(\.stringValue)
        for group in try send(KubeRequest(path: "/apis"))["groups"]?.arrayValue ?? [] {
            result += (group["versions"]?.arrayValue ?? []).compactMap { $0["groupVersion"]?.stringValue }
        }
        return result.sorted()
    }

    // MARK: Verbs

    /// One object.
    public func get(apiVersion: String, kind: String, namespace: String?, name: String) throws(KubeError) -> JSONValue {
        let info = try resource(apiVersion: apiVersion, kind: kind)
        return try send(KubeRequest(path: info.path(namespace: namespace, name: name)))
    }

    /// A GET of a path that is not a resource (`/apis/custom.metrics.k8s.io/v1beta2/namespaces/NS/pods/*/NAME`),
    /// with query parameters (encoded here).
    public func get(path: String, query: [String: String] = [:]) throws(KubeError) -> JSONValue {
        let encoded = query.keys.sorted().map { "\($0)=\(Self.encode(query[$0]!))" }.joined(separator: "&")
        return try send(KubeRequest(path: encoded.isEmpty ? path : path + "?" + encoded))
    }

    /// Every object of a kind (in a namespace, or everywhere), following `continue` tokens page by page.
    /// Returns the items and the list's resourceVersion (to start a watch from).
    public func list(apiVersion: String, kind: String, namespace: String? = nil, labelSelector: String? = nil,
                     pageSize: Int = 500) throws(KubeError) -> (items: [JSONValue], resourceVersion: String) {
        let info = try resource(apiVersion: apiVersion, kind: kind)
        var items: [JSONValue] = []
        var token: String?
        var resourceVersion = ""
        repeat {
            var query = ["limit=\(pageSize)"]
            if let labelSelector { query.append("labelSelector=\(Self.encode(labelSelector))") }
            if let token { query.append("continue=\(Self.encode(token))") }
            let page = try send(KubeRequest(path: info.path(namespace: namespace) + "?" + query.joined(separator: "&")))
            items += page["items"]?.arrayValue ?? []
            resourceVersion = page.value(at: ["metadata", "resourceVersion"])?.stringValue ?? resourceVersion
            token = page.value(at: ["metadata", "continue"])?.stringValue
            if token?.isEmpty == true { token = nil }
        } while token != nil
        return (items, resourceVersion)
    }

    /// Server-side apply (`PATCH`, `application/apply-patch+yaml`; JSON is YAML) as `fieldManager`, taking
    /// contested fields over when `force`.
    public func apply(_ object: JSONValue, fieldManager: String, force: Bool) throws(KubeError) -> JSONValue {
        let (info, namespace, name) = try locate(object)
        var query = "?fieldManager=\(Self.encode(fieldManager))"
        if force { query += "&force=true" }
        return try send(KubeRequest(method: "PATCH", path: info.path(namespace: namespace, name: name) + query,
                                    body: Data(object.canonicalJSON().utf8), contentType: "application/apply-patch+yaml"))
    }

    /// A JSON merge patch (`application/merge-patch+json`) of one object; with `uid`, only the object of that uid.
    public func mergePatch(apiVersion: String, kind: String, namespace: String?, name: String, patch: JSONValue,
                           fieldManager: String) throws(KubeError) -> JSONValue {
        let info = try resource(apiVersion: apiVersion, kind: kind)
        return try send(KubeRequest(method: "PATCH", path: info.path(namespace: namespace, name: name)
                                        + "?fieldManager=\(Self.encode(fieldManager))",
                                    body: Data(patch.canonicalJSON().utf8), contentType: "application/merge-patch+json"))
    }

    /// Creates an object (409 AlreadyExists when it exists).
    public func create(_ object: JSONValue, fieldManager: String? = nil) throws(KubeError) -> JSONValue {
        let (info, namespace, _) = try locate(object)
        let query = fieldManager.map { "?fieldManager=\(Self.encode($0))" } ?? ""
        return try send(KubeRequest(method: "POST", path: info.path(namespace: namespace) + query,
                                    body: Data(object.canonicalJSON().utf8), contentType: "application/json"))
    }

    /// Replaces an object; its `metadata.resourceVersion` makes the write fail with 409 Conflict if someone else
    /// wrote in between.
    public func update(_ object: JSONValue, fieldManager: String? = nil) throws(KubeError) -> JSONValue {
        let (info, namespace, name) = try locate(object)
        let query = fieldManager.map { "?fieldManager=\(Self.encode($0))" } ?? ""
        return try send(KubeRequest(method: "PUT", path: info.path(namespace: namespace, name: name) + query,
                                    body: Data(object.canonicalJSON().utf8), contentType: "application/json"))
    }

    /// Deletes an object with a propagation policy (`Background`, `Foreground` or `Orphan`).
    /// With `uid`, the server deletes only the object of that uid (409 Conflict when the name now holds another).
    public func delete(apiVersion: String, kind: String, namespace: String?, name: String,
                       propagationPolicy: String = "Background", uid: String? = nil) throws(KubeError) {
        let info = try resource(apiVersion: apiVersion, kind: kind)
        var fields: [String: JSONValue] = ["kind": .string("DeleteOptions"), "apiVersion": .string("v1"),
                                           "propagationPolicy": .string(propagationPolicy)]
        if let uid { fields["preconditions"] = .object(["uid": .string(uid)]) }
        let options: JSONValue = .object(fields)
        _ = try send(KubeRequest(method: "DELETE", path: info.path(namespace: namespace, name: name),
                                 body: Data(options.canonicalJSON().utf8), contentType: "application/json"))
    }

    /// Watches a kind from `resourceVersion` (nil: current objects first, as ADDED), calling `handler` for each
    /// event until it returns false, the server ends the stream, or `timeoutSeconds` pass. Returns the last
    /// resourceVersion seen, to resume from. A 410 arrives as `.error(_, expired: true)`: relist, then watch again.
    public func watch(apiVersion: String, kind: String, namespace: String? = nil, labelSelector: String? = nil,
                      resourceVersion: String? = nil, timeoutSeconds: Int = 300, bookmarks: Bool = true,
                      handler: @escaping (WatchEvent) -> Bool) throws(KubeError) -> String? {
        guard let streaming = transport as? any StreamingKubeTransport else {
            throw KubeError.unexpected(code: 0, message: "watching needs a streaming transport")
        }
        let info = try resource(apiVersion: apiVersion, kind: kind)
        var query = ["watch=true", "timeoutSeconds=\(timeoutSeconds)"]
        if bookmarks { query.append("allowWatchBookmarks=true") }
        if let labelSelector { query.append("labelSelector=\(Self.encode(labelSelector))") }
        if let resourceVersion { query.append("resourceVersion=\(Self.encode(resourceVersion))") }
        var decoder = WatchDecoder()
        var last = resourceVersion
        var stop = false
        let response = try streaming.stream(KubeRequest(path: info.path(namespace: namespace) + "?" + query.joined(separator: "&"),
                                                        timeout: Self.watchDeadline(timeoutSeconds))) { chunk in
            for event in decoder.feed(chunk) where !stop {
                if let version = event.resourceVersion { last = version }
                if !handler(event) { stop = true }
            }
            return !stop
        }
        _ = try response.checkedBody()
        return last
    }

    private func locate(_ object: JSONValue) throws(KubeError) -> (APIResourceInfo, String?, String) {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue,
              let name = object.value(at: ["metadata", "name"])?.stringValue else {
            throw KubeError.invalid(message: "an object needs apiVersion, kind and metadata.name", causes: [])
        }
        let info = try resource(apiVersion: apiVersion, kind: kind)
        let namespace = info.namespaced ? (object.value(at: ["metadata", "namespace"])?.stringValue ?? "default") : nil
        return (info, namespace, name)
    }

    /// How long the client waits for a watch the server should end after `timeoutSeconds`: a little longer, and then
    /// it gives up (a watch that went silent is noticed, not waited on forever).
    public static func watchDeadline(_ timeoutSeconds: Int) -> Double {
        Double(timeoutSeconds) + min(5, max(1, Double(timeoutSeconds) / 4))
    }

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
    }
}
