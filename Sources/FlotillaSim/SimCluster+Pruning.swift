import FlotillaModel
import Foundation

extension SimCluster {
    /// The schema unknown fields of `resource` are pruned by: its CRD's for custom resources.
    func pruningSchema(_ resource: SimResource) -> SimPruning.Schema {
        if SimResource.builtInGroups.contains(resource.group) { return .builtIn(SimPruning.topLevel(kind: resource.kind)) }
        guard let schema = crdVersion(of: resource)?.value(at: ["schema", "openAPIV3Schema"]) else { return .builtIn(nil) }
        return .structural(schema)
    }

    /// The entry of `spec.versions` of the CRD that serves a custom resource, for the resource's version.
    func crdVersion(of resource: SimResource) -> JSONValue? {
        let crd = state.withLock { state in
            state.objects[Key(resource: "apiextensions.k8s.io/customresourcedefinitions", namespace: "",
                              name: "\(resource.resource).\(resource.group)")]
        }
        return crd?.value(at: ["spec", "versions"])?.arrayValue?.first { $0["name"]?.stringValue == resource.version }
    }

    /// Prunes an object about to be stored, as `fieldValidation` says: the object and the warnings to send, or the
    /// 400 of `Strict`.
    func pruned(_ object: JSONValue, _ resource: SimResource, schema: SimPruning.Schema,
                request: SimRequest) -> Result<(JSONValue, [String]), SimResponseError> {
        let (kept, dropped) = SimPruning.prune(object, schema: schema)
        guard !dropped.isEmpty else { return .success((object, [])) }
        let unknown = dropped.map { "unknown field \"\($0)\"" }
        switch request.query["fieldValidation"] ?? "Warn" {
        case "Strict":
            return .failure(SimResponseError(response: status(
                400, reason: "BadRequest",
                message: "\(resource.kind) in version \"\(resource.version)\" cannot be handled as a \(resource.kind): "
                    + "strict decoding error: " + unknown.joined(separator: ", "))))
        case "Ignore":
            return .success((kept, []))
        default:
            return .success((kept, unknown))
        }
    }
}

/// A response that ends a request early.
struct SimResponseError: Error {
    var response: SimResponse
}

extension SimResponse {
    /// The response with these warnings.
    func warning(_ warnings: [String]) -> SimResponse {
        var response = self
        response.warnings += warnings
        return response
    }
}
