import Foundation
import Synchronization

/// One file of a source: its path relative to the source root, and its bytes.
public struct ManifestFile: Sendable, Hashable {
    public var path: String
    public var contents: Data

    public init(path: String, contents: Data) {
        self.path = path
        self.contents = contents
    }
}

/// Reads a source's manifests: every `*.yaml`, `*.yml` and `*.json` file, hidden files and folders skipped.
public enum ManifestLoader {
    /// Whether a path (relative to the source root) is a manifest Flotilla reads.
    public static func isManifestPath(_ path: String) -> Bool {
        let components = path.split(separator: "/")
        guard let last = components.last, !components.contains(where: { $0.hasPrefix(".") }) else { return false }
        return last.hasSuffix(".yaml") || last.hasSuffix(".yml") || last.hasSuffix(".json")
    }

    /// The manifest files below a folder, sorted by path. Symbolic links are followed only within the folder (one
    /// that leads out of it is an error), and a folder reached twice (a link loop) is read once.
    /// Files over `limits.fileBytes` are not read (the load reports them).
    public static func files(inDirectory root: String) throws(ManifestError) -> [ManifestFile] {
        let rootURL = URL(fileURLWithPath: root, isDirectory: true).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: rootURL.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw ManifestError.unreadable(file: root, reason: "no such directory")
        }
        var files: [ManifestFile] = []
        var pending = [""]
        let realRoot = rootURL.resolvingSymlinksInPath().path
        var visited: Set<String> = [realRoot]
        while let relative = pending.popLast() {
            let directory = relative.isEmpty ? rootURL : rootURL.appendingPathComponent(relative, isDirectory: true)
            let entries: [String]
            do {
                entries = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            } catch {
                throw ManifestError.unreadable(file: relative.isEmpty ? "." : relative,
                                               reason: error.localizedDescription)
            }
            for entry in entries.sorted() where !entry.hasPrefix(".") {
                let path = relative.isEmpty ? entry : "\(relative)/\(entry)"
                let url = rootURL.appendingPathComponent(path)
                let type = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.type] as? FileAttributeType
                var entryIsDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &entryIsDirectory) else { continue }
                let real = url.resolvingSymlinksInPath().path
                if type == .typeSymbolicLink, entryIsDirectory.boolValue || isManifestPath(path),
                   real != realRoot, !real.hasPrefix(realRoot + "/") {
                    throw ManifestError.unreadable(file: path, reason: "a symbolic link that leads out of the source; "
                                                       + "not followed")
                }
                if entryIsDirectory.boolValue {
                    // A folder already read (a link back up the tree, or two links to one folder) is not read again.
                    if visited.insert(real).inserted { pending.append(path) }
                } else if isManifestPath(path) {
                    guard let data = FileManager.default.contents(atPath: url.path) else {
                        throw ManifestError.unreadable(file: path, reason: "permission denied")
                    }
                    files.append(ManifestFile(path: path, contents: data))
                }
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Loads the manifests of a folder.
    public static func load(directory: String) -> Manifests {
        do {
            return load(files: try files(inDirectory: directory))
        } catch {
            var manifests = Manifests()
            manifests.errors = [error]
            return manifests
        }
    }

    /// Parses, sorts into roles and validates the given files. Errors are collected, not thrown: every error of
    /// the source is reported at once.
    /// With a `cache`, files whose bytes are unchanged since the last load are not parsed again.
    /// Files over `limits.fileBytes`, and every file past `limits.revisionBytes` in path order, are errors.
    public static func load(files: [ManifestFile], cache: ManifestParseCache? = nil,
                            limits: ManifestLimits = .standard) -> Manifests {
        var manifests = Manifests()
        var documents: [ParsedDocument] = []
        var parsedFiles: [(path: String, documents: [ParsedDocument])] = []
        var total = 0
        for file in files.sorted(by: { $0.path < $1.path }) where isManifestPath(file.path) {
            manifests.fileCount += 1
            total += file.contents.count
            if file.contents.count > limits.fileBytes {
                manifests.errors.append(.unreadable(file: file.path, reason: "\(file.contents.count) bytes, over the "
                                                        + "limit of \(limits.fileBytes) bytes per file"))
                continue
            }
            if total > limits.revisionBytes {
                manifests.errors.append(.unreadable(file: file.path, reason: "the revision's manifests exceed the limit "
                                                        + "of \(limits.revisionBytes) bytes"))
                continue
            }
            switch cache?.parsed(file) ?? Result(catching: { () throws(ManifestError) in try parse(file) }) {
            case .success(let parsed):
                documents += parsed
                parsedFiles.append((file.path, parsed))
            case .failure(let error): manifests.errors.append(error)
            }
        }
        cache?.keep(paths: Set(files.map(\.path)))
        let scopes = ManifestBuilder.customScopes(of: documents)
        if let cache, let merged = merge(parsedFiles, into: manifests, scopes: scopes, cache: cache) {
            return merged
        }
        var builder = ManifestBuilder(documents: documents, customScopes: scopes)
        builder.build(into: &manifests)
        manifests.errors.sort { ($0.location, $0.message) < ($1.location, $1.message) }
        return manifests
    }

