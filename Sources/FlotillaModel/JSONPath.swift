import Foundation

/// The kubectl JSONPath template subset that Karmada's `statePreservation` rules use: text with `{expression}`
/// parts, each a path of `.field`, `['field']`, `[index]` (negative from the end) and `[*]` / `.*` steps, with `@`
/// or `$` for the root. Like Karmada's (client-go's `jsonpath` with missing keys not allowed), a path that reaches
/// nothing is an error, and several results are joined by spaces. Filters, ranges and recursive descent are refused
/// as unsupported rather than guessed.
public struct JSONPath: Sendable, Hashable {
    /// What went wrong evaluating a template.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    enum Step: Sendable, Hashable {
        case field(String)
        case index(Int)
        case all
    }

    enum Part: Sendable, Hashable {
        case text(String)
        case path([Step])
    }

    let parts: [Part]
    /// The template as written.
    public let template: String

    /// Parses a template such as `{.status.latestCheckpoint}`.
    public init(_ template: String) throws(Failure) {
        self.template = template
        var parts: [Part] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            if open > rest.startIndex { parts.append(.text(String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw Failure(description: "unclosed action in JSONPath \(template)")
            }
            parts.append(.path(try Self.steps(rest[rest.index(after: open)..<close], template: template)))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    /// The template's text with each path's values (strings as they are, numbers and booleans as written, objects
    /// and arrays as JSON).
    public func evaluate(_ root: JSONValue) throws(Failure) -> String {
        var output = ""
        for part in parts {
            switch part {
            case .text(let text): output += text
            case .path(let steps):
                var current = [root]
                for step in steps { current = try Self.apply(step, to: current, template: template) }
                output += current.map(Self.text).joined(separator: " ")
            }
        }
        return output
    }

    static func apply(_ step: Step, to values: [JSONValue], template: String) throws(Failure) -> [JSONValue] {
        var result: [JSONValue] = []
        for value in values {
            switch (step, value) {
            case (.field(let name), .object(let object)):
                guard let found = object[name] else { throw Failure(description: "\(name) is not found") }
                result.append(found)
            case (.index(let index), .array(let array)):
                let position = index < 0 ? array.count + index : index
                guard array.indices.contains(position) else {
                    throw Failure(description: "array index out of bounds: index \(index), length \(array.count)")
                }
                result.append(array[position])
            case (.all, .array(let array)):
                result += array
            case (.all, .object(let object)):
                result += object.keys.sorted().map { object[$0]! }
            case (.field(let name), _):
                throw Failure(description: "\(name) is not found (not an object)")
            default:
                throw Failure(description: "cannot index a non-array in JSONPath \(template)")
            }
        }
        return result
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let string): string
        case .int(let int): String(int)
        case .double(let double): double == double.rounded() && abs(double) < 1e15 ? String(Int64(double)) : String(double)
        case .bool(let bool): bool ? "true" : "false"
        case .null: "<nil>"
        case .array, .object: value.canonicalJSON()
        }
    }

    static func steps(_ expression: Substring, template: String) throws(Failure) -> [Step] {
        var text = expression.trimmingCharacters(in: .whitespaces)[...]
        if text.hasPrefix("@") || text.hasPrefix("$") { text = text.dropFirst() }
        var steps: [Step] = []
        while let first = text.first {
            if text.hasPrefix("..") {
                throw Failure(description: "recursive descent is not supported in JSONPath \(template)")
            }
            if first == "." {
                text = text.dropFirst()
                let end = text.firstIndex { $0 == "." || $0 == "[" } ?? text.endIndex
                let name = String(text[..<end])
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "_-/".contains($0) || $0 == "*" })
                else { throw Failure(description: "invalid field name \"\(name)\" in JSONPath \(template)") }
                steps.append(name == "*" ? .all : .field(name))
                text = text[end...]
            } else if first == "[" {
                guard let close = text.firstIndex(of: "]") else {
                    throw Failure(description: "unterminated [ in JSONPath \(template)")
                }
                let inner = text[text.index(after: text.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                if inner == "*" {
                    steps.append(.all)
                } else if let index = Int(inner) {
                    steps.append(.index(index))
                } else if inner.count >= 2, let quote = inner.first, quote == "'" || quote == "\"", inner.last == quote {
                    steps.append(.field(String(inner.dropFirst().dropLast())))
                } else {
                    throw Failure(description: "unsupported subscript [\(inner)] in JSONPath \(template)")
                }
                text = text[text.index(after: close)...]
            } else {
                throw Failure(description: "unrecognized character \"\(first)\" in JSONPath \(template)")
            }
        }
        return steps
    }
}
