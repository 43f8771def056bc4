import Foundation

/// How to authenticate to a remote. Never written to disk, never logged.
public struct GitCredentials: Sendable, Equatable {
    /// User name for HTTPS basic auth (with `password` or `token`), or for SSH when the URL names none.
    public var username: String?
    public var password: String?
    /// An HTTPS token (GitHub, GitLab, Gitea), sent as the password.
    public var token: String?
    /// SSH private key file, its optional public key and passphrase.
    public var sshPrivateKeyPath: String?
    public var sshPublicKeyPath: String?
    public var sshPassphrase: String?
    /// A known_hosts file the SSH host key must be in. Without one, libgit2's own check (~/.ssh/known_hosts) runs.
    public var knownHostsPath: String?
    /// A PEM bundle of CA certificates for HTTPS. libgit2 takes it process-wide.
    public var caBundlePath: String?
    /// Turns TLS verification off. Off only when asked for explicitly.
    public var insecureSkipTLSVerify = false

    public init(username: String? = nil, password: String? = nil, token: String? = nil,
                sshPrivateKeyPath: String? = nil, sshPublicKeyPath: String? = nil, sshPassphrase: String? = nil,
                knownHostsPath: String? = nil, caBundlePath: String? = nil, insecureSkipTLSVerify: Bool = false) {
        self.username = username
        self.password = password
        self.token = token
        self.sshPrivateKeyPath = sshPrivateKeyPath
        self.sshPublicKeyPath = sshPublicKeyPath
        self.sshPassphrase = sshPassphrase
        self.knownHostsPath = knownHostsPath
        self.caBundlePath = caBundlePath
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
    }

    /// Credentials from `FLOTILLA_GIT_USERNAME`, `FLOTILLA_GIT_PASSWORD` and `FLOTILLA_GIT_TOKEN`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> GitCredentials {
        func value(_ key: String) -> String? {
            guard let text = environment[key], !text.isEmpty else { return nil }
            return text
        }
        return GitCredentials(username: value("FLOTILLA_GIT_USERNAME"), password: value("FLOTILLA_GIT_PASSWORD"),
                              token: value("FLOTILLA_GIT_TOKEN"))
    }

    /// Reads a secret from a file (a password or token file), trimming the trailing newline.
    public static func readSecret(file path: String) throws(GitError) -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw GitError.invalidConfiguration("cannot read credentials file \(path)")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// These credentials with the gaps filled from `other`.
    public func merged(with other: GitCredentials) -> GitCredentials {
        var result = self
        result.username = username ?? other.username
        result.password = password ?? other.password
        result.token = token ?? other.token
        result.sshPrivateKeyPath = sshPrivateKeyPath ?? other.sshPrivateKeyPath
        result.sshPublicKeyPath = sshPublicKeyPath ?? other.sshPublicKeyPath
        result.sshPassphrase = sshPassphrase ?? other.sshPassphrase
        result.knownHostsPath = knownHostsPath ?? other.knownHostsPath
        result.caBundlePath = caBundlePath ?? other.caBundlePath
        result.insecureSkipTLSVerify = insecureSkipTLSVerify || other.insecureSkipTLSVerify
        return result
    }
}

/// A remote URL with any credentials taken out of it.
public struct GitRemoteURL: Sendable, Equatable, CustomStringConvertible {
    /// The URL libgit2 is given: no password or token in it.
    public let url: String
    /// Credentials that were written into the URL.
    public let embedded: GitCredentials

    /// Splits `raw` into a clean URL and the credentials written into it. Plain paths become `file://` paths
    /// as libgit2 takes them (a plain absolute path also works).
    public init(_ raw: String) {
        var embedded = GitCredentials()
        var url = raw
        if let schemeEnd = raw.range(of: "://") {
            let scheme = raw[..<schemeEnd.lowerBound].lowercased()
            let rest = raw[schemeEnd.upperBound...]
            // The user information ends at the first "@"; a password may hold a "/" (which RFC 3986 would have
            // encoded): "user:pa/ss@host" is credentials, "host/path@x" is a path.
            var authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            if let at = rest.firstIndex(of: "@"), at > authorityEnd, let colon = rest.firstIndex(of: ":"),
               colon < authorityEnd {
                authorityEnd = rest[at...].firstIndex(of: "/") ?? rest.endIndex
            }
            let authority = rest[..<authorityEnd]
            if let at = authority.firstIndex(of: "@") {
                let userInfo = authority[..<at]
                let host = authority[authority.index(after: at)...]
                var user = String(userInfo)
                if let colon = userInfo.firstIndex(of: ":") {
                    user = String(userInfo[..<colon])
                    embedded.password = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding
                }
                embedded.username = user.removingPercentEncoding
                let keepUser = scheme == "ssh" || scheme == "git+ssh" || scheme == "ssh+git"
                url = "\(scheme)://\(keepUser && !user.isEmpty ? "\(user)@" : "")\(host)\(rest[authorityEnd...])"
                if keepUser { embedded.username = nil }
            }
        }
        self.url = url
        self.embedded = embedded
    }

    /// Whether the URL is scp-like SSH (`user@host:path`).
    public var isSCPLike: Bool {
        !url.contains("://") && !url.hasPrefix("/") && url.contains(":")
            && (url.firstIndex(of: ":")! < (url.firstIndex(of: "/") ?? url.endIndex))
    }

    /// Whether the remote is a local repository (`file://` or a path).
    public var isLocal: Bool {
        url.hasPrefix("file://") || url.hasPrefix("/") || url.hasPrefix(".") || (!url.contains(":") && !url.contains("@"))
    }

    /// The URL as shown in errors and logs.
    public var description: String { url }
}
