import Foundation

/// A bare Git repository on `main` and a working clone of it, through the `git` command: the source a test's daemon
/// or engine reads, and where the test commits as a user would.
public struct GitWorkingCopy: Sendable {
    /// The bare repository (what the daemon is pointed at).
    public let bare: String
    /// The working clone.
    public let work: String

    /// Creates `<folder>/<name>.git` and its clone `<folder>/<name>-work`, committing as `author`.
    public init(in folder: URL, name: String = "source", author: (name: String, email: String) = ("Dev", "dev@example.com"))
        throws {
        bare = folder.appendingPathComponent("\(name).git").path
        work = folder.appendingPathComponent(name == "source" ? "work" : "\(name)-work").path
        try Self.git(["init", "-q", "--bare", "-b", "main", bare], in: folder.path)
        try Self.git(["clone", "-q", bare, work], in: folder.path)
        try Self.git(["config", "user.email", author.email], in: work)
        try Self.git(["config", "user.name", author.name], in: work)
    }

    /// Runs git in `directory`; its output, or an error with what git said.
    @discardableResult
    public static func git(_ arguments: [String], in directory: String) throws -> String {
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["git"] + arguments,
                                    in: URL(fileURLWithPath: directory))
        guard result.status == 0 else {
            throw ServerStartFailed(description: "git \(arguments.joined(separator: " ")): \(result.errors)")
        }
        return result.output
    }

    /// Writes files (nil content: delete), commits and pushes to main.
    public func commit(_ files: [String: String?], message: String) throws {
        for (path, content) in files {
            let url = URL(fileURLWithPath: work).appendingPathComponent(path)
            if let content {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try content.write(to: url, atomically: true, encoding: .utf8)
            } else {
                try? FileManager.default.removeItem(at: url)
            }
        }
        try Self.git(["add", "-A"], in: work)
        try Self.git(["commit", "-q", "-m", message], in: work)
        try Self.git(["push", "-q", "origin", "HEAD:main"], in: work)
    }

    /// The working clone's HEAD commit.
    public var head: String {
        (try? Self.git(["rev-parse", "HEAD"], in: work))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }
}
