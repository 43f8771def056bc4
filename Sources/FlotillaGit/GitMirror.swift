import CGit2
import Foundation

/// One file read from a commit, with its path relative to the sub-path it was read from.
public struct GitFile: Sendable, Hashable {
    public var path: String
    public var contents: Data

    public init(path: String, contents: Data) {
        self.path = path
        self.contents = contents
    }
}

/// A bare mirror of one remote in a cache folder, driven through libgit2: fetch, resolve refs, read trees
/// straight from the object database (there is no work tree), commit and push.
///
/// It owns C handles and is not `Sendable`: one owner uses it from one thread at a time (`GitSource` does that
/// off the cooperative pool). Every call blocks.
public final class GitMirror {
    /// The remote, without credentials.
    public let remote: GitRemoteURL
    /// The bare repository's folder.
    public let directory: String
    let credentials: GitCredentials
    /// Reopened after a compaction (which replaces the packs under it).
    var repository: GitHandle
    /// Raised by a watchdog to abort the network operation in flight.
    public let abort = AbortSignal()

    static let trackingPrefix = "refs/remotes/origin/"

    /// Opens (or creates) the mirror of `url` under `cacheRoot`. Credentials in the URL are taken out of it and
    /// used like the given ones; the mirror's config never holds them (the remote is anonymous).
    public init(url: String, credentials: GitCredentials = GitCredentials(), cacheRoot: String) throws(GitError) {
        GitLibrary.ensureInitialized()
        let remote = GitRemoteURL(url)
        self.remote = remote
        self.credentials = credentials.merged(with: remote.embedded)
        try GitLibrary.useCABundle(self.credentials.caBundlePath)
        self.directory = URL(fileURLWithPath: cacheRoot).appendingPathComponent(Self.cacheName(for: remote.url)).path
        do {
            try FileManager.default.createDirectory(atPath: cacheRoot, withIntermediateDirectories: true)
        } catch {
            throw GitError.invalidConfiguration("cannot create cache folder \(cacheRoot): \(error.localizedDescription)")
        }
        var pointer: OpaquePointer?
        var code = git_repository_open_bare(&pointer, directory)
        if code != 0 {
            code = git_repository_init(&pointer, directory, 1)
        }
        guard code == 0, let pointer else {
            throw GitError.libgit2(operation: "opening cache \(directory)", code: code,
                                   message: GitLibrary.lastErrorMessage())
        }
        repository = GitHandle(pointer, free: git_repository_free)
    }

    /// Wraps an already open repository (no cache, no remote operations).
    init(repository: GitHandle, url: String, credentials: GitCredentials = GitCredentials()) {
        self.remote = GitRemoteURL(url)
        self.credentials = credentials.merged(with: GitRemoteURL(url).embedded)
        self.directory = url
        self.repository = repository
    }

    /// A folder name for a URL: readable, and unique through a hash.
    static func cacheName(for url: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in url.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let tail = url.split(whereSeparator: { $0 == "/" || $0 == ":" }).last.map(String.init) ?? "repo"
        let safe = tail.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
        return "\(safe.isEmpty ? "repo" : safe)-\(String(hash, radix: 16))"
    }

    // MARK: Fetch

    /// Fetches every branch and tag (incrementally, after the first time) into the mirror. A fetch that fails on a
    /// lock file left by a process killed mid-write (older than `staleLockAge`) removes the stale locks and tries once
    /// more.
    ///
    /// With `branch`, only that branch is fetched (a status push needs nothing else, and must not wait for every
    /// other branch and tag of a busy repository).
    public func fetch(branch: String? = nil) throws(GitError) {
        do {
            try fetchOnce(branch: branch)
        } catch {
            guard "\(error)".contains("lock"), removeStaleLocks() > 0 else { throw error }
            try fetchOnce(branch: branch)
        }
    }

    /// How old a lock file must be to be taken for one a killed process left (a live write holds one for
    /// milliseconds).
    static let staleLockAge: TimeInterval = 60

