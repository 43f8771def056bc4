import FlotillaModel
import Foundation

/// JSON merge (RFC 7386 for merge patches: null deletes; for applies, objects merge and everything else replaces).
enum SimMerge {
    static func merge(_ target: JSONValue, _ patch: JSONValue, nullDeletes: Bool) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in patchMembers {
            if value.isNull && nullDeletes {
                result[key] = nil
            } else if let existing = result[key], case .object = value {
                result[key] = merge(existing, value, nullDeletes: nullDeletes)
            } else {
                result[key] = value
            }
        }
        return .object(result)
    }
}

/// Kubernetes label selector strings: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`.
/// `fieldSelector`: `a=b`, `a==b`, `a!=b` joined by commas, over the fields the real server indexes.
struct SimFieldSelector {
    struct Problem: Error { let message: String }

    var requirements: [(path: [String], value: String, equal: Bool)] = []

    static func supported(kind: String) -> [String] {
        var fields = ["metadata.name", "metadata.namespace"]
        switch kind {
        case "Pod": fields += ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                               "status.phase", "status.podIP", "status.nominatedNodeName"]
        case "Secret": fields += ["type"]
        case "Event": fields += ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                                 "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                                 "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"]
        case "Namespace": fields += ["status.phase"]
        case "Node": fields += ["spec.unschedulable"]
        case "ReplicaSet", "ReplicationController": fields += ["status.replicas"]
        case "Job": fields += ["status.successful"]
        default: break
        }
        return fields
    }

    /// Parses a selector; the error names the first field the kind does not support, as the server's does.
    static func parse(_ text: String, kind: String) -> Result<SimFieldSelector, Problem> {
        var selector = SimFieldSelector()
        let allowed = supported(kind: kind)
        for term in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !term.isEmpty {
            let (field, value, equal): (String, String, Bool)
            if let range = term.range(of: "!=") {
                (field, value, equal) = (String(term[..<range.lowerBound]), String(term[range.upperBound...]), false)
            } else if let range = term.range(of: "==") ?? term.range(of: "=") {
                (field, value, equal) = (String(term[..<range.lowerBound]), String(term[range.upperBound...]), true)
            } else {
                return .failure(Problem(message: "invalid selector: '\(text)'; can't understand '\(term)'"))
            }
            guard allowed.contains(field) else {
                return .failure(Problem(message: "field label not supported: \(field)"))
            }
            selector.requirements.append((field.split(separator: ".").map(String.init), value, equal))
        }
        return .success(selector)
    }

    func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { requirement in
            let held = object.value(at: requirement.path)
            let text = held?.stringValue ?? held?.boolValue.map { "\($0)" } ?? held?.intValue.map { "\($0)" } ?? ""
            return (text == requirement.value) == requirement.equal
        }
    }
}

struct SimLabelSelector {
    enum Requirement {
        case equals(String, String), notEquals(String, String), isIn(String, Set<String>), notIn(String, Set<String>)
        case exists(String), notExists(String)
    }

    var requirements: [Requirement] = []

    init(_ text: String) {
        var parts: [String] = []
        var depth = 0
        var current = ""
        for character in text {
            if character == "(" { depth += 1 } else if character == ")" { depth -= 1 }
            if character == "," && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        for part in parts.map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            func set(_ text: Substring) -> Set<String> {
                Set(text.trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: ",")
                    .map { $0.trimmingCharacters(in: .whitespaces) })
            }
            if let range = part.range(of: " notin ") {
                requirements.append(.notIn(String(part[..<range.lowerBound]), set(part[range.upperBound...])))
            } else if let range = part.range(of: " in ") {
                requirements.append(.isIn(String(part[..<range.lowerBound]), set(part[range.upperBound...])))
            } else if let range = part.range(of: "!=") {
                requirements.append(.notEquals(String(part[..<range.lowerBound]), String(part[range.upperBound...])))
            } else if let range = part.range(of: "==") ?? part.range(of: "=") {
                requirements.append(.equals(String(part[..<range.lowerBound]), String(part[range.upperBound...])))
            } else if part.hasPrefix("!") {
                requirements.append(.notExists(String(part.dropFirst())))
            } else {
                requirements.append(.exists(part))
            }
        }
    }

    func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): return labels[key] == value
            case .notEquals(let key, let value): return labels[key] != value
            case .isIn(let key, let values): return labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): return labels[key].map { !values.contains($0) } ?? true
            case .exists(let key): return labels[key] != nil
            case .notExists(let key): return labels[key] == nil
            }
        }
    }
}
