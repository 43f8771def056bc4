import Foundation
import Testing
@testable import FlotillaGit

private let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"

@Suite(.serialized) struct GitMirrorLocalTests {
    @Test func fetchesResolvesAndReadsASubPathWithoutAWorkTree() throws {
        let repository = try TestRepository()
        let first = try repository.commit(["apps/web.yaml": deployment, "apps/notes.md": "x", "README.md": "r",
                                           "apps/deep/cm.yaml": "kind: ConfigMap"])
        try repository.tag("v1.0.0")
        let cache = try ScratchFolder()
        let mirror = try GitMirror(url: "file://\(repository.bare)", cacheRoot: cache.path)
        try mirror.fetch()
        #expect(try mirror.resolve(nil) == first)
        #expect(try mirror.resolve("main") == first)
        #expect(try mirror.resolve("refs/heads/main") == first)
        #expect(try mirror.resolve("v1.0.0") == first)  // an annotated tag peels to its commit
        #expect(try mirror.resolve(String(first.prefix(10))) == first)
        let files = try mirror.readFiles(commit: first, path: "apps", include: { $0.hasSuffix(".yaml") })
        #expect(files.map(\.path) == ["deep/cm.yaml", "web.yaml"])
        #expect(String(data: files[1].contents, encoding: .utf8) == deployment)
        // The mirror is bare: nothing is checked out.
        #expect(!FileManager.default.fileExists(atPath: mirror.directory + "/apps"))
    }

    @Test func incrementalFetchSeesANewCommit() throws {
        let repository = try TestRepository()
        let first = try repository.commit(["a.yaml": "a: 1"])
        let cache = try ScratchFolder()
        let mirror = try GitMirror(url: repository.bare, cacheRoot: cache.path)
        try mirror.fetch()
        #expect(try mirror.resolve("main") == first)
        let second = try repository.commit(["a.yaml": "a: 2"])
        // A second mirror object over the same cache folder fetches only what is new.
        let again = try GitMirror(url: repository.bare, cacheRoot: cache.path)
        #expect(again.directory == mirror.directory)
        try again.fetch()
        #expect(try again.resolve("main") == second)
        #expect(try again.resolve(first) == first)
        let text = try again.readFiles(commit: second).first.map { String(data: $0.contents, encoding: .utf8) }
        #expect(text == "a: 2")
    }

    /// A status push fetches the status branch only, not every branch and tag of the repository.
    @Test func aStatusPushFetchesOnlyItsBranch() throws {
        let repository = try TestRepository()
        _ = try repository.commit(["a.yaml": "a: 1"])
        let feature = try repository.commit(["b.yaml": "b: 1"], branch: "feature")
        let cache = try ScratchFolder()
        let mirror = try GitMirror(url: repository.bare, cacheRoot: cache.path)
        let first = try mirror.commitAndPush(GitCommitRequest(branch: "status", files: ["s": Data("1".utf8)],
                                                              message: "status"))
        guard case .pushed(let commit, _) = first else { Issue.record("not pushed: \(first)"); return }
        #expect(throws: GitError.self) { try mirror.resolve("feature") }
        // The second push finds the first one's commit as its parent, through the single-branch fetch.
        let second = try mirror.commitAndPush(GitCommitRequest(branch: "status", files: ["s": Data("2".utf8)],
                                                               message: "status"))
        guard case .pushed(let next, _) = second else { Issue.record("not pushed: \(second)"); return }
        let parent = try sh(["git", "-C", repository.bare, "rev-parse", "\(next)^"])
        #expect(parent.trimmingCharacters(in: .whitespacesAndNewlines) == commit)
        try mirror.fetch()
        #expect(try mirror.resolve("feature") == feature)
    }

    /// A process killed mid-fetch leaves a lock file; the next fetch removes it (it is old) and succeeds.
    @Test func aStaleLockLeftByAKilledFetchIsRecovered() throws {
        let repository = try TestRepository()
        _ = try repository.commit(["a.yaml": "a: 1"])
        let cache = try ScratchFolder()
        let mirror = try GitMirror(url: repository.bare, cacheRoot: cache.path)
        try mirror.fetch()
        let second = try repository.commit(["a.yaml": "a: 2"])
        let lock = mirror.directory + "/refs/remotes/origin/main.lock"
        try "".write(toFile: lock, atomically: false, encoding: .utf8)
        // A fresh lock is someone's write under way: left alone, and the fetch reports it.
        #expect(throws: GitError.self) { try mirror.fetch() }
        #expect(FileManager.default.fileExists(atPath: lock))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: lock)
        try mirror.fetch()
        #expect(try mirror.resolve("main") == second)
        #expect(!FileManager.default.fileExists(atPath: lock))
    }

