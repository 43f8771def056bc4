import Foundation
import Yams

/// One document read from a manifest file: its value, where it starts, and the line of every field in it.
public struct ParsedDocument: Sendable {
    /// The document's content.
    public var value: JSONValue
    /// Where the document starts.
    public var location: SourceLocation
    /// The line of each field, keyed by its path (`spec.placement.clusterAffinity`, `spec.resourceSelectors[0]`).
    public var fieldLines: [String: Int]
    /// What was accepted with a warning (`file:line: ...`): a mapping key defined twice, whose last value is used.
    public var warnings: [String]

    public init(value: JSONValue, location: SourceLocation, fieldLines: [String: Int] = [:], warnings: [String] = []) {
        self.value = value
        self.location = location
        self.fieldLines = fieldLines
        self.warnings = warnings
    }

    /// The location of the field at `path`, or of its nearest ancestor that has one, or of the document.
    public func location(ofField path: String) -> SourceLocation {
        var candidate = path
        while !candidate.isEmpty {
            if let line = fieldLines[candidate] {
                return SourceLocation(file: location.file, line: line)
            }
            candidate = ParsedDocument.parent(of: candidate)
        }
        return location
    }

    static func parent(of path: String) -> String {
        guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { return "" }
        return String(path[..<cut])
    }
}

/// Reads YAML (and JSON, which is YAML) into `ParsedDocument`s with line numbers.
///
/// Scalars resolve as Kubernetes' YAML library resolves them (YAML 1.1 booleans, integers, floats, null), except
/// that timestamps stay strings, as they do once Kubernetes turns YAML into JSON. Aliases and merge keys (`<<`) are
/// expanded. A syntax error stops the file with its line and column; Yams' lazy sequences would swallow it, so the
/// parser is driven directly.
public enum YAMLDocumentReader {
    private static let resolver = Resolver.default.removing(.timestamp).removing(.value)

    /// Parses every document of `text`; `file` names it in locations.
    /// At most `maxNodes` values per document once aliases are expanded (an alias bomb is an error, not an
    /// exhausted memory).
    ///
    /// A mapping key defined twice is a warning, not an error, as the API server's default field validation makes
    /// it: the last value is used (the earlier key is renamed out of the way and dropped, then the text parsed again;
    /// more than 32 in a file are an error, so a hostile file cannot make it parse again and again).
    public static func read(_ text: String, file: String,
                            maxNodes: Int = ManifestLimits.standard.documentNodes) throws(ManifestError) -> [ParsedDocument] {
        var text = text
        var warnings: [String] = []
        while true {
            do {
                var documents = try readOnce(text, file: file, maxNodes: maxNodes)
                if !warnings.isEmpty, !documents.isEmpty { documents[0].warnings = warnings }
                return documents
            } catch let duplicate as DuplicateKey {
                guard warnings.count < 32, let renamed = duplicate.renamingEarlier(in: text, tag: warnings.count) else {
                    throw ManifestError.syntax(duplicate.location(file: file),
                                               problem: "mapping key \"\(duplicate.key)\" defined more than once")
                }
                warnings.append("\(duplicate.location(file: file)): mapping key \"\(duplicate.key)\" defined more than "
                                + "once; the last value is used")
                text = renamed
            } catch let error as ManifestError {
                throw error
            } catch {
                throw ManifestError.syntax(SourceLocation(file: file, line: 1), problem: "\(error)")
            }
        }
    }

    /// The prefix a key defined twice is renamed to before the text is parsed again (and dropped when converted).
    static let duplicatePrefix = "__flotilla_duplicate__"

    /// A mapping key defined more than once, at its first definition (line and column from 1).
    struct DuplicateKey: Error {
        var key: String
        var line: Int
        var column: Int

        func location(file: String) -> SourceLocation { SourceLocation(file: file, line: line, column: column) }

        /// The text with the first definition renamed out of the way (nil when it cannot be found there).
        func renamingEarlier(in text: String, tag: Int) -> String? {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard lines.indices.contains(line - 1) else { return nil }
            var characters = Array(lines[line - 1])
            var at = column - 1
            guard characters.indices.contains(at) else { return nil }
            if characters[at] == "\"" || characters[at] == "'" { at += 1 }
            guard String(characters[at...]).hasPrefix(key) else { return nil }
            characters.insert(contentsOf: "\(YAMLDocumentReader.duplicatePrefix)\(tag)_", at: at)
            lines[line - 1] = String(characters)
            return lines.joined(separator: "\n")
        }
    }

