import FlotillaModel
import Foundation

/// `/status` (the status half of an object) and `/scale` (autoscaling/v1 Scale of a workload).
extension SimCluster {
    func handleSubresource(_ subresource: String, _ resource: SimResource, namespace: String?, name: String,
                           request: SimRequest) -> SimResponse {
        state.withLock { state -> SimResponse in
            let key = key(resource, namespace, name)
            guard var object = state.objects[key] else {
                return objectNotFound(resource, name)
            }
            let body = decodeBody(request)
            if subresource == "scale" {
                if request.method == "PUT" || request.method == "PATCH" {
                    guard let replicas = body?.value(at: ["spec", "replicas"])?.intValue else {
                        return status(422, reason: "Invalid", message: "Scale.autoscaling \"\(name)\" is invalid: spec.replicas: Required value")
                    }
                    var spec = object["spec"] ?? .object([:])
                    if spec["replicas"]?.intValue != replicas {
                        spec["replicas"] = .int(replicas)
                        object["spec"] = spec
                        let previous = state.objects[key]
                        object = stamp(object, resource: resource, namespace: namespace, previous: previous, state: &state)
                        object = own(object, before: previous, key: key, resource: resource, request: request,
                                     subresource: "scale", state: &state)
                        state.objects[key] = object
                        record("MODIFIED", key, object, state: &state)
                    }
                }
                let labels = object.value(at: ["spec", "selector", "matchLabels"])?.objectValue ?? [:]
                let selector = labels.keys.sorted().map { "\($0)=\(labels[$0]?.stringValue ?? "")" }.joined(separator: ",")
                return json(200, .object([
                    "apiVersion": .string("autoscaling/v1"), "kind": .string("Scale"),
                    "metadata": .object(["name": .string(name), "namespace": namespace.map(JSONValue.string) ?? .null,
                                         "resourceVersion": object.value(at: ["metadata", "resourceVersion"]) ?? .null,
                                         "uid": object.value(at: ["metadata", "uid"]) ?? .null]),
                    "spec": .object(["replicas": object.value(at: ["spec", "replicas"]) ?? .int(1)]),
                    "status": .object(["replicas": object.value(at: ["status", "replicas"]) ?? .int(0),
                                       "selector": .string(selector)]),
                ]))
            }
            // status
            if request.method == "PUT" || request.method == "PATCH", let newStatus = body?["status"] {
                object["status"] = request.method == "PUT" ? newStatus : SimMerge.merge(object["status"] ?? .object([:]), newStatus,
                                                                                       nullDeletes: true)
                state.revision += 1
                object["metadata"]?["resourceVersion"] = .string(String(state.revision))
                state.objects[key] = object
                record("MODIFIED", key, object, state: &state)
            }
            return json(200, object)
        }
    }
}
