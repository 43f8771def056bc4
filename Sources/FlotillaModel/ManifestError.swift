/// Everything that can be wrong with the manifests of a source. Each case carries the location it was found at.
public enum ManifestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be read or is not UTF-8.
    case unreadable(file: String, reason: String)
    /// YAML or JSON that does not parse.
    case syntax(SourceLocation, problem: String)
    /// A document that is not an object.
    case notAnObject(SourceLocation, found: String)
    /// A document that lacks a required field.
    case missingField(SourceLocation, kind: String?, field: String)
    /// A field whose value is of the wrong type or not allowed.
    case invalidValue(SourceLocation, kind: String?, field: String, message: String)
    /// A field the Karmada API does not define.
    case unknownField(SourceLocation, kind: String, field: String)
    /// A name that is not a valid DNS-1123 name.
    case invalidName(SourceLocation, field: String, value: String, rule: String)
    /// Two documents with the same identity.
    case duplicate(ResourceIdentity, first: SourceLocation, second: SourceLocation)

    /// Where the error was found.
    public var location: SourceLocation {
        switch self {
        case .unreadable(let file, _): return SourceLocation(file: file, line: 1)
        case .syntax(let location, _), .notAnObject(let location, _), .missingField(let location, _, _), .invalidValue(let location, _, _, _),
            .unknownField(let location, _, _), .invalidName(let location, _, _, _):
            return location
        case .duplicate(_, _, let second): return second
        }
    }

    /// The message without its location.
    public var message: String {
        switch self {
        case .unreadable(_, let reason):
            return "cannot read file: \(reason)"
        case .syntax(_, let problem):
            return "syntax error: \(problem)"
        case .notAnObject(_, let found):
            return "a manifest must be an object, found \(found)"
        case .missingField(_, let kind, let field):
            return "\(kind.map { "\($0): " } ?? "")missing required field \"\(field)\""
        case .invalidValue(_, let kind, let field, let message):
            return "\(kind.map { "\($0): " } ?? "")invalid value at \"\(field)\": \(message)"
        case .unknownField(_, let kind, let field):
            return "\(kind): unknown field \"\(field)\""
        case .invalidName(_, let field, let value, let rule):
            return "invalid \(field) \"\(value)\": \(rule)"
        case .duplicate(let identity, let first, _):
            return "duplicate \(identity) (first defined at \(first))"
        }
    }

    /// Whether trying again can help: never for manifests, a new commit is needed.
    public var isRetryable: Bool { false }

    /// A short, bounded reason usable as a metric label.
    public var shortDescription: String {
        switch self {
        case .unreadable: return "unreadable"
        case .syntax: return "syntax"
        case .notAnObject: return "not_an_object"
        case .missingField: return "missing_field"
        case .invalidValue: return "invalid_value"
        case .unknownField: return "unknown_field"
        case .invalidName: return "invalid_name"
        case .duplicate: return "duplicate"
        }
    }

    /// The same error with every file name passed through `transform` (to show paths from where the user stands).
    public func mapFiles(_ transform: (String) -> String) -> ManifestError {
        func map(_ location: SourceLocation) -> SourceLocation {
            var copy = location
            copy.file = transform(location.file)
            return copy
        }
        switch self {
        case .unreadable(let file, let reason): return .unreadable(file: transform(file), reason: reason)
        case .syntax(let location, let problem): return .syntax(map(location), problem: problem)
        case .notAnObject(let location, let found): return .notAnObject(map(location), found: found)
        case .missingField(let location, let kind, let field): return .missingField(map(location), kind: kind, field: field)
        case .invalidValue(let location, let kind, let field, let message):
            return .invalidValue(map(location), kind: kind, field: field, message: message)
        case .unknownField(let location, let kind, let field): return .unknownField(map(location), kind: kind, field: field)
        case .invalidName(let location, let field, let value, let rule):
            return .invalidName(map(location), field: field, value: value, rule: rule)
        case .duplicate(let identity, let first, let second): return .duplicate(identity, first: map(first), second: map(second))
        }
    }

    /// `file:line: message` (with `:column` for syntax errors).
    public var description: String { "\(location): \(message)" }
}
