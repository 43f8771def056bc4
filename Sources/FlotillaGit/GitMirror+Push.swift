import CGit2
import Foundation

extension GitMirror {
    /// Writes `request.files` onto `request.branch` as one commit on top of the remote branch's tip, and pushes
    /// it. Never forces: when another pusher got there first, it fetches, re-makes the commit on the new tip and
    /// tries again, at most `maxAttempts` times. Makes no commit when the branch already holds these files.
    ///
    /// `beforePush` runs after each commit is made and before it is pushed; tests use it to push a competing
    /// commit and exercise the retry path.
    public func commitAndPush(_ request: GitCommitRequest,
                              beforePush: ((Int) -> Void)? = nil) throws(GitError) -> GitPushResult {
        let localRef = "refs/flotilla/push/\(request.branch)"
        let trackingRef = Self.trackingPrefix + request.branch
        for attempt in 1...max(1, request.maxAttempts) {
            try fetch(branch: request.branch)
            let parent = try? resolve("refs/remotes/origin/\(request.branch)")
            let tree = try writeTree(request, parent: parent)
            if let parent, try treeID(ofCommit: parent) == tree.hex {
                return .unchanged(commit: parent)
            }
            let commit = try createCommit(tree: tree, parent: parent, request: request)
            try setReference(localRef, to: commit)
            beforePush?(attempt)
            switch try push(localRef: localRef, branch: request.branch) {
            case .accepted:
                try setReference(trackingRef, to: commit)
                return .pushed(commit: commit.hex, attempts: attempt)
            case .lostRace:
                continue
            }
        }
        throw GitError.pushRetriesExhausted(url: remote.url, branch: request.branch, attempts: request.maxAttempts)
    }

    enum PushOutcome { case accepted, lostRace }