    private static func readOnce(_ text: String, file: String, maxNodes: Int) throws -> [ParsedDocument] {
        var documents: [ParsedDocument] = []
        do {
            let parser = try Parser(yaml: text, resolver: resolver)
            while let root = try parser.nextRoot() {
                var lines: [String: Int] = [:]
                var budget = Budget(left: maxNodes, limit: maxNodes, documentLine: root.mark?.line ?? 1)
                let value = try convert(root, path: "", file: file, lines: &lines, budget: &budget)
                if value.isNull { continue }  // an empty document (only comments, or a trailing ---)
                let line = root.mark?.line ?? 1
                documents.append(ParsedDocument(value: value, location: SourceLocation(file: file, line: line),
                                                fieldLines: lines))
            }
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) where duplicates.count == 1 {
            throw DuplicateKey(key: duplicates[0], line: context.mark.line, column: context.mark.column)
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        } catch let error as ManifestError {
            throw error
        } catch let error as DuplicateKey {
            throw error
        } catch {
            throw ManifestError.syntax(SourceLocation(file: file, line: 1), problem: "\(error)")
        }
        return documents
    }

    static func syntaxError(_ error: YamlError, file: String) -> ManifestError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = problem
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
            return .syntax(SourceLocation(file: file, line: mark.line, column: mark.column), problem: message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return .syntax(SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                           problem: "mapping key \(keys) defined more than once")
        case .reader(let problem, _, _, _):
            return .syntax(SourceLocation(file: file, line: 1), problem: problem)
        default:
            return .syntax(SourceLocation(file: file, line: 1), problem: "\(error)")
        }
    }

    /// How many more values the document may expand to.
    struct Budget {
        var left: Int
        let limit: Int
        let documentLine: Int
    }

    private static func convert(_ node: Node, path: String, file: String,
                                lines: inout [String: Int], budget: inout Budget) throws -> JSONValue {
        budget.left -= 1
        if budget.left < 0 {
            throw ManifestError.syntax(SourceLocation(file: file, line: budget.documentLine),
                                       problem: "the document expands to more than \(budget.limit) values (aliases "
                                           + "included): over the limit of one document")
        }
        if let line = node.mark?.line, !path.isEmpty, lines[path] == nil {
            lines[path] = line
        }
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar)
        case .sequence(let sequence):
            var elements: [JSONValue] = []
            elements.reserveCapacity(sequence.count)
            for (index, element) in sequence.enumerated() {
                elements.append(try convert(element, path: "\(path)[\(index)]", file: file, lines: &lines,
                                            budget: &budget))
            }
            return .array(elements)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            var merged: [String: JSONValue] = [:]
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    throw ManifestError.syntax(
                        SourceLocation(file: file, line: keyNode.mark?.line ?? 1, column: keyNode.mark?.column),
                        problem: "mapping keys must be scalars")
                }
                if tagName(of: keyScalar) == .merge && keyScalar.style == .plain {
                    for source in mergeSources(valueNode) {
                        let value = try convert(source, path: path, file: file, lines: &lines, budget: &budget)
                        for (key, member) in value.objectValue ?? [:] where merged[key] == nil {
                            merged[key] = member
                        }
                    }
                    continue
                }
                let key = keyScalar.string
                // A key renamed out of the way because it is defined again later: the later value is used.
                if key.hasPrefix(duplicatePrefix) { continue }
                if members[key] != nil {
                    // The same key written two ways (`k` and `"k"`): as a key defined twice.
                    throw DuplicateKey(key: key, line: mapping.first { $0.key.string == key }?.key.mark?.line ?? 1,
                                       column: mapping.first { $0.key.string == key }?.key.mark?.column ?? 1)
                }
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if let line = keyNode.mark?.line { lines[childPath] = line }
                members[key] = try convert(valueNode, path: childPath, file: file, lines: &lines, budget: &budget)
            }
            for (key, member) in merged where members[key] == nil {
                members[key] = member
            }
            return .object(members)
        case .alias:
            return .null
        }
    }

    private static func mergeSources(_ node: Node) -> [Node] {
        if case .sequence(let sequence) = node { return Array(sequence) }
        return [node]
    }

    /// The tag of a scalar: the explicit one, or the one the resolver gives a plain scalar.
    private static func tagName(of scalar: Node.Scalar) -> Tag.Name {
        if !scalar.tag.rawValue.isEmpty && scalar.tag.rawValue != "!" { return Tag.Name(rawValue: scalar.tag.rawValue) }
        guard scalar.style == .plain else { return .str }
        return resolver.resolveTag(of: .scalar(scalar))
    }

    private static func scalarValue(_ scalar: Node.Scalar) -> JSONValue {
        var tag = tagName(of: scalar)
        // YAML 1.1's base-60 numbers (`1:20`, `22:22`): strings to Kubernetes' YAML (go-yaml), and Yams' conversion
        // traps on an overflowing one (found by fuzzing).
        if (tag == .int || tag == .float) && scalar.string.contains(":") { tag = .str }
        switch tag {
        case .null:
            return .null
        case .bool:
            return Bool.construct(from: scalar).map(JSONValue.bool) ?? .string(scalar.string)
        case .int:
            if let number = Int64.construct(from: scalar) { return .int(number) }
            return Double.construct(from: scalar).map(JSONValue.double) ?? .string(scalar.string)
        case .float:
            return Double.construct(from: scalar).map(JSONValue.double) ?? .string(scalar.string)
        default:
            return .string(scalar.string)
        }
    }
}
