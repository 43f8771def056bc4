import Foundation

/// A JSON-like value that keeps every field of a Kubernetes object, for any kind, including CRDs.
///
/// Object keys are kept in a dictionary; everything that emits a `JSONValue` sorts keys first, so output never
/// depends on dictionary order.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The members of an object, or nil for any other value.
    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements of an array, or nil for any other value.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The string, or nil for any other value.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The integer, or nil for any other value (a double with an integral value counts).
    public var intValue: Int64? {
        switch self {
        case .int(let number): return number
        case .double(let number) where number.rounded() == number && abs(number) < 9.0e18: return Int64(number)
        default: return nil
        }
    }

    /// The boolean, or nil for any other value.
    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// The member `key` of an object; nil when absent or when this is not an object.
    public subscript(key: String) -> JSONValue? {
        get { objectValue?[key] }
        set {
            guard case .object(var members) = self else { return }
            members[key] = newValue
            self = .object(members)
        }
    }

    /// Follows a path of object keys; nil as soon as one is missing.
    public func value(at path: [String]) -> JSONValue? {
        var current: JSONValue? = self
        for key in path {
            current = current?[key]
        }
        return current
    }
}

extension JSONValue {
    /// Converts a Foundation JSON object (from `JSONSerialization`) into a `JSONValue`.
    public init(foundation value: Any) {
        // Containers and strings first: on Linux `JSONSerialization` gives native Swift dictionaries, arrays and
        // strings, and testing one of those against a class (`NSNumber`, `NSNull`) bridges it, contents and all,
        // to Objective-C first — which made decoding quadratic in nesting depth.
        if let members = value as? [String: Any] {
            var converted: [String: JSONValue] = [:]
            converted.reserveCapacity(members.count)
            for (key, member) in members { converted[key] = JSONValue(foundation: member) }
            self = .object(converted)
        } else if let elements = value as? [Any] {
            self = .array(elements.map { JSONValue(foundation: $0) })
        } else if let text = value as? String {
            self = .string(text)
        } else if let number = value as? NSNumber {
            let objCType = String(cString: number.objCType)
            if objCType == "c" || objCType == "B" || String(describing: type(of: number)).contains("Boolean") {
                self = .bool(number.boolValue)
            } else if objCType != "d" && objCType != "f", let exact = Int64(exactly: number) {
                self = .int(exact)
            } else {
                self = .double(number.doubleValue)
            }
        } else if value is NSNull {
            self = .null
        } else if let flag = value as? Bool {
            self = .bool(flag)
        } else {
            self = .string(String(describing: value))
        }
    }

    /// This value, with every part equal to the same part of `other` taken from `other`: equal, but holding
    /// `other`'s storage there instead of a copy. A daemon keeping both what it applied and what the cluster
    /// returned keeps most of each object once.
    public func sharingStorage(with other: JSONValue?) -> JSONValue {
        guard let other else { return self }
        switch (self, other) {
        case (.object(let members), .object(let otherMembers)):
            var shared = members
            for (key, member) in members {
                guard let otherMember = otherMembers[key] else { continue }
                shared[key] = member == otherMember ? otherMember : member.sharingStorage(with: otherMember)
            }
            return .object(shared)
        case (.array(let elements), .array(let otherElements)) where elements.count == otherElements.count:
            return .array(zip(elements, otherElements).map { $0 == $1 ? $1 : $0.sharingStorage(with: $1) })
        default:
            return self == other ? other : self
        }
    }

    /// Compact JSON with keys sorted: the same value always gives the same bytes.
    public func canonicalJSON() -> String {
        var output = ""
        writeJSON(into: &output, indent: nil, level: 0)
        return output
    }

    /// Indented JSON (2 spaces) with keys sorted.
    public func prettyJSON() -> String {
        var output = ""
        writeJSON(into: &output, indent: "  ", level: 0)
        return output
    }

    private func writeJSON(into output: inout String, indent: String?, level: Int) {
        switch self {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .int(let number): output += String(number)
        case .double(let number):
            if number.isFinite {
                output += number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
            } else {
                output += "null"
            }
        case .string(let text): output += JSONValue.quoted(text)
        case .array(let elements):
            if elements.isEmpty { output += "[]"; return }
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                JSONValue.newline(into: &output, indent: indent, level: level + 1)
                element.writeJSON(into: &output, indent: indent, level: level + 1)
            }
            JSONValue.newline(into: &output, indent: indent, level: level)
            output += "]"
        case .object(let members):
            if members.isEmpty { output += "{}"; return }
            output += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                JSONValue.newline(into: &output, indent: indent, level: level + 1)
                output += JSONValue.quoted(key)
                output += indent == nil ? ":" : ": "
                members[key]!.writeJSON(into: &output, indent: indent, level: level + 1)
            }
            JSONValue.newline(into: &output, indent: indent, level: level)
            output += "}"
        }
    }

    private static func newline(into output: inout String, indent: String?, level: Int) {
        guard let indent else { return }
        output += "\n"
        output += String(repeating: indent, count: level)
    }

    /// A JSON string literal for `text`.
    public static func quoted(_ text: String) -> String {
        // Most strings need no escaping: copied whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { return "\"" + text + "\"" }
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                output += String(format: "\\u%04x", scalar.value)
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}
