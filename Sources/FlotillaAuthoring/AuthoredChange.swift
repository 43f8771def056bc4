import Foundation
import FlotillaModel
import FlotillaPlacement
import Yams

/// What an authoring command (`import`, `clone`, `migrate`) writes: files by path from the source root, the commit
/// message's subject and body, and warnings for the person running it. A value: the command decides it, then commits
/// it on a branch.
public struct AuthoredChange: Sendable, Equatable {
    /// File contents (YAML) by path relative to the source folder.
    public var files: [String: String]
    public var subject: String
    /// The commit message's body: what and why, one line each.
    public var body: [String]
    public var warnings: [String]

    public init(files: [String: String] = [:], subject: String, body: [String] = [], warnings: [String] = []) {
        self.files = files
        self.subject = subject
        self.body = body
        self.warnings = warnings
    }

    /// The commit message, with trailers (`Flotilla-Allow-Prune: ...`) after a blank line.
    public func message(trailers: [String] = []) -> String {
        var text = subject + "\n"
        if !body.isEmpty { text += "\n" + body.joined(separator: "\n") + "\n" }
        if !trailers.isEmpty { text += "\n" + trailers.joined(separator: "\n") + "\n" }
        return text
    }
}

/// YAML for the files authoring writes: documents with sorted keys (apiVersion, kind, metadata, spec read in that
/// order), separated by `---`, a comment on top. Deterministic.
public enum AuthoredYAML {
    public static func render(_ documents: [JSONValue], comment: String) -> String {
        let lines = comment.split(separator: "\n", omittingEmptySubsequences: false).map { "# \($0)" }
        let body = documents.map { document -> String in
            (try? Yams.dump(object: document.foundationObject, indent: 2, width: -1, allowUnicode: true,
                            sortKeys: true)) ?? document.canonicalJSON() + "\n"
        }.joined(separator: "---\n")
        return lines.joined(separator: "\n") + "\n" + body
    }
}
