import FlotillaModel
import Foundation

/// Persistence of a simulated cluster's objects, so a restarted `flotilla sim --state FILE` keeps them.
extension SimCluster {
    /// The objects and counters, as JSON.
    public func snapshot() -> JSONValue {
        state.withLock { state in
            .object([
                "revision": .int(Int64(state.revision)), "uids": .int(Int64(state.uids)),
                "serviceIPs": .int(Int64(state.serviceIPs)),
                "objects": .array(state.objects.keys.sorted().map { key in
                    .object(["resource": .string(key.resource), "namespace": .string(key.namespace),
                             "name": .string(key.name), "object": state.objects[key]!])
                }),
            ])
        }
    }

    /// The revision the last snapshot was taken at (to save only after changes).
    public var revision: Int { state.withLock { $0.revision } }

    /// Replaces the objects with a snapshot's; CRDs in it become served again.
    public func restore(_ snapshot: JSONValue) {
        state.withLock { state in
            state.objects = [:]
            state.changes = []
            state.workloadInputs = [:]
            state.workloadOrder = nil
            state.nodeCapacity = nil
            state.spare = nil
            state.revision = Int(snapshot["revision"]?.intValue ?? 1)
            state.compactedRevision = state.revision
            state.uids = Int(snapshot["uids"]?.intValue ?? 0)
            state.serviceIPs = Int(snapshot["serviceIPs"]?.intValue ?? 0)
            for entry in snapshot["objects"]?.arrayValue ?? [] {
                guard let resource = entry["resource"]?.stringValue, let name = entry["name"]?.stringValue,
                      let object = entry["object"] else { continue }
                state.objects[Key(resource: resource, namespace: entry["namespace"]?.stringValue ?? "", name: name)] = object
                if resource == "apiextensions.k8s.io/customresourcedefinitions" { serveCustomResource(object, state: &state) }
            }
        }
    }
}

/// A state file holding every simulated cluster: `{"clusters": {NAME: snapshot}}`.
public enum SimStateFile {
    public static func load(_ path: String) -> [String: JSONValue] {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) else { return [:] }
        return JSONValue(foundation: object)["clusters"]?.objectValue ?? [:]
    }

    /// Writes atomically (a temporary file renamed over the old one).
    public static func save(_ clusters: [SimCluster], to path: String) throws {
        var members: [String: JSONValue] = [:]
        for cluster in clusters { members[cluster.name] = cluster.snapshot() }
        try Data(JSONValue.object(["clusters": .object(members)]).canonicalJSON().utf8)
            .write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
