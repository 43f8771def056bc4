import Foundation

/// A set of files to write onto a branch as one commit.
public struct GitCommitRequest: Sendable {
    /// The branch, without `refs/heads/`; created when missing.
    public var branch: String
    /// Files to write, by path from the repository root.
    public var files: [String: Data]
    /// Folders (or files) whose old content is removed first, so files no longer written disappear.
    public var replacing: [String]
    public var message: String
    public var author: GitSignature
    /// How many times to re-make the commit after losing a race with another pusher.
    public var maxAttempts: Int

    public init(branch: String, files: [String: Data], replacing: [String] = [], message: String,
                author: GitSignature = GitSignature(name: "Flotilla", email: "flotilla@localhost"),
                maxAttempts: Int = 5) {
        self.branch = branch
        self.files = files
        self.replacing = replacing
        self.message = message
        self.author = author
        self.maxAttempts = maxAttempts
    }
}

/// A commit author: `Name <email>`.
public struct GitSignature: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }

    /// Parses `Name <email>`.
    public init?(parsing text: String) {
        guard let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close else { return nil }
        let name = text[..<open].trimmingCharacters(in: .whitespaces)
        let email = text[text.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !email.isEmpty else { return nil }
        self.init(name: name, email: email)
    }

    public var description: String { "\(name) <\(email)>" }
}

/// What a commit-and-push did.
public enum GitPushResult: Sendable, Equatable {
    /// A new commit was pushed; `attempts` counts the tries it took (1 when no one else pushed in between).
    case pushed(commit: String, attempts: Int)
    /// The branch already held exactly these files: nothing was committed.
    case unchanged(commit: String)
}
