import Foundation
import Testing
@testable import FlotillaKube

/// A folder for kubeconfig files and the files they name, removed afterwards.
final class KubeconfigFolder {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-kubeconfig-\(UUID())")

    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }

    @discardableResult
    func write(_ name: String, _ text: String, executable: Bool = false) throws -> String {
        let path = url.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
        return path
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite struct KubeconfigTests {
    static let base64CA = Data("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n".utf8).base64EncodedString()

    static func config(_ users: String, extraClusters: String = "", extraContexts: String = "") -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: inline
        clusters:
          - name: inline
            cluster:
              server: https://127.0.0.1:6443
              certificate-authority-data: \(base64CA)
              tls-server-name: kubernetes
          - name: files
            cluster:
              server: https://10.0.0.1:443
              certificate-authority: certs/ca.pem
              proxy-url: http://proxy.internal:3128
          - name: plain
            cluster:
              server: http://127.0.0.1:8001
              insecure-skip-tls-verify: true
        \(extraClusters)
        users:
        \(users)
        contexts:
          - {name: inline, context: {cluster: inline, user: token-user, namespace: shop}}
          - {name: files, context: {cluster: files, user: cert-files}}
          - {name: plain, context: {cluster: plain, user: ""}}
          - {name: basic, context: {cluster: plain, user: basic-user}}
          - {name: token-file, context: {cluster: plain, user: token-file-user}}
          - {name: exec, context: {cluster: inline, user: exec-user}}
        \(extraContexts)
        """
    }

    static let users = """
          - {name: token-user, user: {token: s3cr3t-token}}
          - {name: cert-files, user: {client-certificate: certs/client.pem, client-key: /ABSOLUTE/client-key.pem}}
          - {name: basic-user, user: {username: admin, password: hunter2}}
          - {name: token-file-user, user: {tokenFile: token}}
          - name: exec-user
            user:
              exec:
                apiVersion: client.authentication.k8s.io/v1beta1
                command: ./plugin.sh
                args: [--cluster, prod]
                env: [{name: REGION, value: cn-east-3}]
        """

    func folder() throws -> (KubeconfigFolder, Kubeconfig) {
        let folder = try KubeconfigFolder()
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("certs"), withIntermediateDirectories: true)
        try folder.write("certs/ca.pem", "CA FILE")
        try folder.write("certs/client.pem", "CLIENT CERT")
        try folder.write("client-key.pem", "CLIENT KEY")
        try folder.write("token", "file-token\n")
        let text = Self.config(Self.users.replacingOccurrences(of: "/ABSOLUTE", with: folder.url.path))
        let path = try folder.write("config", text)
        return (folder, try Kubeconfig.load(path: path))
    }

    @Test func inlineCertificateAuthorityTokenAndNamespace() throws {
        let (_, config) = try folder()
        #expect(config.contextNames == ["basic", "exec", "files", "inline", "plain", "token-file"])
        let connection = try config.connection()
        #expect(connection.context == "inline")
        #expect(connection.server.absoluteString == "https://127.0.0.1:6443")
        #expect(connection.certificateAuthorityPEM.map { String(decoding: $0, as: UTF8.self) }?.hasPrefix("-----BEGIN") == true)
        #expect(connection.tlsServerName == "kubernetes")
        #expect(connection.credentials == .bearerToken("s3cr3t-token"))
        #expect(connection.namespace == "shop")
        #expect(!connection.insecureSkipTLSVerify)
    }

    @Test func filesResolveAgainstTheKubeconfigFolder() throws {
        let (scratch, config) = try folder()
        defer { withExtendedLifetime(scratch) {} }
        let connection = try config.connection(context: "files")
        #expect(connection.certificateAuthorityPEM == Data("CA FILE".utf8))
        #expect(connection.clientCertificatePEM == Data("CLIENT CERT".utf8))
        #expect(connection.clientKeyPEM == Data("CLIENT KEY".utf8))
        #expect(connection.proxyURL == "http://proxy.internal:3128")
        #expect(connection.namespace == "default")
    }

    @Test func basicTokenFileAndNoUser() throws {
        let (scratch, config) = try folder()
        defer { withExtendedLifetime(scratch) {} }
        #expect(try config.connection(context: "basic").credentials == .basic(username: "admin", password: "hunter2"))
        // A token file is named, not copied: it is read again when it rotates.
        guard case .tokenFile(let path) = try config.connection(context: "token-file").credentials else {
            Issue.record("expected a token file")
            return
        }
        #expect(TokenFiles.token(at: path) == "file-token")
        let plain = try config.connection(context: "plain")
        #expect(plain.credentials == .none)
        #expect(plain.insecureSkipTLSVerify)
    }

    @Test(arguments: [
        ("nope", "context \"nope\" not found in the kubeconfig"),
    ])
    func unknownContext(name: String, message: String) throws {
        let (_, config) = try folder()
        #expect(throws: KubeconfigError.contextNotFound(name)) { try config.connection(context: name) }
        #expect(KubeconfigError.contextNotFound(name).description == message)
    }

    @Test func errorsNameTheContextAndFieldButNoSecret() throws {
        let folder = try KubeconfigFolder()
        let text = Self.config("""
              - {name: token-user, user: {token: s3cr3t-token}}
              - {name: cert-files, user: {client-certificate: missing.pem, client-key: missing-key.pem}}
              - {name: half, user: {client-certificate-data: \(Self.base64CA)}}
              - name: old-exec
                user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: aws}}
            """, extraClusters: """
              - name: broken
                cluster: {server: "127.0.0.1:6443"}
            """, extraContexts: """
              - {name: broken, context: {cluster: broken, user: token-user}}
              - {name: half, context: {cluster: inline, user: half}}
              - {name: old-exec, context: {cluster: inline, user: old-exec}}
              - {name: ghost, context: {cluster: inline, user: nobody}}
            """)
        let config = try Kubeconfig.load(path: try folder.write("config", text))
        let cases: [(String, String)] = [
            ("files", "context \"files\": cluster \"files\" certificate-authority: cannot read \(folder.url.path)/certs/ca.pem"),
            ("broken", "context \"broken\": cluster \"broken\" server: \"127.0.0.1:6443\" is not an http(s) URL"),
            ("half", "context \"half\": user \"half\": client-certificate and client-key must be given together"),
            ("old-exec", "context \"old-exec\": user \"old-exec\" exec.apiVersion: \"client.authentication.k8s.io/v1alpha1\" is not supported; use client.authentication.k8s.io/v1 or v1beta1"),
            ("ghost", "context \"ghost\": context.user: user \"nobody\" is not defined"),
        ]
        for (context, message) in cases {
            do {
                _ = try config.connection(context: context)
                Issue.record("context \(context) should fail")
            } catch {
                #expect(error.description == message)
                #expect(!error.description.contains("s3cr3t"))
            }
        }
    }

    @Test func anUnparsableKubeconfigIsAnError() throws {
        let folder = try KubeconfigFolder()
        let path = try folder.write("config", "clusters:\n\t- bad\n")
        #expect(throws: KubeconfigError.self) { try Kubeconfig.load(path: path) }
    }
}

@Suite(.serialized) struct ExecCredentialTests {
    /// A plugin script that counts its runs in a file and prints an ExecCredential expiring at `expiry`.
    static func plugin(in folder: KubeconfigFolder, expiry: String, version: String = "client.authentication.k8s.io/v1beta1")
        throws -> String {
        try folder.write("plugin.sh", """
            #!/bin/sh
            echo run >> "\(folder.url.path)/runs"
            case "$KUBERNETES_EXEC_INFO" in *ExecCredential*) ;; *) echo "no exec info" >&2; exit 3;; esac
            [ "$REGION" = "cn-east-3" ] || { echo "no env" >&2; exit 4; }
            [ "$1 $2" = "--cluster prod" ] || { echo "no args" >&2; exit 5; }
            printf '{"apiVersion":"\(version)","kind":"ExecCredential","status":{"token":"exec-token","expirationTimestamp":"\(expiry)"}}'
            """, executable: true)
    }

    static func config(_ folder: KubeconfigFolder) throws -> Kubeconfig {
        try Kubeconfig.load(path: try folder.write("config", KubeconfigTests.config(KubeconfigTests.users
            .replacingOccurrences(of: "/ABSOLUTE", with: folder.url.path)
            .replacingOccurrences(of: "./plugin.sh", with: "\(folder.url.path)/plugin.sh"))))
    }

    @Test func aPluginTokenIsCachedUntilItExpires() throws {
        let folder = try KubeconfigFolder()
        try Self.plugin(in: folder, expiry: "2030-01-01T00:00:00Z")
        let connection = try Self.config(folder).connection(context: "exec")
        guard case .exec(let exec) = connection.credentials else {
            Issue.record("expected an exec plugin")
            return
        }
        let provider = ExecCredentialProvider()
        let now = ISO8601DateFormatter().date(from: "2029-12-31T00:00:00Z")!
        #expect(try provider.credential(for: exec, context: "exec", now: now).token == "exec-token")
        #expect(try provider.credential(for: exec, context: "exec", now: now).token == "exec-token")
        #expect(provider.runCount == 1)
        // After the expiration the plugin runs again.
        let later = ISO8601DateFormatter().date(from: "2030-06-01T00:00:00Z")!
        _ = try provider.credential(for: exec, context: "exec", now: later)
        #expect(provider.runCount == 2)
        let runs = try String(contentsOf: folder.url.appendingPathComponent("runs"), encoding: .utf8)
        #expect(runs.split(separator: "\n").count == 2)
    }

    @Test func aFailingPluginIsATypedErrorWithoutTheToken() throws {
        let folder = try KubeconfigFolder()
        try folder.write("plugin.sh", "#!/bin/sh\necho 'credentials expired, run aws sso login' >&2\nexit 1\n", executable: true)
        guard case .exec(let exec) = try Self.config(folder).connection(context: "exec").credentials else {
            Issue.record("expected an exec plugin")
            return
        }
        #expect(throws: KubeconfigError.execPluginFailed(
            context: "exec", command: "\(folder.url.path)/plugin.sh",
            reason: "exit status 1: credentials expired, run aws sso login")) {
            try ExecCredentialProvider().credential(for: exec, context: "exec")
        }
    }

    /// A plugin that never ends (waiting for a browser, a hung network) is killed at the timeout.
    @Test func aHungPluginIsKilledAtTheTimeout() throws {
        let folder = try KubeconfigFolder()
        try folder.write("plugin.sh", "#!/bin/sh\nsleep 30\n", executable: true)
        guard case .exec(let exec) = try Self.config(folder).connection(context: "exec").credentials else {
            Issue.record("expected an exec plugin")
            return
        }
        #expect(throws: KubeconfigError.execPluginFailed(context: "exec", command: "\(folder.url.path)/plugin.sh",
                                                        reason: "did not finish within 1 s; killed")) {
            try ExecCredentialProvider(timeout: 1).credential(for: exec, context: "exec")
        }
    }

    /// After a 401 the transport forgets the plugin's credential, so the next one runs the plugin again.
    @Test func invalidatingRunsThePluginAgain() throws {
        let folder = try KubeconfigFolder()
        try Self.plugin(in: folder, expiry: "2030-01-01T00:00:00Z")
        guard case .exec(let exec) = try Self.config(folder).connection(context: "exec").credentials else {
            Issue.record("expected an exec plugin")
            return
        }
        let provider = ExecCredentialProvider()
        let now = ISO8601DateFormatter().date(from: "2029-12-31T00:00:00Z")!
        _ = try provider.credential(for: exec, context: "exec", now: now)
        provider.invalidate(exec)
        _ = try provider.credential(for: exec, context: "exec", now: now)
        #expect(provider.runCount == 2)
    }

    @Test func aPluginPrintingSomethingElseIsRejected() throws {
        let folder = try KubeconfigFolder()
        try Self.plugin(in: folder, expiry: "2030-01-01T00:00:00Z", version: "client.authentication.k8s.io/v1alpha1")
        guard case .exec(let exec) = try Self.config(folder).connection(context: "exec").credentials else {
            Issue.record("expected an exec plugin")
            return
        }
        #expect(throws: KubeconfigError.self) { try ExecCredentialProvider().credential(for: exec, context: "exec") }
    }
}