    /// The files built one by one (each from the cache when its bytes and the CRDs' scopes are unchanged) and put
    /// together in path order: what building them all at once gives. Nil when an object is defined in two files (the
    /// whole build then reports the duplicate).
    private static func merge(_ files: [(path: String, documents: [ParsedDocument])], into start: Manifests,
                              scopes: [String: Bool], cache: ManifestParseCache) -> Manifests? {
        var manifests = start
        var seen: Set<ResourceIdentity> = []
        for file in files {
            let fragment = cache.built(file.path, scopes: scopes) {
                var builder = ManifestBuilder(documents: file.documents, customScopes: scopes)
                return builder.fragment()
            }
            for identity in fragment.identities where !seen.insert(identity).inserted { return nil }
            manifests.append(fragment.manifests)
        }
        manifests.errors.sort { ($0.location, $0.message) < ($1.location, $1.message) }
        return manifests
    }

    /// The documents of one file: YAML (multi-document), or JSON (an object, an array of objects, or a List).
    static func parse(_ file: ManifestFile) throws(ManifestError) -> [ParsedDocument] {
        guard let text = String(data: file.contents, encoding: .utf8) else {
            throw ManifestError.unreadable(file: file.path, reason: "not UTF-8 text")
        }
        var documents: [ParsedDocument]
        do {
            documents = try YAMLDocumentReader.read(text, file: file.path)
        } catch {
            // JSON that YAML rejects (tab indentation is legal JSON): fall back to a JSON parser, with line 1.
            guard file.path.hasSuffix(".json"),
                  let object = try? JSONSerialization.jsonObject(with: file.contents, options: [.fragmentsAllowed])
            else { throw error }
            documents = [ParsedDocument(value: JSONValue(foundation: object),
                                        location: SourceLocation(file: file.path, line: 1))]
        }
        return documents.flatMap(expand)
    }

    /// Skips empty documents; splits JSON arrays and `List` objects into their items.
    private static func expand(_ document: ParsedDocument) -> [ParsedDocument] {
        switch document.value {
        case .null:
            return []
        case .array(let elements) where document.location.file.hasSuffix(".json"):
            return elements.enumerated().map { child(of: document, path: "[\($0.offset)]", value: $0.element) }
        case .object(let members):
            if let kind = members["kind"]?.stringValue, kind.hasSuffix("List"),
               let items = members["items"]?.arrayValue, members["metadata"]?.value(at: ["name"]) == nil {
                return items.enumerated().map { child(of: document, path: "items[\($0.offset)]", value: $0.element) }
            }
            return [document]
        default:
            return [document]
        }
    }

    private static func child(of document: ParsedDocument, path: String, value: JSONValue) -> ParsedDocument {
        var lines: [String: Int] = [:]
        let prefix = path + "."
        for (field, line) in document.fieldLines where field.hasPrefix(prefix) {
            lines[String(field.dropFirst(prefix.count))] = line
        }
        let line = document.fieldLines[path] ?? document.location.line
        return ParsedDocument(value: value, location: SourceLocation(file: document.location.file, line: line),
                              fieldLines: lines)
    }
}

/// What the files of a source parsed to, by path, kept between loads: a daemon re-reads its source on every commit,
/// and a commit usually changes a few files of many. A file is parsed again only when its bytes differ, and sorted
/// into roles and validated again only when its bytes or the scopes the source's CRDs define differ.
public final class ManifestParseCache: Sendable {
    private struct Entry {
        var contents: Data
        var parsed: Result<[ParsedDocument], ManifestError>
        var built: (scopes: [String: Bool], fragment: ManifestBuilder.Fragment)?
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    /// The documents of `file`, parsed now or earlier from the same bytes.
    func parsed(_ file: ManifestFile) -> Result<[ParsedDocument], ManifestError> {
        if let entry = entries.withLock({ $0[file.path] }), entry.contents == file.contents { return entry.parsed }
        let parsed = Result { () throws(ManifestError) in try ManifestLoader.parse(file) }
        entries.withLock { $0[file.path] = Entry(contents: file.contents, parsed: parsed) }
        return parsed
    }

    /// The objects of one parsed file, sorted into roles and validated, now or earlier from the same bytes and scopes.
    func built(_ path: String, scopes: [String: Bool],
               make: () -> ManifestBuilder.Fragment) -> ManifestBuilder.Fragment {
        if let built = entries.withLock({ $0[path]?.built }), built.scopes == scopes { return built.fragment }
        let fragment = make()
        entries.withLock { $0[path]?.built = (scopes, fragment) }
        return fragment
    }

    /// Forgets files that are no longer in the source.
    func keep(paths: Set<String>) {
        entries.withLock { entries in entries = entries.filter { paths.contains($0.key) } }
    }

    /// How many files are cached (for tests).
    public var count: Int { entries.withLock { $0.count } }
}
