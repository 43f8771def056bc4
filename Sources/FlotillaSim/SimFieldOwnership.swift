import FlotillaModel
import Foundation

/// Field ownership for server-side apply (KUBE-API.md section 6). Lists with a merge key for the built-in kinds
/// (containers and env by name, ports by containerPort or port, volumeMounts by mountPath ...) are maps of items:
/// each item's fields are owned on their own (`k:{"name":"web"}` in `fieldsV1`); other lists are atomic.
struct SimFieldManager: Sendable, Equatable {
    var name: String
    /// `Apply` or `Update`.
    var operation: String
    var apiVersion: String
    var subresource: String?
    var fields: Set<String>
    var time: String

    /// How Status messages name the manager: an Update manager adds ` using <apiVersion>`.
    var printed: String {
        var text = "\"\(name)\""
        if let subresource { text += " with subresource \"\(subresource)\"" }
        if operation == "Update" { text += " using \(apiVersion)" }
        return text
    }
}

enum SimFieldOwnership {
    /// Separates path elements internally: keys may hold dots (`app.kubernetes.io/name`).
    static let separator = "\u{1F}"

    static func path(_ keys: String...) -> String { keys.map { separator + $0 }.joined() }

    /// A path as Status messages print it (`.spec.replicas`, `.spec.template.spec.containers[name="web"].image`).
    static func printed(_ path: String) -> String {
        elements(path).map { element -> String in
            guard let key = itemKey(element) else { return "." + element }
            let value = key.value.stringValue.map { "\"\($0)\"" } ?? key.value.canonicalJSON()
            return "[\(key.name)=\(value)]"
        }.joined()
    }

    static func elements(_ path: String) -> [String] {
        path.utf8.split(separator: 0x1F).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The key of a list item element (`k:{"name":"web"}`), or nil for an object key.
    static func itemKey(_ element: String) -> (name: String, value: JSONValue)? {
        guard element.hasPrefix("k:{"), let data = element.dropFirst(2).data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any],
              object.count == 1, let (name, value) = object.first else { return nil }
        return (name, JSONValue(foundation: value))
    }

    static func itemElement(_ name: String, _ value: JSONValue) -> String {
        "k:" + JSONValue.object([name: value]).canonicalJSON()
    }

    /// Fields no manager owns: identity, server-set metadata and status.
    static let excluded: Set<String> = [
        path("apiVersion"), path("kind"), path("metadata", "name"), path("metadata", "namespace"),
        path("metadata", "resourceVersion"), path("metadata", "uid"), path("metadata", "creationTimestamp"),
        path("metadata", "generation"), path("metadata", "managedFields"), path("status"),
    ]

    /// The leaf fields of an object; lists with a merge key contribute their items' fields, other lists are leaves.
    static func fields(_ value: JSONValue, prefix: String = "", names: [String] = []) -> Set<String> {
        guard case .object(let members) = value else { return prefix.isEmpty ? [] : [prefix] }
        var result: Set<String> = []
        for (key, member) in members {
            let path = prefix + separator + key
            if excluded.contains(path) { continue }
            if case .object(let inner) = member, !inner.isEmpty {
                result.formUnion(fields(member, prefix: path, names: names + [key]))
            } else if case .array(let items) = member, !items.isEmpty,
                      let mergeKey = SimStrategicMerge.mergeKey(field: key, path: names),
                      items.allSatisfy({ $0[mergeKey] != nil }) {
                for item in items {
                    let itemPath = path + separator + itemElement(mergeKey, item[mergeKey]!)
                    result.formUnion(fields(item, prefix: itemPath, names: names + [key]))
                }
            } else {
                result.insert(path)
            }
        }
        return result
    }

    static func value(_ object: JSONValue, at path: String) -> JSONValue? {
        var current: JSONValue? = object
        for element in elements(path) {
            guard let node = current else { return nil }
            if let key = itemKey(element) {
                current = node.arrayValue?.first { $0[key.name] == key.value }
            } else {
                current = node[element]
            }
        }
        return current
    }

    /// Removes a field; a list item left with no fields goes too.
    static func removing(_ path: String, from object: JSONValue) -> JSONValue {
        let keys = elements(path)
        func remove(_ value: JSONValue, _ remaining: ArraySlice<String>) -> JSONValue {
            guard let head = remaining.first else { return value }
            let rest = remaining.dropFirst()
            if let key = itemKey(head), case .array(var items) = value,
               let index = items.firstIndex(where: { $0[key.name] == key.value }) {
                if rest.isEmpty {
                    items.remove(at: index)
                } else {
                    let updated = remove(items[index], rest)
                    if updated.objectValue?.isEmpty == true { items.remove(at: index) } else { items[index] = updated }
                }
                return .array(items)
            }
            guard case .object(var members) = value else { return value }
            if rest.isEmpty {
                members[head] = nil
            } else if let child = members[head] {
                members[head] = remove(child, rest)
            }
            return .object(members)
        }
        return remove(object, keys[...])
    }

    /// `metadata.managedFields` as the real server writes it (`fieldsV1` with `f:` keys, `k:` list items).
    static func render(_ managers: [SimFieldManager]) -> JSONValue {
        .array(managers.map { manager in
            var tree: [String: JSONValue] = [:]
            func insert(_ dictionary: inout [String: JSONValue], _ keys: ArraySlice<String>) {
                guard let head = keys.first else { return }
                var child = dictionary.removeValue(forKey: head)?.objectValue ?? [:]
                insert(&child, keys.dropFirst())
                dictionary[head] = .object(child)
            }
            for field in manager.fields {
                let keys = elements(field).map { $0.hasPrefix("k:{") ? $0 : "f:\($0)" }
                insert(&tree, keys[...])
            }
            var entry: [String: JSONValue] = ["manager": .string(manager.name), "operation": .string(manager.operation),
                                              "apiVersion": .string(manager.apiVersion), "time": .string(manager.time),
                                              "fieldsType": .string("FieldsV1"), "fieldsV1": .object(tree)]
            if let subresource = manager.subresource { entry["subresource"] = .string(subresource) }
            return .object(entry)
        })
    }

