import CGit2
import CGitDeadline
import Synchronization

/// Process-wide libgit2 state: initialised once, and the one CA bundle libgit2 can hold.
enum GitLibrary {
    private static let initialization: Int32 = {
        let code = git_libgit2_init()
        // Every connection libgit2 opens (HTTP, TLS, git://, SSH) goes through a socket that honours a deadline.
        _ = flotilla_git_install_deadline_stream()
        return code
    }()
    private static let caBundle = Mutex<String?>(nil)

    /// Initialises libgit2 once per process; every entry point of this module calls it first.
    static func ensureInitialized() {
        _ = initialization
    }

    /// Points libgit2 at a CA bundle. libgit2 only takes this process-wide, so the last caller wins: a daemon
    /// with several HTTPS sources needs one bundle that holds all their CAs.
    static func useCABundle(_ path: String?) throws(GitError) {
        guard let path else { return }
        ensureInitialized()
        let changed = caBundle.withLock { current -> Bool in
            if current == path { return false }
            current = path
            return true
        }
        guard changed else { return }
        if flotilla_git_set_ssl_cert_locations(path, nil) != 0 {
            throw GitError.invalidConfiguration("cannot use CA bundle \(path): \(lastErrorMessage())")
        }
    }

    /// libgit2's last error message on this thread. Read it right after the failing call, before any `await`.
    static func lastErrorMessage() -> String {
        guard let error = git_error_last(), let message = error.pointee.message else { return "unknown error" }
        return String(cString: message)
    }

    /// libgit2's last error class on this thread.
    static func lastErrorClass() -> Int32 {
        guard let error = git_error_last() else { return 0 }
        return error.pointee.klass
    }
}

/// Owns a libgit2 object pointer and frees it with the matching function.
final class GitHandle {
    let pointer: OpaquePointer
    private let free: (OpaquePointer) -> Void

    init(_ pointer: OpaquePointer, free: @escaping (OpaquePointer) -> Void) {
        self.pointer = pointer
        self.free = free
    }

    deinit { free(pointer) }
}

extension git_oid {
    /// The 40-character hexadecimal id.
    var hex: String {
        var copy = self
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, 41, &copy)
        return String(cString: buffer)
    }

    init?(hex: String) {
        var oid = git_oid()
        guard hex.count == 40, git_oid_fromstr(&oid, hex) == 0 else { return nil }
        self = oid
    }
}

/// A deadline for the libgit2 operation running on one thread, enforced by the sockets it opens (libgit2 1.5 has
/// no network timeouts of its own): past the deadline, or after `interrupt()`, every read and connect of the
/// operation fails, so the operation really ends and the thread is free for the next one.
final class OperationDeadline: @unchecked Sendable {
    private let guardPointer: OpaquePointer

    init() {
        GitLibrary.ensureInitialized()
        guard let pointer = flotilla_git_guard_new() else { fatalError("out of memory") }
        guardPointer = pointer
    }

    deinit { flotilla_git_guard_free(guardPointer) }

    /// Runs `body` on the calling thread with the deadline armed.
    func run<T>(seconds: Double, _ body: () throws(GitError) -> T) throws(GitError) -> T {
        flotilla_git_guard_begin(guardPointer, seconds)
        defer { flotilla_git_guard_end(guardPointer) }
        return try body()
    }

    /// Ends the armed operation now (from any thread).
    func interrupt() { flotilla_git_guard_interrupt(guardPointer) }

    /// Whether the last operation ran past its deadline or was interrupted.
    var expired: Bool { flotilla_git_guard_expired(guardPointer) != 0 }
}
