import Foundation
import Synchronization

/// Decodes a part of a document into a typed Karmada value, rejecting fields the type does not define.
///
/// Decoding goes through `JSONDecoder`; unknown fields are then found by encoding the value again and comparing
/// the member names of the two trees, so every type gets strictness without hand-written coding keys.
/// Several manifest errors at once.
struct ManifestErrors: Error {
    var all: [ManifestError]
}

enum StrictDecoder {
    /// Values decoded without error, by type and canonical JSON: a daemon decodes the same policies on every
    /// commit, and decoding (then re-encoding to find unknown fields) costs far more than this lookup.
    private static let decoded = Mutex<[String: any Sendable]>([:])
    private static let cacheLimit = 50_000

    static func decode<T: Codable & Sendable>(_ type: T.Type, from value: JSONValue, at path: String, kind: String,
                                              document: ParsedDocument) -> Result<T, ManifestErrors> {
        let text = value.canonicalJSON()
        let cacheKey = "\(T.self)\u{0}\(text)"
        if let known = decoded.withLock({ $0[cacheKey] }) as? T { return .success(known) }
        let result = decodeUncached(type, from: value, text: text, at: path, kind: kind, document: document)
        if case .success(let value) = result {
            decoded.withLock { cache in
                if cache.count >= cacheLimit { cache.removeAll() }
                cache[cacheKey] = value
            }
        }
        return result
    }

    private static func decodeUncached<T: Codable>(_ type: T.Type, from value: JSONValue, text: String, at path: String,
                                                   kind: String, document: ParsedDocument) -> Result<T, ManifestErrors> {
        let decoded: T
        do {
            decoded = try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch let error as DecodingError {
            return .failure(ManifestErrors(all: [manifestError(error, base: path, kind: kind, document: document)]))
        } catch {
            return .failure(ManifestErrors(all: [.invalidValue(document.location(ofField: path), kind: kind,
                                                              field: path, message: "\(error)")]))
        }
        guard let encoded = try? JSONEncoder().encode(decoded),
              let foundation = try? JSONSerialization.jsonObject(with: encoded, options: [.fragmentsAllowed])
        else {
            return .success(decoded)
        }
        var unknown: [String] = []
        collectUnknownFields(original: value, known: JSONValue(foundation: foundation), path: path, into: &unknown)
        if unknown.isEmpty { return .success(decoded) }
        return .failure(ManifestErrors(all: unknown.sorted().map { field in
            ManifestError.unknownField(document.location(ofField: field), kind: kind, field: field)
        }))
    }

    private static func collectUnknownFields(original: JSONValue, known: JSONValue, path: String,
                                             into unknown: inout [String]) {
        switch (original, known) {
        case (.object(let members), .object(let knownMembers)):
            for (key, member) in members {
                let child = path.isEmpty ? key : "\(path).\(key)"
                if let knownMember = knownMembers[key] {
                    collectUnknownFields(original: member, known: knownMember, path: child, into: &unknown)
                } else if !member.isNull {
                    unknown.append(child)
                }
            }
        case (.array(let elements), .array(let knownElements)):
            for (index, element) in elements.enumerated() where index < knownElements.count {
                collectUnknownFields(original: element, known: knownElements[index], path: "\(path)[\(index)]",
                                     into: &unknown)
            }
        default:
            break
        }
    }

    private static func manifestError(_ error: DecodingError, base: String, kind: String,
                                      document: ParsedDocument) -> ManifestError {
        func fieldPath(_ codingPath: [any CodingKey], _ extra: (any CodingKey)? = nil) -> String {
            var path = base
            for key in codingPath + (extra.map { [$0] } ?? []) {
                if let index = key.intValue {
                    path += "[\(index)]"
                } else {
                    path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return path
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = fieldPath(context.codingPath, key)
            return .missingField(document.location(ofField: fieldPath(context.codingPath)), kind: kind,
                                 field: field)
        case .typeMismatch(let type, let context):
            let field = fieldPath(context.codingPath)
            return .invalidValue(document.location(ofField: field), kind: kind, field: field,
                                 message: "expected \(describe(type))")
        case .valueNotFound(let type, let context):
            let field = fieldPath(context.codingPath)
            return .invalidValue(document.location(ofField: field), kind: kind, field: field,
                                 message: "expected \(describe(type)), found null")
        case .dataCorrupted(let context):
            let field = fieldPath(context.codingPath)
            return .invalidValue(document.location(ofField: field), kind: kind, field: field,
                                 message: context.debugDescription)
        @unknown default:
            return .invalidValue(document.location, kind: kind, field: base, message: "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if name.hasPrefix("Int") || name.hasPrefix("UInt") { return "an integer" }
        if name == "Double" || name == "Float" { return "a number" }
        if name == "Bool" { return "a boolean" }
        if name == "String" { return "a string" }
        if name.hasPrefix("Array") || name.hasPrefix("[") { return "a list" }
        if name.hasPrefix("Dictionary") { return "an object" }
        return "an object"
    }
}
