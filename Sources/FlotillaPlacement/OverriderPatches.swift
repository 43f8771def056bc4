import FlotillaModel

/// The JSON patches each overrider produces for one object, as Karmada builds them
/// (`pkg/util/overridemanager/*`).
public enum OverriderPatches {
    /// Where a kind keeps its containers; nil for kinds the image, command and args overriders leave alone.
    static func containersPath(kind: String) -> String? {
        switch kind {
        case "Pod": return "/spec/containers"
        case "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job": return "/spec/template/spec/containers"
        default: return nil
        }
    }

    /// imageOverrider: one `replace` per container image (never initContainers), or one at the predicate path.
    public static func image(_ overrider: ImageOverrider, object: JSONValue, kind: String) throws(JSONPatchError) -> [PatchOperation] {
        var paths: [String] = []
        if let predicate = overrider.predicate {
            paths = [predicate.path]
        } else if let base = containersPath(kind: kind) {
            let containers = JSONPatch.value(at: base, in: object)?.arrayValue ?? []
            paths = containers.indices.map { "\(base)/\($0)/image" }
        }
        return try paths.map { path throws(JSONPatchError) -> PatchOperation in
            guard let current = JSONPatch.value(at: path, in: object)?.stringValue else {
                throw JSONPatchError(path: path, reason: "no image string at this path")
            }
            // The current image must parse (the result is not checked: a later overrider reading it fails).
            if let problem = ImageReference.parseProblem(current) {
                throw JSONPatchError(path: path, reason: "failed to parse image value(\(current)), error: \(problem)")
            }
            return PatchOperation(op: .replace, path: path,
                                  value: .string(overrideImage(current, overrider).description))
        }
    }

    /// The image after one imageOverrider edit.
    public static func overrideImage(_ image: String, _ overrider: ImageOverrider) -> ImageReference {
        var reference = ImageReference(parsing: image)
        let value = overrider.value ?? ""
        switch (overrider.component, overrider.operator) {
        case (.registry, .add): reference.hostname += value
        case (.registry, .replace): reference.hostname = value
        case (.registry, .remove): reference.hostname = ""
        case (.repository, .add): reference.repository += value
        case (.repository, .replace): reference.repository = value
        case (.repository, .remove): reference.repository = ""
        case (.tag, .add): reference.setTagOrDigest(reference.tagOrDigest + value)
        case (.tag, .replace): reference.setTagOrDigest(value)
        case (.tag, .remove): reference.removeTagOrDigest()
        }
        return reference
    }

    /// commandOverrider / argsOverrider: for every container of that name, the complete new list — `add` appends,
    /// `remove` drops every element equal to a listed value; `add` op when the field is absent, else `replace`.
    public static func commandOrArgs(_ overrider: CommandArgsOverrider, field: String, object: JSONValue,
                                     kind: String) -> [PatchOperation] {
        guard let base = containersPath(kind: kind),
              let containers = JSONPatch.value(at: base, in: object)?.arrayValue else { return [] }
        var patches: [PatchOperation] = []
        for (index, container) in containers.enumerated() where container["name"]?.stringValue == overrider.containerName {
            let existing = container[field]?.arrayValue
            let current = (existing ?? []).compactMap(\.stringValue)
            let values = overrider.value ?? []
            let updated: [String]
            switch overrider.operator {
            case .add: updated = current + values
            case .remove: updated = current.filter { !values.contains($0) }
            case .replace: updated = current
            }
            patches.append(PatchOperation(op: existing == nil ? .add : .replace, path: "\(base)/\(index)/\(field)",
                                          value: .array(updated.map(JSONValue.string))))
        }
        return patches
    }

    /// labelsOverrider / annotationsOverrider applied to a metadata map: `add` creates or overwrites; `replace`
    /// and `remove` touch only keys that exist (the value of `remove` is ignored). Keys go in sorted order.
    public static func applyMap(_ overriders: [LabelAnnotationOverrider], to map: [String: String]) -> [String: String] {
        var result = map
        for overrider in overriders {
            let values = overrider.value ?? [:]
            for key in values.keys.sorted() {
                switch overrider.operator {
                case .add: result[key] = values[key]
                case .replace: if result[key] != nil { result[key] = values[key] }
                case .remove: result[key] = nil
                }
            }
        }
        return result
    }

    /// plaintext: each entry verbatim as one operation of a single patch.
    public static func plaintext(_ overriders: [PlaintextOverrider]) -> [PatchOperation] {
        overriders.map { overrider in
            let op: PatchOperation.Op
            switch overrider.operator {
            case .add: op = .add
            case .remove: op = .remove
            case .replace: op = .replace
            }
            // An add or replace without a value writes JSON null, as Karmada serialises it.
            return PatchOperation(op: op, path: overrider.path, value: op == .remove ? nil : (overrider.value ?? .null))
        }
    }
}