    /// Removes the mirror's `*.lock` files older than `staleLockAge`; returns how many.
    @discardableResult
    func removeStaleLocks(now: Date = Date()) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return 0 }
        var removed = 0
        while let relative = walker.nextObject() as? String {
            guard relative.hasSuffix(".lock") else { continue }
            let path = (directory as NSString).appendingPathComponent(relative)
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                  now.timeIntervalSince(modified) >= Self.staleLockAge,
                  (try? FileManager.default.removeItem(atPath: path)) != nil else { continue }
            removed += 1
        }
        return removed
    }

    private func fetchOnce(branch: String?) throws(GitError) {
        try withRemote("fetch") { remote, context throws(GitError) in
            var options = git_fetch_options()
            git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
            context.install(into: &options.callbacks)
            options.prune = branch == nil ? GIT_FETCH_PRUNE : GIT_FETCH_NO_PRUNE
            options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
            let refspecs = branch.map { ["+refs/heads/\($0):\(Self.trackingPrefix)\($0)"] }
                ?? ["+refs/heads/*:\(Self.trackingPrefix)*", "+refs/tags/*:refs/tags/*"]
            let code = withStringArray(refspecs) { array in
                git_remote_fetch(remote, &array, &options, "flotilla fetch")
            }
            if code != 0 { throw classify(code, operation: "fetch", context: context) }
            if branch == nil { recordDefaultBranch(remote) }
        }
    }

    /// Remembers the remote's default branch as `refs/remotes/origin/HEAD`, so `resolve(nil)` finds it offline.
    private func recordDefaultBranch(_ remote: OpaquePointer) {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard git_remote_default_branch(&buffer, remote) == 0, let pointer = buffer.ptr else { return }
        let head = String(cString: pointer)
        guard head.hasPrefix("refs/heads/") else { return }
        let target = Self.trackingPrefix + head.dropFirst("refs/heads/".count)
        var reference: OpaquePointer?
        if git_reference_symbolic_create(&reference, repository.pointer, Self.trackingPrefix + "HEAD", target, 1,
                                         "flotilla default branch") == 0 {
            git_reference_free(reference)
        }
    }

    /// Runs a network operation on an anonymous remote (nothing stored in the mirror's config).
    func withRemote<T>(_ operation: String,
                       _ body: (OpaquePointer, RemoteCallbackContext) throws(GitError) -> T) throws(GitError) -> T {
        var pointer: OpaquePointer?
        let code = git_remote_create_anonymous(&pointer, repository.pointer, remote.url)
        guard code == 0, let pointer else {
            throw GitError.invalidConfiguration("invalid remote URL \(remote): \(GitLibrary.lastErrorMessage())")
        }
        defer { git_remote_free(pointer) }
        let context = RemoteCallbackContext(credentials: credentials, url: remote.url, abort: abort)
        return try body(pointer, context)
    }

    /// Turns a failed network call into a typed error. Must run on the failing call's thread, before any await.
    func classify(_ code: Int32, operation: String, context: RemoteCallbackContext) -> GitError {
        let message = GitLibrary.lastErrorMessage()
        if context.cancelled.isTriggered {
            return .timedOut(url: remote.url, operation: operation, seconds: 0)
        }
        // A local repository (file:// or a path) has no authentication and no certificates: it is there or not.
        if remote.isLocal {
            return .unreachable(url: remote.url, reason: message)
        }
        if let problem = context.certificateProblem {
            return .certificateRejected(url: remote.url, reason: problem)
        }
        if code == GIT_ECERTIFICATE.rawValue {
            return .certificateRejected(url: remote.url, reason: message)
        }
        if code == GIT_EAUTH.rawValue || context.authenticationProblem != nil {
            return .authenticationFailed(url: remote.url, reason: context.authenticationProblem ?? message)
        }
        let lower = message.lowercased()
        if lower.contains("401") || lower.contains("403") || lower.contains("authentication") {
            return .authenticationFailed(url: remote.url, reason: message)
        }
        return .unreachable(url: remote.url, reason: message)
    }

    // MARK: Resolve and read

    /// The commit a branch, tag, full ref or (abbreviated) commit id names, as a 40-character id. Nil or `HEAD`
    /// is the remote's default branch.
    public func resolve(_ ref: String?) throws(GitError) -> String {
        let name = ref ?? "HEAD"
        var candidates: [String] = []
        if name.hasPrefix("refs/heads/") {
            candidates.append(Self.trackingPrefix + name.dropFirst("refs/heads/".count))
        } else if name.hasPrefix("refs/") {
            candidates.append(name)
        } else {
            candidates += [Self.trackingPrefix + name, "refs/tags/" + name]
            if name == "HEAD" { candidates += [Self.trackingPrefix + "main", Self.trackingPrefix + "master"] }
        }
        for candidate in candidates {
            if let commit = peelToCommit(candidate) { return commit }
        }
        let isHex = name.count >= 4 && name.count <= 40 && name.allSatisfy(\.isHexDigit)
        if isHex, let commit = peelToCommit(name) { return commit }
        throw GitError.refNotFound(url: remote.url, ref: name)
    }

    private func peelToCommit(_ spec: String) -> String? {
        var object: OpaquePointer?
        guard git_revparse_single(&object, repository.pointer, spec) == 0, let object else { return nil }
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0, let commit else { return nil }
        defer { git_object_free(commit) }
        return git_object_id(commit).pointee.hex
    }

    /// Every file below `path` in `commit` that `include` accepts (given the path relative to `path`), sorted by
    /// path, read straight from the object database.
    public func readFiles(commit: String, path: String = "",
                          include: (String) -> Bool = { _ in true }) throws(GitError) -> [GitFile] {
        let tree = try rootTree(commit: commit)
        defer { git_tree_free(tree) }
        let subPath = path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        var start = tree
        var ownsStart = false
        if !subPath.isEmpty {
            var entry: OpaquePointer?
            guard git_tree_entry_bypath(&entry, tree, subPath) == 0, let entry else {
                throw GitError.pathNotFound(url: remote.url, path: subPath, revision: commit)
            }
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else {
                throw GitError.pathNotFound(url: remote.url, path: subPath, revision: commit)
            }
            var subtree: OpaquePointer?
            guard git_tree_lookup(&subtree, repository.pointer, git_tree_entry_id(entry)) == 0, let subtree else {
                throw GitError.libgit2(operation: "reading \(subPath)", code: -1, message: GitLibrary.lastErrorMessage())
            }
            start = subtree
            ownsStart = true
        }
        defer { if ownsStart { git_tree_free(start) } }
        var files: [GitFile] = []
        try collect(tree: start, prefix: "", include: include, into: &files)
        return files.sorted { $0.path < $1.path }
    }

    /// The message of a commit (empty when it cannot be read).
    public func message(commit: String) -> String {
        guard var oid = git_oid(hex: commit) else { return "" }
        var commitPointer: OpaquePointer?
        guard git_commit_lookup(&commitPointer, repository.pointer, &oid) == 0, let commitPointer else { return "" }
        defer { git_commit_free(commitPointer) }
        guard let text = git_commit_message(commitPointer) else { return "" }
        return String(cString: text)
    }

    private func rootTree(commit: String) throws(GitError) -> OpaquePointer {
        guard var oid = git_oid(hex: commit) else { throw GitError.refNotFound(url: remote.url, ref: commit) }
        var commitPointer: OpaquePointer?
        guard git_commit_lookup(&commitPointer, repository.pointer, &oid) == 0, let commitPointer else {
            throw GitError.refNotFound(url: remote.url, ref: commit)
        }
        defer { git_commit_free(commitPointer) }
        var tree: OpaquePointer?
        guard git_commit_tree(&tree, commitPointer) == 0, let tree else {
            throw GitError.libgit2(operation: "reading tree of \(commit)", code: -1,
                                   message: GitLibrary.lastErrorMessage())
        }
        return tree
    }

    private func collect(tree: OpaquePointer, prefix: String, include: (String) -> Bool,
                         into files: inout [GitFile]) throws(GitError) {
        for index in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, index) else { continue }
            let name = String(cString: git_tree_entry_name(entry))
            let path = prefix.isEmpty ? name : "\(prefix)/\(name)"
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_TREE:
                var subtree: OpaquePointer?
                guard git_tree_lookup(&subtree, repository.pointer, git_tree_entry_id(entry)) == 0, let subtree else {
                    continue
                }
                defer { git_tree_free(subtree) }
                try collect(tree: subtree, prefix: path, include: include, into: &files)
            case GIT_OBJECT_BLOB where git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK:
                // A symbolic link's blob is its target path, never a manifest (and never followed).
                continue
            case GIT_OBJECT_BLOB where include(path):
                var blob: OpaquePointer?
                guard git_blob_lookup(&blob, repository.pointer, git_tree_entry_id(entry)) == 0, let blob else {
                    throw GitError.libgit2(operation: "reading \(path)", code: -1,
                                           message: GitLibrary.lastErrorMessage())
                }
                defer { git_blob_free(blob) }
                let size = Int(git_blob_rawsize(blob))
                let data = size == 0 ? Data() : Data(bytes: git_blob_rawcontent(blob), count: size)
                files.append(GitFile(path: path, contents: data))
            default:
                continue
            }
        }
    }
}

