import FlotillaModel
import Foundation
import Testing
@testable import FlotillaPlacement

/// One case of Karmada's conformance data (see Fixtures/karmada/NOTICE.md): an op, its input, what Karmada asserts.
struct ConformanceVector: Sendable, CustomTestStringConvertible {
    var name: String
    var source: String
    var op: String
    var input: JSONValue
    var expected: JSONValue

    var testDescription: String { "\(op): \(name)" }

    /// The vectors of a fixture file whose op is one of `ops`.
    static func load(_ file: String, ops: Set<String>) -> [ConformanceVector] {
        guard let url = Bundle.module.url(forResource: "Fixtures/karmada/\(file)", withExtension: "json")
                ?? Bundle.module.resourceURL?.appendingPathComponent("Fixtures/karmada/\(file).json"),
              let data = try? Data(contentsOf: url),
              let array = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
            return []
        }
        return array.map { JSONValue(foundation: $0) }.compactMap { vector in
            guard let op = vector["op"]?.stringValue, ops.contains(op) else { return nil }
            return ConformanceVector(name: vector["name"]?.stringValue ?? "", source: vector["source"]?.stringValue ?? "",
                                     op: op, input: vector["input"] ?? .null, expected: vector["expected"] ?? .null)
        }
    }

    /// Every op named in a fixture file.
    static func ops(in file: String) -> Set<String> {
        guard let url = Bundle.module.resourceURL?.appendingPathComponent("Fixtures/karmada/\(file).json"),
              let data = try? Data(contentsOf: url),
              let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return Set(array.compactMap { $0["op"] as? String })
    }
}

/// Decoding the vectors' Kubernetes and Karmada objects into the project's types.
enum Decode {
    static func value<T: Decodable>(_ type: T.Type, _ json: JSONValue?) -> T? {
        guard let json, !json.isNull else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(json.canonicalJSON().utf8))
    }

    static func object(_ json: JSONValue?) -> KubernetesObject {
        KubernetesObject(content: json ?? .object([:]), location: SourceLocation(file: "vector", line: 1))
    }

    /// A Cluster; the vectors leave out `syncMode`, which the typed spec requires.
    static func cluster(_ json: JSONValue?) -> Cluster {
        var spec = json?["spec"] ?? .object([:])
        if spec["syncMode"] == nil { spec["syncMode"] = .string("Push") }
        let metadata = json?["metadata"]
        return Cluster(metadata: ObjectMeta(name: metadata?["name"]?.stringValue ?? "",
                                            labels: metadata?["labels"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]),
                       spec: value(ClusterSpec.self, spec) ?? ClusterSpec(syncMode: .push),
                       status: value(ClusterStatus.self, json?["status"]))
    }

    static func targetClusters(_ json: JSONValue?) -> [TargetCluster] {
        (json?.arrayValue ?? []).map {
            TargetCluster(name: $0["name"]?.stringValue ?? "", replicas: Int32($0["replicas"]?.intValue ?? 0))
        }
    }
}

/// Target clusters as a sorted multiset, for unordered comparison.
func multiset(_ clusters: [TargetCluster]) -> [String] { clusters.map(\.description).sorted() }
