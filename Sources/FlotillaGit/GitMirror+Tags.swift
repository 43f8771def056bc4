import CGit2
import Foundation

extension GitMirror {
    /// The names of the mirror's references starting with `prefix` (`refs/tags/flotilla/`), sorted.
    public func referenceNames(prefix: String) -> [String] {
        var array = git_strarray()
        guard git_reference_list(&array, repository.pointer) == 0 else { return [] }
        defer { git_strarray_dispose(&array) }
        var names: [String] = []
        for index in 0..<array.count {
            guard let pointer = array.strings[index] else { continue }
            let name = String(cString: pointer)
            if name.hasPrefix(prefix) { names.append(name) }
        }
        return names.sorted()
    }

    /// Points the lightweight tag `name` (without `refs/tags/`) at `commit`, locally.
    public func createTag(_ name: String, commit: String) throws(GitError) {
        guard let id = git_oid(hex: commit) else {
            throw GitError.invalidConfiguration("\(commit) is not a commit id")
        }
        try setReference("refs/tags/\(name)", to: id)
    }

    /// Pushes the local tag `name` (without `refs/tags/`); never forced (a tag of that name pointing elsewhere is
    /// refused).
    public func pushTag(_ name: String) throws(GitError) {
        switch try push(localRef: "refs/tags/\(name)", branch: "refs/tags/\(name)", remoteRef: "refs/tags/\(name)") {
        case .accepted: return
        case .lostRace:
            throw GitError.pushRejected(url: remote.url, branch: "refs/tags/\(name)",
                                        reason: "the remote has another tag of that name")
        }
    }

    /// A commit on top of `parent` whose tree is `source`'s (a revert of everything since `source`), on the local
    /// branch `branch` (replaced when it exists); returns the commit.
    public func commitTree(of source: String, parent: String, branch: String, message: String,
                           author: GitSignature) throws(GitError) -> String {
        guard let tree = git_oid(hex: try treeID(ofCommit: source)) else {
            throw GitError.refNotFound(url: remote.url, ref: source)
        }
        let request = GitCommitRequest(branch: branch, files: [:], message: message, author: author)
        let commit = try createCommit(tree: tree, parent: parent, request: request)
        try setReference("refs/heads/\(branch)", to: commit)
        return commit.hex
    }
}