/// Calls `body` with a `git_strarray` holding `strings`, valid for the call.
func withStringArray<T>(_ strings: [String], _ body: (inout git_strarray) -> T) -> T {
    var pointers = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeMutableBufferPointer { buffer -> T in
        var array = git_strarray(strings: buffer.baseAddress, count: strings.count)
        return body(&array)
    }
}

extension GitMirror {
    /// Opens the repository that contains `path` (a work tree or a bare repository), to read other revisions of a
    /// folder source (`plan --base`). Returns the repository and the path of `path` inside it.
    public static func enclosing(_ path: String) throws(GitError) -> (mirror: GitMirror, subPath: String) {
        GitLibrary.ensureInitialized()
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard git_repository_discover(&buffer, absolute, 0, nil) == 0, let found = buffer.ptr else {
            throw GitError.refNotFound(url: path, ref: "(no Git repository contains \(path))")
        }
        var pointer: OpaquePointer?
        guard git_repository_open(&pointer, String(cString: found)) == 0, let pointer else {
            throw GitError.libgit2(operation: "opening \(path)", code: -1, message: GitLibrary.lastErrorMessage())
        }
        let mirror = GitMirror(repository: GitHandle(pointer, free: git_repository_free), url: absolute)
        var subPath = ""
        if let workdir = git_repository_workdir(pointer) {
            let root = URL(fileURLWithPath: String(cString: workdir)).standardizedFileURL.resolvingSymlinksInPath().path
            if absolute.hasPrefix(root) {
                subPath = String(absolute.dropFirst(root.count)).split(separator: "/").joined(separator: "/")
            }
        }
        return (mirror, subPath)
    }

