import FlotillaModel
import Foundation

/// A kubeconfig file: clusters, users and contexts, as `kubectl` reads them.
public struct Kubeconfig: Sendable {
    public struct Cluster: Sendable, Equatable {
        public var server: String
        public var certificateAuthority: String?
        public var certificateAuthorityData: Data?
        public var insecureSkipTLSVerify: Bool
        public var tlsServerName: String?
        public var proxyURL: String?
    }

    public struct User: Sendable, Equatable {
        public var clientCertificate: String?
        public var clientCertificateData: Data?
        public var clientKey: String?
        public var clientKeyData: Data?
        public var token: String?
        public var tokenFile: String?
        public var username: String?
        public var password: String?
        public var exec: ExecConfig?
    }

    public struct Context: Sendable, Equatable {
        public var cluster: String
        public var user: String
        public var namespace: String?
    }

    /// An exec credential plugin (`client.authentication.k8s.io` v1 or v1beta1), as EKS, GKE and AKS use.
    public struct ExecConfig: Sendable, Equatable {
        public var apiVersion: String
        public var command: String
        public var args: [String]
        public var env: [(name: String, value: String)]
        public var provideClusterInfo: Bool

        public static func == (lhs: ExecConfig, rhs: ExecConfig) -> Bool {
            lhs.apiVersion == rhs.apiVersion && lhs.command == rhs.command && lhs.args == rhs.args
                && lhs.env.map { "\($0.name)=\($0.value)" } == rhs.env.map { "\($0.name)=\($0.value)" }
                && lhs.provideClusterInfo == rhs.provideClusterInfo
        }
    }

    public var clusters: [String: Cluster]
    public var users: [String: User]
    public var contexts: [String: Context]
    public var currentContext: String?
    /// The folder relative paths resolve against.
    public var directory: String

    /// The context names, sorted.
    public var contextNames: [String] { contexts.keys.sorted() }

    /// Reads a kubeconfig file.
    public static func load(path: String) throws(KubeconfigError) -> Kubeconfig {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw KubeconfigError.unreadable(path: path, reason: "no such file or not UTF-8")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(text, file: path, directory: directory)
    }

    /// Parses kubeconfig text; relative paths in it resolve against `directory`.
    public static func parse(_ text: String, file: String = "kubeconfig", directory: String) throws(KubeconfigError) -> Kubeconfig {
        let document: JSONValue
        do {
            document = try YAMLDocumentReader.read(text, file: file).first?.value ?? .object([:])
        } catch {
            throw KubeconfigError.unreadable(path: file, reason: error.description)
        }
        var config = Kubeconfig(clusters: [:], users: [:], contexts: [:],
                                currentContext: document["current-context"]?.stringValue, directory: directory)
        for entry in document["clusters"]?.arrayValue ?? [] {
            guard let name = entry["name"]?.stringValue, let cluster = entry["cluster"] else { continue }
            config.clusters[name] = Cluster(
                server: cluster["server"]?.stringValue ?? "",
                certificateAuthority: cluster["certificate-authority"]?.stringValue,
                certificateAuthorityData: cluster["certificate-authority-data"]?.stringValue.flatMap(decodeBase64),
                insecureSkipTLSVerify: cluster["insecure-skip-tls-verify"]?.boolValue ?? false,
                tlsServerName: cluster["tls-server-name"]?.stringValue,
                proxyURL: cluster["proxy-url"]?.stringValue)
        }
        for entry in document["users"]?.arrayValue ?? [] {
            guard let name = entry["name"]?.stringValue else { continue }
            let user = entry["user"] ?? .object([:])
            var exec: ExecConfig?
            if let plugin = user["exec"], let command = plugin["command"]?.stringValue {
                exec = ExecConfig(
                    apiVersion: plugin["apiVersion"]?.stringValue ?? "",
                    command: command,
                    args: (plugin["args"]?.arrayValue ?? []).compactMap(\.stringValue),
                    env: (plugin["env"]?.arrayValue ?? []).compactMap { variable in
                        guard let name = variable["name"]?.stringValue else { return nil }
                        return (name, variable["value"]?.stringValue ?? "")
                    },
                    provideClusterInfo: plugin["provideClusterInfo"]?.boolValue ?? false)
            }
            config.users[name] = User(
                clientCertificate: user["client-certificate"]?.stringValue,
                clientCertificateData: user["client-certificate-data"]?.stringValue.flatMap(decodeBase64),
                clientKey: user["client-key"]?.stringValue,
                clientKeyData: user["client-key-data"]?.stringValue.flatMap(decodeBase64),
                token: user["token"]?.stringValue, tokenFile: user["tokenFile"]?.stringValue,
                username: user["username"]?.stringValue, password: user["password"]?.stringValue, exec: exec)
        }
        for entry in document["contexts"]?.arrayValue ?? [] {
            guard let name = entry["name"]?.stringValue, let context = entry["context"] else { continue }
            config.contexts[name] = Context(cluster: context["cluster"]?.stringValue ?? "",
                                            user: context["user"]?.stringValue ?? "",
                                            namespace: context["namespace"]?.stringValue)
        }
        return config
    }

    static func decodeBase64(_ text: String) -> Data? {
        Data(base64Encoded: text.filter { !$0.isWhitespace })
    }
}
