import FlotillaModel
import FlotillaPlacement

/// Strategic merge patch (`application/strategic-merge-patch+json`) as the API server applies it to the built-in
/// kinds: lists with a patch merge key are merged item by item (containers by name, ports by containerPort or port,
/// env by name, volumes by name, volumeMounts by mountPath ...), other lists are replaced; `$patch: delete` removes
/// an item, `$patch: replace` replaces the whole list or map; `$setElementOrder/<list>` and `$retainKeys` directives
/// are honoured or dropped; `null` deletes a field.
enum SimStrategicMerge {
    /// The merge key of a list field, given the field's name and its parent's path.
    static func mergeKey(field: String, path: [String]) -> String? {
        switch field {
        case "containers", "initContainers", "ephemeralContainers", "env", "volumes", "imagePullSecrets",
             "readinessGates", "resourceClaims":
            return field == "readinessGates" ? "conditionType" : "name"
        case "volumeMounts", "volumeDevices": return field == "volumeMounts" ? "mountPath" : "devicePath"
        case "ports":
            return path.contains { $0 == "containers" || $0 == "initContainers" || $0 == "ephemeralContainers" }
                ? "containerPort" : "port"
        case "conditions": return "type"
        case "hostAliases": return "ip"
        case "topologySpreadConstraints": return "topologyKey"
        default: return nil
        }
    }

    static func merge(_ target: JSONValue?, _ patch: JSONValue, path: [String] = []) -> JSONValue {
        guard case .object(var patchMembers) = patch else { return patch }
        if patchMembers["$patch"]?.stringValue == "replace" {
            patchMembers["$patch"] = nil
            return strip(.object(patchMembers))
        }
        var result = target?.objectValue ?? [:]
        var orders: [String: [JSONValue]] = [:]
        for (key, value) in patchMembers {
            if key.hasPrefix("$setElementOrder/") {
                orders[String(key.dropFirst("$setElementOrder/".count))] = value.arrayValue ?? []
                continue
            }
            if key.hasPrefix("$") { continue }  // $retainKeys, $patch on a map (handled above), unknown directives
            if value.isNull {
                result[key] = nil
            } else if case .object = value {
                result[key] = merge(result[key], value, path: path + [key])
            } else if case .array(let items) = value, let mergeKey = mergeKey(field: key, path: path) {
                result[key] = .array(mergeList(result[key]?.arrayValue ?? [], items, key: mergeKey, path: path + [key],
                                               order: orders[key]))
            } else {
                result[key] = strip(value)
            }
        }
        return .object(result)
    }

    static func mergeList(_ live: [JSONValue], _ patch: [JSONValue], key: String, path: [String],
                          order: [JSONValue]?) -> [JSONValue] {
        if patch.contains(where: { $0["$patch"]?.stringValue == "replace" }) {
            return patch.filter { $0["$patch"] == nil }.map(strip)
        }
        var result = live
        for item in patch {
            guard let identity = item[key] else { result.append(strip(item)); continue }
            let index = result.firstIndex { $0[key] == identity }
            if item["$patch"]?.stringValue == "delete" {
                if let index { result.remove(at: index) }
            } else if let index {
                result[index] = merge(result[index], item, path: path)
            } else {
                result.append(merge(nil, item, path: path))
            }
        }
        guard let order, !order.isEmpty else { return result }
        // Items named in the order come first, in that order; the rest keep theirs.
        let positions = Dictionary(order.enumerated().compactMap { offset, item in item[key].map { ($0, offset) } },
                                   uniquingKeysWith: { first, _ in first })
        return result.enumerated().sorted { left, right in
            let a = left.element[key].flatMap { positions[$0] } ?? Int.max
            let b = right.element[key].flatMap { positions[$0] } ?? Int.max
            return (a, left.offset) < (b, right.offset)
        }.map(\.element)
    }

    /// Removes directives from a value that is stored as it is.
    static func strip(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(members.filter { !$0.key.hasPrefix("$") }.mapValues(strip))
        case .array(let items):
            return .array(items.map(strip))
        default:
            return value
        }
    }
}

/// JSON patch (`application/json-patch+json`, RFC 6902): add, remove, replace, move, copy, test.
enum SimJSONPatch {
    struct Failure: Error { let message: String }

    static func apply(_ patch: JSONValue, to document: JSONValue) throws(Failure) -> JSONValue {
        guard let operations = patch.arrayValue else { throw Failure(message: "a JSON patch is a list of operations") }
        var result = document
        for (index, operation) in operations.enumerated() {
            guard let op = operation["op"]?.stringValue, let path = operation["path"]?.stringValue else {
                throw Failure(message: "operation \(index): op and path are required")
            }
            do throws(JSONPatchError) {
                switch op {
                case "add", "replace":
                    guard let value = operation["value"] else { throw JSONPatchError(path: path, reason: "value is required") }
                    result = try JSONPatch.apply([PatchOperation(op: op == "add" ? .add : .replace, path: path, value: value)],
                                                 to: result)
                case "remove":
                    result = try JSONPatch.apply([PatchOperation(op: .remove, path: path)], to: result)
                case "move", "copy":
                    guard let from = operation["from"]?.stringValue, let value = JSONPatch.value(at: from, in: result) else {
                        throw JSONPatchError(path: path, reason: "from does not name a value")
                    }
                    if op == "move" { result = try JSONPatch.apply([PatchOperation(op: .remove, path: from)], to: result) }
                    result = try JSONPatch.apply([PatchOperation(op: .add, path: path, value: value)], to: result)
                case "test":
                    guard JSONPatch.value(at: path, in: result) == operation["value"] else {
                        throw JSONPatchError(path: path, reason: "the test operation failed")
                    }
                default:
                    throw JSONPatchError(path: path, reason: "unknown op \"\(op)\"")
                }
            } catch {
                throw Failure(message: "operation \(index) (\(op) \(path)): \(error)")
            }
        }
        return result
    }
}
