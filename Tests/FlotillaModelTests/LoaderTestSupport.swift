import Foundation
@testable import FlotillaModel

/// Loads manifests from in-memory files.
func load(_ files: [String: String]) -> Manifests {
    ManifestLoader.load(files: files.map { ManifestFile(path: $0.key, contents: Data($0.value.utf8)) })
}

/// The errors of loading one file, as `file:line: message` lines.
func errors(_ text: String, file: String = "test.yaml") -> [String] {
    load([file: text]).errors.map(\.description)
}

/// The project's root folder, found from this file's path.
let projectRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
