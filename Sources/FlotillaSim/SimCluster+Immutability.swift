import FlotillaModel

extension SimCluster {
    /// The fields a real API server refuses to change once an object exists (422 Invalid, nothing written): a
    /// workload's selector, a Service's allocated cluster IP, a PersistentVolumeClaim's spec (all but a storage
    /// request), an immutable ConfigMap's or Secret's data.
    func immutabilityProblem(_ updated: JSONValue, previous: JSONValue, resource: SimResource, name: String) -> SimResponse? {
        func unchanged(_ path: [String]) -> Bool { updated.value(at: path) == previous.value(at: path) }
        switch (resource.group, resource.kind) {
        case ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"), ("apps", "DaemonSet"),
             ("batch", "Job"):
            guard unchanged(["spec", "selector"]) else {
                let value = updated.value(at: ["spec", "selector"])?.canonicalJSON() ?? "null"
                return invalid(resource, name, "spec.selector: Invalid value: \(value): field is immutable")
            }
        case ("", "Service"):
            let before = previous.value(at: ["spec", "clusterIP"])?.stringValue ?? ""
            let after = updated.value(at: ["spec", "clusterIP"])?.stringValue ?? ""
            if !before.isEmpty, !after.isEmpty, before != after {
                return invalid(resource, name, "spec.clusterIP: Invalid value: \"\(after)\": field is immutable")
            }
        case ("", "PersistentVolumeClaim"):
            var specBefore = previous["spec"] ?? .object([:])
            var specAfter = updated["spec"] ?? .object([:])
            for path in [["resources", "requests"], ["volumeAttributesClassName"], ["volumeName"]] {
                specBefore = Self.removing(path, from: specBefore)
                specAfter = Self.removing(path, from: specAfter)
            }
            if specBefore != specAfter {
                return invalid(resource, name, "spec: Forbidden: spec is immutable after creation except "
                               + "resources.requests and volumeAttributesClassName for bound claims")
            }
        case ("", "ConfigMap"), ("", "Secret"):
            guard previous["immutable"]?.boolValue == true else { return nil }
            for field in ["data", "binaryData", "stringData"] where !unchanged([field]) {
                return invalid(resource, name, "\(field): Forbidden: field is immutable when `immutable` is set")
            }
            if updated["immutable"]?.boolValue != true {
                return invalid(resource, name, "immutable: Forbidden: field is immutable when `immutable` is set")
            }
        default:
            break
        }
        return nil
    }

    static func removing(_ path: [String], from value: JSONValue) -> JSONValue {
        guard let first = path.first, var members = value.objectValue else { return value }
        if path.count == 1 {
            members[first] = nil
        } else if let child = members[first] {
            members[first] = removing(Array(path.dropFirst()), from: child)
        }
        return .object(members)
    }
}
