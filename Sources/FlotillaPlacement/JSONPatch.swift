import FlotillaModel

/// One RFC 6902 operation (add, remove, replace) with an RFC 6901 path.
public struct PatchOperation: Sendable, Hashable {
    public enum Op: String, Sendable, Hashable {
        case add, remove, replace
    }

    public var op: Op
    public var path: String
    public var value: JSONValue?

    public init(op: Op, path: String, value: JSONValue? = nil) {
        self.op = op
        self.path = path
        self.value = value
    }

    /// The operation as JSON (`{"op": ..., "path": ..., "value": ...}`).
    public var json: JSONValue {
        var members: [String: JSONValue] = ["op": .string(op.rawValue), "path": .string(path)]
        if let value { members["value"] = value }
        return .object(members)
    }
}

/// Why a JSON patch could not be applied.
public struct JSONPatchError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// RFC 6902 patching of a `JSONValue` (the subset Karmada's overriders emit: add, remove, replace).
public enum JSONPatch {
    /// Splits an RFC 6901 pointer into unescaped tokens.
    public static func tokens(_ pointer: String) throws(JSONPatchError) -> [String] {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else { throw JSONPatchError(path: pointer, reason: "a path must start with /") }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { token in
            guard token.contains("~") else { return String(token) }
            return token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    /// Escapes one token for use in a pointer.
    public static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// Applies operations in order; any failure fails the whole patch (the document is then unchanged).
    public static func apply(_ operations: [PatchOperation], to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        var result = document
        for operation in operations {
            let path = try tokens(operation.path)
            if operation.op != .remove && operation.value == nil {
                throw JSONPatchError(path: operation.path, reason: "\(operation.op.rawValue) needs a value")
            }
            try apply(operation, path: path[...], to: &result, fullPath: operation.path)
        }
        return result
    }

    private static func apply(_ operation: PatchOperation, path: ArraySlice<String>, to value: inout JSONValue,
                              fullPath: String) throws(JSONPatchError) {
        guard let token = path.first else {
            switch operation.op {
            case .add, .replace: value = operation.value ?? .null
            case .remove: throw JSONPatchError(path: fullPath, reason: "cannot remove the whole document")
            }
            return
        }
        let last = path.count == 1
        switch value {
        case .object(var members):
            if last {
                switch operation.op {
                case .add:
                    members[token] = operation.value
                case .replace:
                    guard members[token] != nil else { throw JSONPatchError(path: fullPath, reason: "path not found") }
                    members[token] = operation.value
                case .remove:
                    guard members.removeValue(forKey: token) != nil else {
                        throw JSONPatchError(path: fullPath, reason: "path not found")
                    }
                }
            } else {
                guard var child = members[token] else { throw JSONPatchError(path: fullPath, reason: "path not found") }
                try apply(operation, path: path.dropFirst(), to: &child, fullPath: fullPath)
                members[token] = child
            }
            value = .object(members)
        case .array(var elements):
            // As Karmada's json-patch (v5, negative indices on; KARMADA.md H.O1): a token is read as Go's Atoi
            // reads it ("+1", "01"); a negative one counts from the end: -1 is the last element, or for an add,
            // the position after it.
            let index: Int
            let count = elements.count
            let adding = last && operation.op == .add
            if token == "-" && adding {
                index = count
            } else if let parsed = Int(token), token.count <= 19 {
                let upper = adding ? count : count - 1
                let lower = adding ? -(count + 1) : -count
                guard parsed >= lower, parsed <= upper else {
                    throw JSONPatchError(path: fullPath, reason: "index \(token) out of range")
                }
                index = parsed < 0 ? parsed + (adding ? count + 1 : count) : parsed
            } else {
                throw JSONPatchError(path: fullPath, reason: "index \(token) out of range")
            }
            if last {
                switch operation.op {
                case .add: elements.insert(operation.value ?? .null, at: index)
                case .replace: elements[index] = operation.value ?? .null
                case .remove: elements.remove(at: index)
                }
            } else {
                try apply(operation, path: path.dropFirst(), to: &elements[index], fullPath: fullPath)
            }
            value = .array(elements)
        default:
            throw JSONPatchError(path: fullPath, reason: "path not found")
        }
    }

    /// The value at a pointer, or nil.
    public static func value(at pointer: String, in document: JSONValue) -> JSONValue? {
        guard let path = try? tokens(pointer) else { return nil }
        var current: JSONValue? = document
        for token in path {
            switch current {
            case .object(let members)?: current = members[token]
            case .array(let elements)?:
                guard let index = Int(token), index >= 0, index < elements.count else { return nil }
                current = elements[index]
            default: return nil
            }
        }
        return current
    }
}