    @Test func typedErrorsForMissingRefsPathsAndRemotes() throws {
        let repository = try TestRepository()
        let commit = try repository.commit(["a.yaml": "a: 1"])
        let cache = try ScratchFolder()
        let mirror = try GitMirror(url: "file://\(repository.bare)", cacheRoot: cache.path)
        try mirror.fetch()
        #expect(throws: GitError.refNotFound(url: "file://\(repository.bare)", ref: "no-such-branch")) {
            try mirror.resolve("no-such-branch")
        }
        #expect(throws: GitError.pathNotFound(url: "file://\(repository.bare)", path: "apps", revision: commit)) {
            try mirror.readFiles(commit: commit, path: "apps")
        }
        let missing = try GitMirror(url: "file://\(cache.path)/nowhere.git", cacheRoot: cache.path)
        #expect {
            try missing.fetch()
        } throws: { error in
            guard case .unreachable(let url, _)? = error as? GitError else { return false }
            return url == "file://\(cache.path)/nowhere.git"
        }
    }

    @Test func commitAndPushCreatesTheBranchThenOnlyCommitsChanges() throws {
        let repository = try TestRepository()
        let base = try repository.commit(["app.yaml": "a: 1"])
        let cache = try ScratchFolder()
        let mirror = try GitMirror(url: repository.bare, cacheRoot: cache.path)
        let author = GitSignature(name: "Flotilla Bot", email: "bot@flotilla.dev")
        let request = GitCommitRequest(branch: "flotilla/status", files: ["status/summary.md": Data("# ok\n".utf8)],
                                       replacing: ["status"], message: "status: 1/1 synced", author: author)
        guard case .pushed(let commit, 1) = try mirror.commitAndPush(request) else {
            Issue.record("expected a push")
            return
        }
        #expect(try sh(["git", "--git-dir", repository.bare, "rev-parse", "refs/heads/flotilla/status"]) == commit)
        #expect(try sh(["git", "--git-dir", repository.bare, "show", "\(commit):status/summary.md"]) == "# ok")
        #expect(try sh(["git", "--git-dir", repository.bare, "log", "-1", "--format=%an <%ae>|%s", commit])
                == "Flotilla Bot <bot@flotilla.dev>|status: 1/1 synced")
        // The source branch is untouched.
        #expect(try sh(["git", "--git-dir", repository.bare, "rev-parse", "main"]) == base)
        // Same content: no commit.
        #expect(try mirror.commitAndPush(request) == .unchanged(commit: commit))
        // New content replacing the folder: the old file is gone.
        var next = request
        next.files = ["status/drift.md": Data("none\n".utf8)]
        guard case .pushed(let second, _) = try mirror.commitAndPush(next) else {
            Issue.record("expected a push")
            return
        }
        let tree = try sh(["git", "--git-dir", repository.bare, "ls-tree", "-r", "--name-only", second])
        #expect(tree == "status/drift.md")
        #expect(try sh(["git", "--git-dir", repository.bare, "rev-parse", "\(second)^"]) == commit)
    }

    @Test func aConcurrentPushForcesARetryOnTheNewTipNeverAForce() throws {
        let repository = try TestRepository()
        try repository.commit(["status/other.md": "theirs 0"], branch: "status")
        let cache = try ScratchFolder()
        let mirror = try GitMirror(url: repository.bare, cacheRoot: cache.path)
        let request = GitCommitRequest(branch: "status", files: ["status/ours.md": Data("ours\n".utf8)],
                                       message: "status: ours")
        var competitors: [String] = []
        let result = try mirror.commitAndPush(request) { attempt in
            // Someone else pushes between our commit and our push, twice.
            if attempt <= 2, let commit = try? repository.commit(["status/other.md": "theirs \(attempt)"],
                                                                   branch: "status") {
                competitors.append(commit)
            }
        }
        guard case .pushed(let commit, let attempts) = result else {
            Issue.record("expected a push, got \(result)")
            return
        }
        #expect(attempts == 3)
        #expect(competitors.count == 2)
        // Our commit sits on top of the last competing commit: nothing of theirs was lost.
        #expect(try sh(["git", "--git-dir", repository.bare, "rev-parse", "\(commit)^"]) == competitors.last)
        #expect(try sh(["git", "--git-dir", repository.bare, "show", "\(commit):status/other.md"]) == "theirs 2")
        #expect(try sh(["git", "--git-dir", repository.bare, "show", "\(commit):status/ours.md"]) == "ours")
    }

    @Test func retriesAreBounded() throws {
        let repository = try TestRepository()
        try repository.commit(["x": "0"], branch: "status")
        let cache = try ScratchFolder()
        let mirror = try GitMirror(url: repository.bare, cacheRoot: cache.path)
        var request = GitCommitRequest(branch: "status", files: ["y": Data("1".utf8)], message: "m")
        request.maxAttempts = 2
        var counter = 0
        #expect(throws: GitError.pushRetriesExhausted(url: repository.bare, branch: "status", attempts: 2)) {
            try mirror.commitAndPush(request) { _ in
                counter += 1
                _ = try? repository.commit(["x": "\(counter)"], branch: "status")
            }
        }
    }

    @Test func aStalledServerTimesOutInsteadOfBlockingForever() async throws {
        let silent = try SilentServer()
        let cache = try ScratchFolder()
        let source = try GitSource(url: "git://127.0.0.1:\(silent.port)/fleet.git", cacheRoot: cache.path,
                                   timeout: .seconds(2))
        let started = Date()
        await #expect {
            _ = try await source.snapshot(ref: nil, path: "")
        } throws: { error in
            guard case .timedOut(_, let operation, _)? = error as? GitError else { return false }
            return operation == "fetch"
        }
        #expect(Date().timeIntervalSince(started) < 30)
    }

    /// libgit2 1.5 has no socket timeouts: before the deadline-aware stream, the abandoned fetch kept the source's
    /// queue until the peer closed, so every later operation timed out behind it.
    @Test func aTimedOutFetchReallyEndsAndFreesTheSourceForTheNextOperation() async throws {
        let silent = try SilentServer()
        let cache = try ScratchFolder()
        let source = try GitSource(url: "git://127.0.0.1:\(silent.port)/fleet.git", cacheRoot: cache.path,
                                   timeout: .seconds(1))
        for _ in 0..<2 {
            await #expect(throws: GitError.self) { _ = try await source.snapshot(ref: nil, path: "") }
        }
        let answer = try await source.run("probe") { _ in 42 }
        #expect(answer == 42)
    }
}

