import FlotillaModel
import Foundation

/// The minimal OpenAPI v3 kubectl needs before `apply -f`/`create -f`: per group-version, one `patch` operation per
/// kind that lists the `fieldValidation` parameter (so kubectl leaves validation to the server), no schemas.
extension SimCluster {
    func openAPI(_ segments: [String], accept: String = "") -> SimResponse? {
        guard segments.first == "openapi" else { return nil }
        if segments == ["openapi", "v2"] { return openAPIv2(accept: accept) }
        if segments == ["openapi", "v3"] {
            let resources = state.withLock { $0.resources }
            var paths: [String: JSONValue] = [:]
            for groupVersion in Set(resources.map(\.groupVersion)) {
                let path = groupVersion.contains("/") ? "apis/\(groupVersion)" : "api/\(groupVersion)"
                let served = resources.filter { $0.groupVersion == groupVersion }
                let hash = Self.hash(served.map { "\($0.resource):\($0.kind):\($0.namespaced)" }.joined(separator: ","))
                paths[path] = .object(["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(hash)")])
            }
            return json(200, .object(["paths": .object(paths)]))
        }
        guard segments.count >= 4, segments[1] == "v3" else { return notFound() }
        let group = segments[2] == "api" ? "" : segments[3]
        let version = segments[2] == "api" ? segments[3] : (segments.count > 4 ? segments[4] : "")
        let served = state.withLock { $0.resources }.filter { $0.group == group && $0.version == version }
        guard !served.isEmpty else { return notFound() }
        var paths: [String: JSONValue] = [:]
        for resource in served {
            paths[Self.objectPath(resource)] = .object(["patch": .object([
                "x-kubernetes-group-version-kind": .object(["group": .string(group), "version": .string(version),
                                                            "kind": .string(resource.kind)]),
                "parameters": .array([.object(["name": .string("fieldValidation"), "in": .string("query"),
                                               "schema": .object(["type": .string("string"), "uniqueItems": .bool(true)])])]),
            ])])
        }
        return json(200, .object(["openapi": .string("3.0.0"),
                                  "info": .object(["title": .string("Kubernetes"), "version": .string(kubernetesVersion.git)]),
                                  "paths": .object(paths)]))
    }

    /// The OpenAPI path of one object of `resource` (the path its `patch` operation is listed under).
    static func objectPath(_ resource: SimResource) -> String {
        let base = resource.group.isEmpty ? "/api/\(resource.version)" : "/apis/\(resource.group)/\(resource.version)"
        return resource.namespaced ? "\(base)/namespaces/{namespace}/\(resource.resource)/{name}"
            : "\(base)/\(resource.resource)/{name}"
    }

    /// A short hex hash that changes when the served resources change (kubectl caches documents by it).
    static func hash(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        return String(value, radix: 16, uppercase: true)
    }
}
