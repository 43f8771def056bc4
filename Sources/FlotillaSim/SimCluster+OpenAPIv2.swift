import FlotillaModel
import Foundation

/// `/openapi/v2`, which kubectl 1.27 and 1.28 read before `apply` (later versions read `/openapi/v3`): the same
/// content as the v3 documents (per kind, one `patch` operation with its group-version-kind and the
/// `fieldValidation` parameter, so kubectl leaves validation to the server; no schemas), as the protobuf of gnostic's
/// `openapi.v2.Document` when the client asks for it (kubectl does), else as JSON.
extension SimCluster {

    func openAPIv2(accept: String) -> SimResponse {
        let resources = state.withLock { $0.resources }.sorted { ($0.groupVersion, $0.kind) < ($1.groupVersion, $1.kind) }
        let operations = resources.map { resource -> (path: String, group: String, version: String, kind: String) in
            (Self.objectPath(resource), resource.group, resource.version, resource.kind)
        }
        if accept.contains("protobuf") {
            // (Served as the real server serves it: octet-stream; the `@` of the type asked for is no valid MIME type.)
            return SimResponse(status: 200, contentType: "application/octet-stream",
                               body: Self.openAPIv2Document(operations, version: kubernetesVersion.git))
        }
        var paths: [String: JSONValue] = [:]
        for operation in operations {
            paths[operation.path] = .object(["patch": .object([
                "x-kubernetes-group-version-kind": .object(["group": .string(operation.group),
                                                            "version": .string(operation.version),
                                                            "kind": .string(operation.kind)]),
                "parameters": .array([.object(["name": .string("fieldValidation"), "in": .string("query"),
                                               "type": .string("string"), "uniqueItems": .bool(true)])]),
            ])])
        }
        return json(200, .object(["swagger": .string("2.0"),
                                  "info": .object(["title": .string("Kubernetes"),
                                                   "version": .string(kubernetesVersion.git)]),
                                  "paths": .object(paths)]))
    }

    /// gnostic's `openapi.v2.Document` in protobuf (field numbers from `openapiv2/OpenAPIv2.proto`).
    static func openAPIv2Document(_ operations: [(path: String, group: String, version: String, kind: String)],
                                  version: String) -> Data {
        var paths = ProtobufWriter()
        for operation in operations {
            // QueryParameterSubSchema: in = 2, name = 4, type = 6, unique_items = 20.
            var query = ProtobufWriter()
            query.string(2, "query")
            query.string(4, "fieldValidation")
            query.string(6, "string")
            query.bool(20, true)
            // ParametersItem.parameter (1) → Parameter.non_body_parameter (2) → query_parameter_sub_schema (3).
            let item = ProtobufWriter.message(1, ProtobufWriter.message(2, ProtobufWriter.message(3, query.data)))
            // NamedAny: name = 1, value = 2 (Any: yaml = 2).
            var extensionValue = ProtobufWriter()
            extensionValue.string(2, "group: \"\(operation.group)\"\nkind: \(operation.kind)\nversion: \(operation.version)\n")
            var named = ProtobufWriter()
            named.string(1, "x-kubernetes-group-version-kind")
            named.message(2, extensionValue.data)
            // Operation: parameters = 8, vendor_extension = 13.
            var patch = ProtobufWriter()
            patch.message(8, item)
            patch.message(13, named.data)
            // PathItem.patch = 8; NamedPathItem: name = 1, value = 2; Paths.path = 2.
            var namedPath = ProtobufWriter()
            namedPath.string(1, operation.path)
            namedPath.message(2, ProtobufWriter.message(8, patch.data))
            paths.message(2, namedPath.data)
        }
        var info = ProtobufWriter()
        info.string(1, "Kubernetes")
        info.string(2, version)
        // Document: swagger = 1, info = 2, paths = 8.
        var document = ProtobufWriter()
        document.string(1, "2.0")
        document.message(2, info.data)
        document.message(8, paths.data)
        return document.data
    }
}

/// The protocol buffers wire format, as far as the OpenAPI v2 document needs it: strings, booleans and embedded
/// messages (length-delimited), in field order.
struct ProtobufWriter {
    private(set) var data = Data()

    mutating func string(_ field: Int, _ value: String) { bytes(field, Data(value.utf8)) }

    mutating func bool(_ field: Int, _ value: Bool) {
        varint(UInt64(field << 3))
        varint(value ? 1 : 0)
    }

    mutating func message(_ field: Int, _ value: Data) { bytes(field, value) }

    static func message(_ field: Int, _ value: Data) -> Data {
        var writer = ProtobufWriter()
        writer.message(field, value)
        return writer.data
    }

    private mutating func bytes(_ field: Int, _ value: Data) {
        varint(UInt64(field << 3 | 2))
        varint(UInt64(value.count))
        data.append(value)
    }

    private mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            data.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        data.append(UInt8(value))
    }
}