@Suite struct GitRemoteURLTests {
    @Test(arguments: [
        ("https://alice:s3cr%40t@git.example.com/org/fleet.git", "https://git.example.com/org/fleet.git", "alice",
         "s3cr@t"),
        ("https://token123@git.example.com/fleet.git", "https://git.example.com/fleet.git", "token123", nil),
        ("https://alice:pa/ss@git.example.com/org/fleet.git", "https://git.example.com/org/fleet.git", "alice", "pa/ss"),
        ("https://alice:a/b/c@git.example.com:8443/fleet.git", "https://git.example.com:8443/fleet.git", "alice", "a/b/c"),
        ("https://git.example.com/@scope/fleet.git", "https://git.example.com/@scope/fleet.git", nil, nil),
        ("https://bob:pw@git.example.com/@scope/fleet.git", "https://git.example.com/@scope/fleet.git", "bob", "pw"),
        ("ssh://git@git.example.com:2222/fleet.git", "ssh://git@git.example.com:2222/fleet.git", nil, nil),
        ("git@github.com:org/fleet.git", "git@github.com:org/fleet.git", nil, nil),
        ("/srv/git/fleet.git", "/srv/git/fleet.git", nil, nil),
    ] as [(String, String, String?, String?)])
    func credentialsAreTakenOutOfURLs(raw: String, url: String, username: String?, password: String?) {
        let parsed = GitRemoteURL(raw)
        #expect(parsed.url == url)
        #expect(parsed.description == url)
        #expect(parsed.embedded.username == username)
        #expect(parsed.embedded.password == password)
    }

    @Test func environmentCredentials() {
        let credentials = GitCredentials.fromEnvironment(["FLOTILLA_GIT_USERNAME": "bob", "FLOTILLA_GIT_TOKEN": "t",
                                                          "FLOTILLA_GIT_PASSWORD": ""])
        #expect(credentials == GitCredentials(username: "bob", token: "t"))
    }

    @Test func signatures() {
        #expect(GitSignature(parsing: "Flotilla Bot <bot@example.com>") == GitSignature(name: "Flotilla Bot",
                                                                                         email: "bot@example.com"))
        #expect(GitSignature(parsing: "no email") == nil)
    }
}