    /// A commit named as Git names it locally (`main`, `origin/main`, `HEAD~1`, a tag, an id).
    public func resolveLocal(_ ref: String) throws(GitError) -> String {
        var object: OpaquePointer?
        guard git_revparse_single(&object, repository.pointer, ref) == 0, let object else {
            throw GitError.refNotFound(url: remote.url, ref: ref)
        }
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0, let commit else {
            throw GitError.refNotFound(url: remote.url, ref: ref)
        }
        defer { git_object_free(commit) }
        return git_object_id(commit).pointee.hex
    }
}

extension GitMirror {
    /// Creates an empty bare repository at `path` (a local remote, as `flotilla up` makes from a folder), with
    /// HEAD naming `defaultBranch`.
    public static func createBareRepository(at path: String, defaultBranch: String = "main") throws(GitError) {
        GitLibrary.ensureInitialized()
        var pointer: OpaquePointer?
        guard git_repository_init(&pointer, path, 1) == 0, let repository = pointer else {
            throw GitError.libgit2(operation: "creating repository \(path)", code: -1, message: GitLibrary.lastErrorMessage())
        }
        defer { git_repository_free(repository) }
        guard git_repository_set_head(repository, "refs/heads/\(defaultBranch)") == 0 else {
            throw GitError.libgit2(operation: "setting HEAD of \(path)", code: -1, message: GitLibrary.lastErrorMessage())
        }
    }
}
