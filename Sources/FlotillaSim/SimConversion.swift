import FlotillaModel
import Foundation

/// Built-in resources served in more than one version, as a real API server serves them: objects are stored in
/// one version and converted for requests in another (`autoscaling/v1` and `v2` HorizontalPodAutoscalers: the
/// CPU target of v1 is a Resource metric in v2).
enum SimConversion {
    /// The version objects of `resource` are stored in, when it is served in several.
    static func storageVersion(of resource: SimResource) -> String? {
        resource.group == "autoscaling" && resource.resource == "horizontalpodautoscalers" ? "v2" : nil
    }

    /// The object (or list, or watch event's object) in `version`.
    static func convert(_ value: JSONValue, of resource: SimResource, to version: String) -> JSONValue {
        guard storageVersion(of: resource) != nil, case .object = value else { return value }
        if let items = value["items"]?.arrayValue {
            var list = value
            list["items"] = .array(items.map { convert($0, of: resource, to: version) })
            if list["apiVersion"] != nil { list["apiVersion"] = .string("\(resource.group)/\(version)") }
            return list
        }
        guard value["kind"]?.stringValue == resource.kind || value["kind"] == nil else { return value }
        let from = value["apiVersion"]?.stringValue.map { String($0.split(separator: "/").last ?? "") }
        guard from != version else { return value }
        var object = version == "v1" ? autoscalingV1(value) : autoscalingV2(value)
        if object["apiVersion"] != nil || object["kind"] != nil {
            object["apiVersion"] = .string("\(resource.group)/\(version)")
        }
        return object
    }

    /// v1 → v2: `targetCPUUtilizationPercentage` becomes a CPU Resource metric.
    static func autoscalingV2(_ object: JSONValue) -> JSONValue {
        var object = object
        if let percent = object.value(at: ["spec", "targetCPUUtilizationPercentage"]) {
            object["spec"]?["targetCPUUtilizationPercentage"] = nil
            object["spec"]?["metrics"] = .array([.object([
                "type": .string("Resource"),
                "resource": .object(["name": .string("cpu"), "target": .object([
                    "type": .string("Utilization"), "averageUtilization": percent])]),
            ])])
        }
        if let current = object.value(at: ["status", "currentCPUUtilizationPercentage"]) {
            object["status"]?["currentCPUUtilizationPercentage"] = nil
            object["status"]?["currentMetrics"] = .array([.object([
                "type": .string("Resource"),
                "resource": .object(["name": .string("cpu"), "current": .object(["averageUtilization": current])]),
            ])])
        }
        return object
    }

    /// v2 → v1: a CPU Utilization metric becomes `targetCPUUtilizationPercentage`; v1 has no other metrics,
    /// behaviour or conditions.
    static func autoscalingV1(_ object: JSONValue) -> JSONValue {
        var object = object
        if object["spec"] != nil {
            let metrics = object.value(at: ["spec", "metrics"])?.arrayValue ?? []
            let cpu = metrics.first { $0["type"]?.stringValue == "Resource" && $0.value(at: ["resource", "name"]) == .string("cpu")
                && $0.value(at: ["resource", "target", "type"]) == .string("Utilization") }
            object["spec"]?["metrics"] = nil
            object["spec"]?["behavior"] = nil
            if let percent = cpu?.value(at: ["resource", "target", "averageUtilization"]) {
                object["spec"]?["targetCPUUtilizationPercentage"] = percent
            }
        }
        if object["status"] != nil {
            let current = (object.value(at: ["status", "currentMetrics"])?.arrayValue ?? [])
                .first { $0.value(at: ["resource", "name"]) == .string("cpu") }
            object["status"]?["currentMetrics"] = nil
            object["status"]?["conditions"] = nil
            if let percent = current?.value(at: ["resource", "current", "averageUtilization"]) {
                object["status"]?["currentCPUUtilizationPercentage"] = percent
            }
        }
        return object
    }
}

extension SimCluster {
    /// A request to a resource served in a version other than its storage version: the body converted to the
    /// storage version, served there, and the answer converted back.
    func servedConverting(_ resource: SimResource, namespace: String?, name: String?, request: SimRequest,
                          serve: (SimResource, SimRequest) -> SimResponse) -> SimResponse {
        guard let storage = SimConversion.storageVersion(of: resource), storage != resource.version,
              let stored = state.withLock({ $0.resources }).first(where: {
                  $0.group == resource.group && $0.resource == resource.resource && $0.version == storage }) else {
            return serve(resource, request)
        }
        var inner = request
        if !request.body.isEmpty, !request.contentType.hasPrefix("application/json-patch"),
           let body = decodeBody(request) {
            var converted = SimConversion.convert(body, of: resource, to: storage)
            // An apply names the version it is written in: the stored one now.
            if converted["apiVersion"] != nil { converted["apiVersion"] = .string(stored.groupVersion) }
            inner.body = Data(converted.canonicalJSON().utf8)
        }
        var answer = serve(stored, inner)
        if answer.contentType.hasPrefix("application/json"), let body = try? JSONValue.parse(answer.body),
           body["kind"]?.stringValue != "Status", body["kind"]?.stringValue != "Table" {
            answer.body = Data(SimConversion.convert(body, of: resource, to: resource.version).canonicalJSON().utf8)
        }
        return answer
    }
}
