import Dispatch
import Foundation
import Logging
import Synchronization

/// A revision read from a source: the commit id and the files below the sub-path.
public struct GitSnapshot: Sendable {
    public var commit: String
    public var files: [GitFile]
    /// The commit's message (status commits are recognised by their `Flotilla-Revision:` trailer).
    public var message: String = ""
    /// The repository's tags under `flotilla/` (without `refs/tags/`), sorted: approvals of rollout stages.
    public var tags: [String] = []

    public init(commit: String, files: [GitFile], message: String = "", tags: [String] = []) {
        self.commit = commit
        self.files = files
        self.message = message
        self.tags = tags
    }
}

/// The async face of a `GitMirror`: every blocking libgit2 call runs on one serial queue of its own (never on
/// the cooperative pool), under a watchdog, because libgit2 has no network timeouts and a stalled server would
/// otherwise block forever.
public final class GitSource: Sendable {
    private let queue: DispatchQueue
    /// Touched only on `queue`.
    private let mirror: GitMirror
    private let abort: AbortSignal
    private let deadline = OperationDeadline()
    /// The remote, without credentials.
    public let remote: GitRemoteURL
    /// The longest a network operation may take.
    public let timeout: Duration
    private let logger: Logger
    /// Snapshots taken (every 64th also looks at the mirror's size).
    private let snapshots = Atomic<Int>(0)

    public init(url: String, credentials: GitCredentials = GitCredentials(), cacheRoot: String,
                timeout: Duration = .seconds(120), logger: Logger = Logger(label: "flotilla.git")) throws(GitError) {
        let mirror = try GitMirror(url: url, credentials: credentials, cacheRoot: cacheRoot)
        self.remote = mirror.remote
        self.abort = mirror.abort
        self.mirror = mirror
        self.timeout = timeout
        var logger = logger
        logger[metadataKey: "git.url"] = "\(mirror.remote)"
        self.logger = logger
        self.queue = DispatchQueue(label: "flotilla.git.\(GitMirror.cacheName(for: mirror.remote.url))")
    }

    /// Runs `body` on the mirror's queue; fails with `GitError.timedOut` when it outlasts the timeout. The operation
    /// itself then really ends: its sockets are shut down and every later read or connect fails, so the queue is
    /// free for the next operation even when the server never answers or closes.
    public func run<T: Sendable>(_ operation: String,
                                 _ body: @escaping @Sendable (GitMirror) throws(GitError) -> T) async throws(GitError) -> T {
        let finished = Atomic<Bool>(false)
        let url = remote.url
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let result: Result<T, GitError> = await withCheckedContinuation { continuation in
            queue.async { [mirror, abort, deadline] in
                abort.reset()
                let result: Result<T, GitError>
                do throws(GitError) {
                    result = .success(try deadline.run(seconds: seconds) { () throws(GitError) -> T in
                        try body(mirror)
                    })
                } catch {
                    result = .failure(deadline.expired ? .timedOut(url: url, operation: operation, seconds: seconds)
                                                       : error)
                }
                if !finished.exchange(true, ordering: .acquiringAndReleasing) {
                    continuation.resume(returning: result)
                }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [abort, deadline] in
                if !finished.exchange(true, ordering: .acquiringAndReleasing) {
                    abort.trigger()
                    deadline.interrupt()
                    continuation.resume(returning: .failure(.timedOut(url: url, operation: operation, seconds: seconds)))
                }
            }
        }
        return try result.get()
    }

    /// Fetches, resolves `ref` (nil: the default branch) and reads the files below `path` that `include` accepts.
    public func snapshot(ref: String?, path: String,
                         include: @escaping @Sendable (String) -> Bool = { _ in true }) async throws(GitError) -> GitSnapshot {
        let started = ContinuousClock.now
        do {
            let maintenanceDue = snapshots.add(1, ordering: .relaxed).newValue % 64 == 1
            let snapshot = try await run("fetch") { [logger] mirror throws(GitError) in
                try mirror.fetch()
                // Every 64th fetch (and after status pushes): the mirror kept from growing without bound.
                if maintenanceDue { Self.maintain(mirror, logger: logger) }
                let commit = try mirror.resolve(ref)
                return GitSnapshot(commit: commit, files: try mirror.readFiles(commit: commit, path: path,
                                                                                 include: include),
                                   message: mirror.message(commit: commit),
                                   tags: mirror.referenceNames(prefix: "refs/tags/flotilla/")
                                    .map { String($0.dropFirst("refs/tags/".count)) })
            }
            logger.debug("fetched", metadata: ["git.revision": "\(snapshot.commit)", "git.ref": "\(ref ?? "HEAD")",
                                               "git.files": "\(snapshot.files.count)",
                                               "duration": "\(ContinuousClock.now - started)"])
            return snapshot
        } catch {
            switch error {
            case .refNotFound, .pathNotFound:
                // The fetch worked; what was asked for is not there (a status branch not written yet): the caller's
                // answer, not a failure to report every poll.
                logger.debug("not in the repository", metadata: ["error": "\(error)"])
            default:
                logger.notice("fetch failed", metadata: ["error": "\(error)",
                                                         "error.reason": "\(error.shortDescription)"])
            }
            throw error
        }
    }

    /// Commits and pushes files onto a branch (see `GitMirror.commitAndPush`).
    public func commitAndPush(_ request: GitCommitRequest) async throws(GitError) -> GitPushResult {
        let result = try await run("push") { [logger] mirror throws(GitError) in
            let result = try mirror.commitAndPush(request)
            Self.maintain(mirror, logger: logger)
            return result
        }
        switch result {
        case .pushed(let commit, let attempts):
            logger.info("pushed", metadata: ["git.branch": "\(request.branch)", "git.revision": "\(commit)",
                                             "git.attempts": "\(attempts)"])
        case .unchanged:
            logger.debug("nothing to commit", metadata: ["git.branch": "\(request.branch)"])
        }
        return result
    }

    /// Compacts the mirror when its packs or loose objects pass their bounds; a failure is logged, never fatal (the
    /// mirror is only larger than it should be).
    static func maintain(_ mirror: GitMirror, logger: Logger) {
        do throws(GitError) {
            let before = mirror.footprint()
            if try mirror.compactIfNeeded() {
                logger.info("compacted the mirror", metadata: ["packs.before": "\(before.packs)",
                                                               "loose.before": "\(before.looseObjects)"])
            }
        } catch {
            logger.warning("could not compact the mirror", metadata: ["error": "\(error)"])
        }
    }
}

/// The mirror crosses into `GitSource`'s serial queue and is only ever touched there.
extension GitMirror: @unchecked Sendable {
}
