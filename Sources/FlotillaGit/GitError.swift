/// Everything that can go wrong talking to a Git remote or reading a revision. URLs are always shown without
/// credentials.
public enum GitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The remote cannot be reached (no route, connection refused, no repository there, TLS failure).
    case unreachable(url: String, reason: String)
    /// The remote refused the credentials, or asked for some and none were given.
    case authenticationFailed(url: String, reason: String)
    /// The server's certificate or host key could not be verified.
    case certificateRejected(url: String, reason: String)
    /// No branch, tag or commit of that name.
    case refNotFound(url: String, ref: String)
    /// The sub-path does not exist in that commit (or is not a folder).
    case pathNotFound(url: String, path: String, revision: String)
    /// The remote refused the push for a reason other than a lost race.
    case pushRejected(url: String, branch: String, reason: String)
    /// Every attempt lost the race against other pushers.
    case pushRetriesExhausted(url: String, branch: String, attempts: Int)
    /// A network operation took longer than its deadline (libgit2 has no timeouts of its own).
    case timedOut(url: String, operation: String, seconds: Double)
    /// A credentials file could not be read, or a URL could not be parsed.
    case invalidConfiguration(String)
    /// Any other libgit2 failure.
    case libgit2(operation: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): return "cannot reach \(url): \(reason)"
        case .authenticationFailed(let url, let reason): return "authentication failed for \(url): \(reason)"
        case .certificateRejected(let url, let reason): return "cannot verify the server of \(url): \(reason)"
        case .refNotFound(let url, let ref): return "ref \"\(ref)\" not found in \(url)"
        case .pathNotFound(let url, let path, let revision):
            return "path \"\(path)\" not found at \(revision.prefix(12)) in \(url)"
        case .pushRejected(let url, let branch, let reason): return "push of \(branch) to \(url) rejected: \(reason)"
        case .pushRetriesExhausted(let url, let branch, let attempts):
            return "push of \(branch) to \(url) lost the race with other pushers \(attempts) times; giving up"
        case .timedOut(let url, let operation, let seconds):
            return "\(operation) of \(url) did not finish within \(Int(seconds)) s"
        case .invalidConfiguration(let message): return message
        case .libgit2(let operation, let code, let message): return "\(operation) failed (\(code)): \(message)"
        }
    }

    /// Whether trying again later can help.
    public var isRetryable: Bool {
        switch self {
        case .unreachable, .timedOut, .pushRetriesExhausted, .libgit2: return true
        case .authenticationFailed, .certificateRejected, .refNotFound, .pathNotFound, .pushRejected,
            .invalidConfiguration:
            return false
        }
    }

    /// A short, bounded reason usable as a metric label.
    public var shortDescription: String {
        switch self {
        case .unreachable: return "unreachable"
        case .authenticationFailed: return "auth"
        case .certificateRejected: return "certificate"
        case .refNotFound: return "ref_not_found"
        case .pathNotFound: return "path_not_found"
        case .pushRejected: return "push_rejected"
        case .pushRetriesExhausted: return "push_conflict"
        case .timedOut: return "timeout"
        case .invalidConfiguration: return "configuration"
        case .libgit2: return "libgit2"
        }
    }
}
