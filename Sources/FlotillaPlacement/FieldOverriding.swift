import FlotillaModel
import Foundation
import Yams

/// fieldOverrider: patches a JSON or YAML document held in a string field (`/data/config.yaml`) and writes it back
/// the way Karmada does — compact JSON, or YAML with 2-space indent and sorted keys.
enum FieldOverriding {
    static func apply(_ overrider: FieldOverrider, to object: JSONValue) throws(JSONPatchError) -> JSONValue {
        guard let text = JSONPatch.value(at: overrider.fieldPath, in: object)?.stringValue else {
            throw JSONPatchError(path: overrider.fieldPath, reason: "no string at this path")
        }
        let isYAML = overrider.yaml != nil
        let document: JSONValue
        if isYAML {
            guard let parsed = try? YAMLDocumentReader.read(text, file: overrider.fieldPath).first?.value else {
                throw JSONPatchError(path: overrider.fieldPath, reason: "the field does not hold YAML")
            }
            document = parsed
        } else {
            guard let data = text.data(using: .utf8),
                  let parsed = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
                throw JSONPatchError(path: overrider.fieldPath, reason: "the field does not hold JSON")
            }
            document = JSONValue(foundation: parsed)
        }
        let operations: [PatchOperation] = isYAML
            ? (overrider.yaml ?? []).map { patch($0.subPath, $0.operator, $0.value) }
            : (overrider.json ?? []).map { patch($0.subPath, $0.operator, $0.value) }
        let patched = try JSONPatch.apply(operations, to: document)
        let rendered: String
        if isYAML {
            guard let yaml = try? Yams.dump(object: patched.foundationObject, indent: 2, width: -1, allowUnicode: true,
                                            sortKeys: true) else {
                throw JSONPatchError(path: overrider.fieldPath, reason: "cannot write the patched YAML")
            }
            rendered = yaml
        } else {
            rendered = patched.canonicalJSON()
        }
        return try JSONPatch.apply([PatchOperation(op: .replace, path: overrider.fieldPath, value: .string(rendered))],
                                   to: object)
    }

    private static func patch(_ path: String, _ op: OverriderOperator, _ value: JSONValue?) -> PatchOperation {
        let kind: PatchOperation.Op = op == .add ? .add : op == .remove ? .remove : .replace
        return PatchOperation(op: kind, path: path, value: kind == .remove ? nil : value)
    }
}

extension JSONValue {
    /// The value as Foundation objects (for emitters that take them).
    public var foundationObject: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let flag): return flag
        case .int(let number): return Int(number)
        case .double(let number): return number
        case .string(let text): return text
        case .array(let elements): return elements.map(\.foundationObject)
        case .object(let members): return members.mapValues(\.foundationObject)
        }
    }
}