    /// Reads `metadata.managedFields` written by a client back into managers.
    static func parse(_ value: JSONValue) -> [SimFieldManager] {
        (value.arrayValue ?? []).compactMap { entry in
            guard let name = entry["manager"]?.stringValue else { return nil }
            var fields: Set<String> = []
            func walk(_ node: JSONValue, _ prefix: String) {
                let members = node.objectValue ?? [:]
                if members.isEmpty, !prefix.isEmpty { fields.insert(prefix) }
                for (key, child) in members where key.hasPrefix("f:") || key.hasPrefix("k:{") {
                    walk(child, prefix + separator + (key.hasPrefix("f:") ? String(key.dropFirst(2)) : key))
                }
            }
            walk(entry["fieldsV1"] ?? .object([:]), "")
            return SimFieldManager(name: name, operation: entry["operation"]?.stringValue ?? "Update",
                                   apiVersion: entry["apiVersion"]?.stringValue ?? "",
                                   subresource: entry["subresource"]?.stringValue, fields: fields,
                                   time: entry["time"]?.stringValue ?? "")
        }
    }

    /// An Update (create, PUT, non-apply PATCH) by `manager`: it gains every field it added or changed; removed
    /// fields leave every manager; empty managers are dropped.
    static func update(_ managers: [SimFieldManager], before: JSONValue?, after: JSONValue, manager: String,
                       apiVersion: String, subresource: String? = nil, now: String) -> [SimFieldManager] {
        let old = before.map { fields($0) } ?? []
        let new = fields(after)
        let changed = new.filter { field in before == nil || value(before!, at: field) != value(after, at: field) }
        let removed = old.subtracting(new)
        var result = managers.map { entry -> SimFieldManager in
            var copy = entry
            copy.fields.subtract(changed)
            copy.fields.subtract(removed)
            return copy
        }
        if !changed.isEmpty {
            if let index = result.firstIndex(where: { $0.name == manager && $0.operation == "Update" && $0.subresource == subresource }) {
                result[index].fields.formUnion(changed)
                result[index].time = now
            } else {
                result.append(SimFieldManager(name: manager, operation: "Update", apiVersion: apiVersion,
                                              subresource: subresource, fields: changed, time: now))
            }
        }
        return result.filter { !$0.fields.isEmpty }
    }

    /// The outcome of an apply.
    enum ApplyOutcome {
        case applied(object: JSONValue, managers: [SimFieldManager])
        case conflicts(message: String, causes: [JSONValue])
    }

    /// A server-side apply by `manager` of `config` onto `live` (nil when creating).
    static func apply(_ config: JSONValue, live: JSONValue?, managers: [SimFieldManager], manager: String,
                      apiVersion: String, force: Bool, now: String) -> ApplyOutcome {
        let applied = fields(config)
        // Lists with merge keys merge item by item, as the server's structured merge does.
        let merged = live.map { SimStrategicMerge.merge($0, config) } ?? SimStrategicMerge.strip(config)
        // On creation every applied field is a change.
        let changed = live.map { live in applied.filter { field in value(live, at: field) != value(config, at: field) } }
            ?? applied
        var conflicts: [(manager: SimFieldManager, field: String)] = []
        for other in managers where !(other.name == manager && other.operation == "Apply") {
            for field in other.fields.intersection(changed).sorted() { conflicts.append((other, field)) }
        }
        if !conflicts.isEmpty && !force {
            let grouped = Dictionary(grouping: conflicts) { $0.manager.printed }
            let parts = grouped.keys.sorted().map { printed -> String in
                let fields = grouped[printed]!.map(\.field)
                return fields.count == 1 ? "conflict with \(printed): \(Self.printed(fields[0]))"
                    : "conflicts with \(printed):\n" + fields.map { "- \(Self.printed($0))" }.joined(separator: "\n")
            }
            let count = conflicts.count
            let message = "Apply failed with \(count) conflict\(count == 1 ? "" : "s"): " + parts.joined(separator: "\n")
            let causes = conflicts.map { conflict -> JSONValue in
                .object(["reason": .string("FieldManagerConflict"), "message": .string("conflict with \(conflict.manager.printed)"),
                         "field": .string(Self.printed(conflict.field))])
            }
            return .conflicts(message: message, causes: causes)
        }
        var result = managers
        if force {
            result = result.map { entry in
                var copy = entry
                if !(entry.name == manager && entry.operation == "Apply") { copy.fields.subtract(changed) }
                return copy
            }
        }
        var object = merged
        let previouslyOwned = result.first { $0.name == manager && $0.operation == "Apply" }?.fields ?? []
        let ownedByOthers = result.filter { !($0.name == manager && $0.operation == "Apply") }
            .reduce(into: Set<String>()) { $0.formUnion($1.fields) }
        for field in previouslyOwned.subtracting(applied).subtracting(ownedByOthers).sorted() {
            object = removing(field, from: object)
        }
        result.removeAll { $0.name == manager && $0.operation == "Apply" }
        result.append(SimFieldManager(name: manager, operation: "Apply", apiVersion: apiVersion, subresource: nil,
                                      fields: applied, time: now))
        return .applied(object: object, managers: result.filter { !$0.fields.isEmpty })
    }
}