    func push(localRef: String, branch: String, remoteRef: String? = nil) throws(GitError) -> PushOutcome {
        try withRemote("push") { remote, context throws(GitError) -> PushOutcome in
            var options = git_push_options()
            git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION))
            context.install(into: &options.callbacks)
            // No leading "+": a push that is not a fast-forward is refused, never forced.
            let code = withStringArray(["\(localRef):\(remoteRef ?? "refs/heads/\(branch)")"]) { array in
                git_remote_push(remote, &array, &options)
            }
            if code != 0 {
                let error = classify(code, operation: "push", context: context)
                if Self.isLostRace(code: code, message: "\(error)") { return .lostRace }
                throw error
            }
            // libgit2 returns 0 for a push the server refused: the per-ref status is the truth.
            if let rejection = context.pushRejections.first {
                if Self.isLostRace(code: 0, message: rejection) { return .lostRace }
                throw GitError.pushRejected(url: self.remote.url, branch: branch, reason: rejection)
            }
            return .accepted
        }
    }

    private static func isLostRace(code: Int32, message: String) -> Bool {
        if code == GIT_ENONFASTFORWARD.rawValue { return true }
        let lower = message.lowercased()
        return lower.contains("non-fast-forward") || lower.contains("fetch first") || lower.contains("fast-forward")
            || lower.contains("failed to update ref") || lower.contains("cannot lock ref")
    }

    /// Builds the tree: the parent's tree, minus the replaced folders, plus the files.
    private func writeTree(_ request: GitCommitRequest, parent: String?) throws(GitError) -> git_oid {
        var indexPointer: OpaquePointer?
        guard git_index_new(&indexPointer) == 0, let index = indexPointer else {
            throw GitError.libgit2(operation: "creating index", code: -1, message: GitLibrary.lastErrorMessage())
        }
        defer { git_index_free(index) }
        if let parent {
            var commitID = git_oid(hex: parent)!
            var commit: OpaquePointer?
            var tree: OpaquePointer?
            guard git_commit_lookup(&commit, repository.pointer, &commitID) == 0,
                  git_commit_tree(&tree, commit) == 0, git_index_read_tree(index, tree) == 0 else {
                git_commit_free(commit)
                throw GitError.libgit2(operation: "reading \(request.branch)", code: -1,
                                       message: GitLibrary.lastErrorMessage())
            }
            git_tree_free(tree)
            git_commit_free(commit)
        }
        for prefix in request.replacing {
            let trimmed = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
            git_index_remove_directory(index, trimmed, 0)
            git_index_remove_bypath(index, trimmed)
        }
        for path in request.files.keys.sorted() {
            let contents = request.files[path]!
            var blob = git_oid()
            let code = contents.withUnsafeBytes { bytes in
                git_blob_create_from_buffer(&blob, repository.pointer, bytes.baseAddress, bytes.count)
            }
            guard code == 0 else {
                throw GitError.libgit2(operation: "writing \(path)", code: code, message: GitLibrary.lastErrorMessage())
            }
            // An in-memory index cannot take a buffer (git_index_add_from_buffer): write the blob, then add it.
            let added = path.withCString { cPath -> Int32 in
                var entry = git_index_entry()
                entry.mode = UInt32(GIT_FILEMODE_BLOB.rawValue)
                entry.id = blob
                entry.file_size = UInt32(truncatingIfNeeded: contents.count)
                entry.path = cPath
                return git_index_add(index, &entry)
            }
            guard added == 0 else {
                throw GitError.libgit2(operation: "adding \(path)", code: added, message: GitLibrary.lastErrorMessage())
            }
        }
        var tree = git_oid()
        let code = git_index_write_tree_to(&tree, index, repository.pointer)
        guard code == 0 else {
            throw GitError.libgit2(operation: "writing tree", code: code, message: GitLibrary.lastErrorMessage())
        }
        return tree
    }

    func treeID(ofCommit commit: String) throws(GitError) -> String {
        var commitID = git_oid(hex: commit)!
        var pointer: OpaquePointer?
        guard git_commit_lookup(&pointer, repository.pointer, &commitID) == 0, let pointer else {
            throw GitError.refNotFound(url: remote.url, ref: commit)
        }
        defer { git_commit_free(pointer) }
        return git_commit_tree_id(pointer).pointee.hex
    }

    func createCommit(tree treeID: git_oid, parent: String?,
                              request: GitCommitRequest) throws(GitError) -> git_oid {
        var treeOID = treeID
        var tree: OpaquePointer?
        guard git_tree_lookup(&tree, repository.pointer, &treeOID) == 0 else {
            throw GitError.libgit2(operation: "reading tree", code: -1, message: GitLibrary.lastErrorMessage())
        }
        defer { git_tree_free(tree) }
        var parentCommit: OpaquePointer?
        if let parent {
            var parentID = git_oid(hex: parent)!
            guard git_commit_lookup(&parentCommit, repository.pointer, &parentID) == 0 else {
                throw GitError.libgit2(operation: "reading parent", code: -1, message: GitLibrary.lastErrorMessage())
            }
        }
        defer { if let parentCommit { git_commit_free(parentCommit) } }
        var signature: UnsafeMutablePointer<git_signature>?
        guard git_signature_now(&signature, request.author.name, request.author.email) == 0 else {
            throw GitError.invalidConfiguration("invalid author \(request.author): \(GitLibrary.lastErrorMessage())")
        }
        defer { git_signature_free(signature) }
        var commit = git_oid()
        var parents: [OpaquePointer?] = parentCommit.map { [$0] } ?? []
        let code = parents.withUnsafeMutableBufferPointer { buffer in
            git_commit_create(&commit, repository.pointer, nil, signature, signature, "UTF-8", request.message, tree,
                              buffer.count, buffer.baseAddress)
        }
        guard code == 0 else {
            throw GitError.libgit2(operation: "creating commit", code: code, message: GitLibrary.lastErrorMessage())
        }
        return commit
    }

    /// Writes `request.files` as one commit on top of `base` and points the local branch `request.branch` at it,
    /// with no work tree touched and nothing pushed (`flotilla import`, `clone`, `migrate`). A branch that already
    /// exists is an error unless `replacing` (the command's own branch, re-made before it was pushed).
    public func commitBranch(_ request: GitCommitRequest, base: String, replacing: Bool = false) throws(GitError)
        -> String {
        let name = "refs/heads/\(request.branch)"
        var existing: OpaquePointer?
        if !replacing, git_reference_lookup(&existing, repository.pointer, name) == 0 {
            git_reference_free(existing)
            throw GitError.invalidConfiguration("branch \(request.branch) already exists")
        }
        let tree = try writeTree(request, parent: base)
        let commit = try createCommit(tree: tree, parent: base, request: request)
        try setReference(name, to: commit)
        return commit.hex
    }

    /// Deletes the local branch `branch` (one `commitBranch` made that is not wanted after all).
    public func deleteBranch(_ branch: String) throws(GitError) {
        var reference: OpaquePointer?
        guard git_reference_lookup(&reference, repository.pointer, "refs/heads/\(branch)") == 0 else { return }
        defer { git_reference_free(reference) }
        let code = git_reference_delete(reference)
        guard code == 0 else {
            throw GitError.libgit2(operation: "deleting \(branch)", code: code, message: GitLibrary.lastErrorMessage())
        }
    }

    /// Pushes the local branch `branch` to this repository's remote; never forced (a branch of that name already
    /// there with other commits is refused).
    public func pushBranch(_ branch: String) throws(GitError) {
        switch try push(localRef: "refs/heads/\(branch)", branch: branch) {
        case .accepted: return
        case .lostRace:
            throw GitError.pushRejected(url: remote.url, branch: branch, reason: "the remote has another \(branch)")
        }
    }

    /// The same repository, with its `origin` remote (and these credentials) as the remote to push to.
    public func origin(credentials: GitCredentials) throws(GitError) -> GitMirror {
        var pointer: OpaquePointer?
        guard git_remote_lookup(&pointer, repository.pointer, "origin") == 0, let pointer else {
            throw GitError.invalidConfiguration("the repository has no remote named origin")
        }
        defer { git_remote_free(pointer) }
        guard let url = git_remote_url(pointer) else {
            throw GitError.invalidConfiguration("the origin remote has no URL")
        }
        return GitMirror(repository: repository, url: String(cString: url), credentials: credentials)
    }

    func setReference(_ name: String, to commit: git_oid) throws(GitError) {
        var id = commit
        var reference: OpaquePointer?
        let code = git_reference_create(&reference, repository.pointer, name, &id, 1, "flotilla")
        guard code == 0 else {
            throw GitError.libgit2(operation: "updating \(name)", code: code, message: GitLibrary.lastErrorMessage())
        }
        git_reference_free(reference)
    }
}
