import CGit2
import Foundation
import Synchronization

/// What the C callbacks of one network operation need, passed to them through libgit2's `void *payload`
/// (a closure capturing context cannot be a C function pointer).
final class RemoteCallbackContext {
    let credentials: GitCredentials
    let url: String
    /// Set by the watchdog: the next progress callback aborts the transfer.
    let cancelled: AbortSignal
    var credentialAttempts: [UInt32: Int] = [:]
    var offeredCredentials = false
    var authenticationProblem: String?
    var certificateProblem: String?
    var pushRejections: [String] = []

    init(credentials: GitCredentials, url: String, abort: AbortSignal) {
        self.credentials = credentials
        self.url = url
        self.cancelled = abort
    }

    var payload: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ payload: UnsafeMutableRawPointer?) -> RemoteCallbackContext {
        Unmanaged<RemoteCallbackContext>.fromOpaque(payload!).takeUnretainedValue()
    }

    /// Installs the callbacks and this context into libgit2's callback struct.
    func install(into callbacks: inout git_remote_callbacks) {
        callbacks.payload = payload
        callbacks.credentials = remoteCredentialsCallback
        callbacks.certificate_check = remoteCertificateCallback
        callbacks.transfer_progress = remoteTransferProgressCallback
        callbacks.sideband_progress = remoteSidebandCallback
        callbacks.push_update_reference = remotePushUpdateReferenceCallback
    }
}

private let remoteCredentialsCallback: git_credential_acquire_cb = { out, _, usernameFromURL, allowedTypes, payload in
    let context = RemoteCallbackContext.from(payload)
    let credentials = context.credentials
    let userFromURL = usernameFromURL.map { String(cString: $0) }
    func allowed(_ type: git_credential_t) -> Bool { allowedTypes & type.rawValue != 0 }
    func firstTry(_ type: git_credential_t) -> Bool {
        let count = context.credentialAttempts[type.rawValue, default: 0]
        context.credentialAttempts[type.rawValue] = count + 1
        return count == 0
    }
    if allowed(GIT_CREDENTIAL_SSH_KEY), let key = credentials.sshPrivateKeyPath {
        guard firstTry(GIT_CREDENTIAL_SSH_KEY) else {
            context.authenticationProblem = "the server refused the SSH key"
            return GIT_EAUTH.rawValue
        }
        context.offeredCredentials = true
        return git_credential_ssh_key_new(out, userFromURL ?? credentials.username ?? "git",
                                          credentials.sshPublicKeyPath, key, credentials.sshPassphrase)
    }
    if allowed(GIT_CREDENTIAL_USERPASS_PLAINTEXT), let secret = credentials.token ?? credentials.password {
        guard firstTry(GIT_CREDENTIAL_USERPASS_PLAINTEXT) else {
            context.authenticationProblem = "the server refused the user name and password or token"
            return GIT_EAUTH.rawValue
        }
        context.offeredCredentials = true
        let user = credentials.username ?? userFromURL ?? (credentials.token != nil ? "x-access-token" : "git")
        return git_credential_userpass_plaintext_new(out, user, secret)
    }
    if allowed(GIT_CREDENTIAL_USERNAME), firstTry(GIT_CREDENTIAL_USERNAME) {
        return git_credential_username_new(out, userFromURL ?? credentials.username ?? "git")
    }
    context.authenticationProblem = context.offeredCredentials
        ? "the server refused the credentials"
        : "the server asks for credentials and none were given (--git-username/--git-password-file, "
            + "--git-token-file, --git-ssh-key or FLOTILLA_GIT_* variables)"
    return GIT_EAUTH.rawValue
}

private let remoteCertificateCallback: git_transport_certificate_check_cb = { cert, valid, host, payload in
    let context = RemoteCallbackContext.from(payload)
    guard let cert else { return -1 }
    let hostName = host.map { String(cString: $0) } ?? "?"
    if cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 {
        guard let knownHosts = context.credentials.knownHostsPath else { return GIT_PASSTHROUGH.rawValue }
        let hostkey = UnsafeMutableRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
        guard hostkey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostkey.hostkey else {
            context.certificateProblem = "the server sent no raw host key to check against \(knownHosts)"
            return GIT_ECERTIFICATE.rawValue
        }
        let key = Data(bytes: raw, count: hostkey.hostkey_len)
        if KnownHosts.contains(key: key, host: hostName, file: knownHosts) { return 0 }
        context.certificateProblem = "host key of \(hostName) is not in \(knownHosts)"
        return GIT_ECERTIFICATE.rawValue
    }
    if context.credentials.insecureSkipTLSVerify || valid != 0 { return 0 }
    context.certificateProblem = "the TLS certificate of \(hostName) is not trusted (set a CA bundle with --git-ca-file)"
    return GIT_ECERTIFICATE.rawValue
}

private let remoteTransferProgressCallback: git_indexer_progress_cb = { _, payload in
    RemoteCallbackContext.from(payload).cancelled.isTriggered ? -1 : 0
}

private let remoteSidebandCallback: git_transport_message_cb = { _, _, payload in
    RemoteCallbackContext.from(payload).cancelled.isTriggered ? -1 : 0
}

private let remotePushUpdateReferenceCallback: git_push_update_reference_cb = { refname, status, payload in
    guard let status else { return 0 }
    let context = RemoteCallbackContext.from(payload)
    context.pushRejections.append("\(refname.map { String(cString: $0) } ?? "?"): \(String(cString: status))")
    return 0
}

/// Checks an SSH host key against an OpenSSH known_hosts file (plain host entries; hashed entries are skipped).
enum KnownHosts {
    static func contains(key: Data, host: String, file: String) -> Bool {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return false }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 3, !line.hasPrefix("#") else { continue }
            let hosts = fields[0].split(separator: ",").map(String.init)
            let names = hosts.map { entry -> String in
                // "[host]:port" -> "host"
                if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
                    return String(entry[entry.index(after: entry.startIndex)..<close])
                }
                return entry
            }
            guard names.contains(host), let stored = Data(base64Encoded: String(fields[2])) else { continue }
            if stored == key { return true }
        }
        return false
    }
}

/// A flag a watchdog raises to make libgit2's progress callbacks abort the transfer in flight.
public final class AbortSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isTriggered: Bool { flag.load(ordering: .relaxed) }
    public func trigger() { flag.store(true, ordering: .relaxed) }
    public func reset() { flag.store(false, ordering: .relaxed) }
}
