import Foundation
import Synchronization

/// Everything needed to reach one cluster, resolved from a kubeconfig context: files read, paths resolved.
public struct ClusterConnection: Sendable, Equatable {
    /// How requests authenticate.
    public enum Credentials: Sendable, Equatable {
        case none
        case bearerToken(String)
        /// A token read from a file, read again when it changes (a projected service-account token rotates).
        case tokenFile(String)
        case basic(username: String, password: String)
        /// A token or certificate obtained by running a plugin (cached until it expires).
        case exec(Kubeconfig.ExecConfig)
    }

    public var context: String
    public var server: URL
    /// PEM of the CA that signs the server's certificate; nil means the system's CAs.
    public var certificateAuthorityPEM: Data?
    public var clientCertificatePEM: Data?
    public var clientKeyPEM: Data?
    public var credentials: Credentials
    public var insecureSkipTLSVerify: Bool
    public var tlsServerName: String?
    public var proxyURL: String?
    public var namespace: String

    /// A plain connection to `server` without credentials (a Cluster's `apiEndpoint`, a simulated cluster).
    public init(context: String, server: URL, namespace: String = "default") {
        self.context = context
        self.server = server
        self.credentials = .none
        self.insecureSkipTLSVerify = false
        self.namespace = namespace
    }
}

extension Kubeconfig {
    /// The connection of a context (nil: the current context), with every referenced file read.
    public func connection(context name: String? = nil) throws(KubeconfigError) -> ClusterConnection {
        let contextName = name ?? currentContext ?? ""
        guard let context = contexts[contextName] else { throw KubeconfigError.contextNotFound(contextName) }
        guard let cluster = clusters[context.cluster] else {
            throw KubeconfigError.invalidField(context: contextName, field: "context.cluster",
                                               reason: "cluster \"\(context.cluster)\" is not defined")
        }
        guard let server = URL(string: cluster.server), let scheme = server.scheme,
              scheme == "https" || scheme == "http", server.host != nil else {
            throw KubeconfigError.invalidField(context: contextName, field: "cluster \"\(context.cluster)\" server",
                                               reason: "\"\(cluster.server)\" is not an http(s) URL")
        }
        var connection = ClusterConnection(context: contextName, server: server, namespace: context.namespace ?? "default")
        connection.insecureSkipTLSVerify = cluster.insecureSkipTLSVerify
        connection.tlsServerName = cluster.tlsServerName
        connection.proxyURL = cluster.proxyURL
        connection.certificateAuthorityPEM = cluster.certificateAuthorityData
        if connection.certificateAuthorityPEM == nil, let path = cluster.certificateAuthority {
            connection.certificateAuthorityPEM = try read(path, context: contextName,
                                                          field: "cluster \"\(context.cluster)\" certificate-authority")
        }
        guard !context.user.isEmpty else { return connection }
        guard let user = users[context.user] else {
            throw KubeconfigError.invalidField(context: contextName, field: "context.user",
                                               reason: "user \"\(context.user)\" is not defined")
        }
        let prefix = "user \"\(context.user)\""
        connection.clientCertificatePEM = user.clientCertificateData
        if connection.clientCertificatePEM == nil, let path = user.clientCertificate {
            connection.clientCertificatePEM = try read(path, context: contextName, field: "\(prefix) client-certificate")
        }
        connection.clientKeyPEM = user.clientKeyData
        if connection.clientKeyPEM == nil, let path = user.clientKey {
            connection.clientKeyPEM = try read(path, context: contextName, field: "\(prefix) client-key")
        }
        if (connection.clientCertificatePEM == nil) != (connection.clientKeyPEM == nil) {
            throw KubeconfigError.invalidField(context: contextName, field: "\(prefix)",
                                               reason: "client-certificate and client-key must be given together")
        }
        if let token = user.token, !token.isEmpty {
            connection.credentials = .bearerToken(token)
        } else if let file = user.tokenFile {
            _ = try read(file, context: contextName, field: "\(prefix) tokenFile")  // readable now, or an error now
            connection.credentials = .tokenFile(resolve(file))
        } else if let username = user.username {
            connection.credentials = .basic(username: username, password: user.password ?? "")
        } else if let exec = user.exec {
            guard ExecCredentialProvider.supportedVersions.contains(exec.apiVersion) else {
                throw KubeconfigError.invalidField(
                    context: contextName, field: "\(prefix) exec.apiVersion",
                    reason: "\"\(exec.apiVersion)\" is not supported; use client.authentication.k8s.io/v1 or v1beta1")
            }
            connection.credentials = .exec(exec)
        }
        return connection
    }

    /// Reads a file named in the kubeconfig; relative paths resolve against the kubeconfig's folder.
    func read(_ path: String, context: String, field: String) throws(KubeconfigError) -> Data {
        let resolved = resolve(path)
        guard let data = FileManager.default.contents(atPath: resolved) else {
            throw KubeconfigError.invalidField(context: context, field: field, reason: "cannot read \(resolved)")
        }
        return data
    }

    /// A path named in the kubeconfig, resolved against the kubeconfig's folder when relative.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).path
    }
}

/// Tokens read from files, shared by every connection: read again when the file's modification time changes, or
/// when a request was refused (401), so a rotated token is picked up without a restart. Never logged.
public enum TokenFiles {
    private static let cache = Mutex<[String: (modified: Date?, token: String)]>([:])

    /// The token in `path`; nil when the file cannot be read.
    public static func token(at path: String, reload: Bool = false) -> String? {
        let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        if !reload, let cached = cache.withLock({ $0[path] }), cached.modified == modified { return cached.token }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        cache.withLock { $0[path] = (modified, token) }
        return token
    }
}
