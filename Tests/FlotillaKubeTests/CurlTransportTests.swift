import FlotillaTestSupport
import Foundation
import Testing
@testable import FlotillaKube

/// The libcurl transport against Python's own HTTP(S) server (a third-party peer, not our simulator): status
/// decoding, headers, bodies, bearer tokens, and TLS with a private CA and client certificates.
@Suite(.serialized) struct CurlTransportTests {
    static let server = """
        import http.server, ssl, sys, json
        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def send(self, code, body, ctype="application/json", extra={}):
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                for k, v in extra.items(): self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def do_GET(self):
                if self.path == "/version":
                    self.send(200, json.dumps({"major": "1", "minor": "31", "gitVersion": "v1.31.0"}))
                elif self.path == "/whoami":
                    self.send(200, json.dumps({"authorization": self.headers.get("Authorization", "")}))
                elif self.path == "/fresh-only":
                    if self.headers.get("Authorization", "") == "Bearer fresh":
                        self.send(200, json.dumps({"ok": True}))
                    else:
                        self.send(401, json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {},
                            "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401}))
                elif self.path == "/throttled":
                    self.send(429, "Too many requests, please try again later.\\n", "text/plain", {"Retry-After": "2"})
                else:
                    self.send(404, json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "message": "the server could not find the requested resource", "reason": "NotFound",
                        "details": {}, "code": 404}))
            def do_PATCH(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                self.send(200, json.dumps({"contentType": self.headers.get("Content-Type"), "body": body}))
            def log_message(self, *args): pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
        if len(sys.argv) > 2:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[2], sys.argv[3])
            context.load_verify_locations(sys.argv[4])
            context.verify_mode = ssl.CERT_REQUIRED
            server.socket = context.wrap_socket(server.socket, server_side=True)
        server.serve_forever()
        """

    final class Scratch {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-curl-\(UUID())")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    static func start(_ scratch: Scratch, tls: [String] = []) throws -> ServerProcess {
        try server.write(toFile: scratch.path("server.py"), atomically: true, encoding: .utf8)
        let port = freePort()
        return try ServerProcess(["python3", scratch.path("server.py"), "\(port)"] + tls, port: port)
    }

    static func openssl(_ arguments: [String]) throws {
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["openssl"] + arguments)
        guard result.status == 0 else { throw ServerStartFailed(description: "openssl failed: \(result.errors)") }
    }

    /// A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA.
    static func certificates(_ scratch: Scratch) throws {
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", scratch.path("ca.key"),
                     "-out", scratch.path("ca.crt"), "-days", "2", "-subj", "/CN=Test CA"])
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: scratch.path("san.ext"), atomically: true, encoding: .utf8)
        for (name, subject) in [("server", "/CN=localhost"), ("client", "/CN=flotilla/O=system:masters")] {
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", scratch.path("\(name).key"),
                         "-out", scratch.path("\(name).csr"), "-subj", subject])
            try openssl(["x509", "-req", "-in", scratch.path("\(name).csr"), "-CA", scratch.path("ca.crt"),
                         "-CAkey", scratch.path("ca.key"), "-CAcreateserial", "-out", scratch.path("\(name).crt"),
                         "-days", "2"] + (name == "server" ? ["-extfile", scratch.path("san.ext")] : []))
        }
    }

    /// A token file that rotates (a projected service-account token) is read again: the new token is used without
    /// a restart, and a 401 makes the transport read the file again before it gives up.
    @Test func aRotatedTokenFileIsReadAgain() throws {
        let scratch = try Scratch()
        let server = try Self.start(scratch)
        let tokenPath = scratch.path("token")
        try "stale\n".write(toFile: tokenPath, atomically: false, encoding: .utf8)
        var connection = ClusterConnection(context: "plain", server: URL(string: "http://127.0.0.1:\(server.port)")!)
        connection.credentials = .tokenFile(tokenPath)
        let transport = try CurlTransport(connection: connection)
        #expect(throws: KubeError.self) { try transport.send(KubeRequest(path: "/fresh-only")) }
        try "fresh\n".write(toFile: tokenPath, atomically: false, encoding: .utf8)
        // Even with the modification time unchanged, the 401 makes the transport read the file again.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)],
                                              ofItemAtPath: tokenPath)
        _ = TokenFiles.token(at: tokenPath)
        try "stale\n".write(toFile: tokenPath, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)],
                                              ofItemAtPath: tokenPath)
        _ = TokenFiles.token(at: tokenPath, reload: true)  // the cache now holds "stale" at that time
        try "fresh\n".write(toFile: tokenPath, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)],
                                              ofItemAtPath: tokenPath)
        let answer = try transport.send(KubeRequest(path: "/fresh-only"))
        #expect(String(decoding: answer, as: UTF8.self).contains("true"))
    }

    @Test func statusHeadersBodiesAndTokens() throws {
        let scratch = try Scratch()
        let server = try Self.start(scratch)
        var connection = ClusterConnection(context: "plain", server: URL(string: "http://127.0.0.1:\(server.port)")!)
        connection.credentials = .bearerToken("t0ken")
        let transport = try CurlTransport(connection: connection)
        let version = try transport.send(KubeRequest(path: "/version"))
        #expect(String(decoding: version, as: UTF8.self).contains("\"gitVersion\": \"v1.31.0\""))
        let whoami = try transport.send(KubeRequest(path: "/whoami"))
        #expect(String(decoding: whoami, as: UTF8.self).contains("Bearer t0ken"))
        #expect(throws: KubeError.notFound(message: "the server could not find the requested resource")) {
            try transport.send(KubeRequest(path: "/api/v1/nothing"))
        }
        #expect(throws: KubeError.tooManyRequests(message: "Too many requests, please try again later.", retryAfter: 2)) {
            try transport.send(KubeRequest(path: "/throttled"))
        }
        let patched = try transport.send(KubeRequest(method: "PATCH", path: "/apis/apps/v1/x", body: Data("spec: {}".utf8),
                                                     contentType: "application/apply-patch+yaml"))
        let echo = String(decoding: patched, as: UTF8.self)
        #expect(echo.contains("application/apply-patch+yaml"))
        #expect(echo.contains("spec: {}"))
    }

    @Test func tlsWithAPrivateCAAndClientCertificates() throws {
        let scratch = try Scratch()
        try Self.certificates(scratch)
        let server = try Self.start(scratch, tls: [scratch.path("server.crt"), scratch.path("server.key"), scratch.path("ca.crt")])
        func read(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: scratch.path(name))) }
        var connection = ClusterConnection(context: "tls", server: URL(string: "https://127.0.0.1:\(server.port)")!)
        connection.certificateAuthorityPEM = try read("ca.crt")
        connection.clientCertificatePEM = try read("client.crt")
        connection.clientKeyPEM = try read("client.key")
        let version = try CurlTransport(connection: connection).send(KubeRequest(path: "/version"))
        #expect(String(decoding: version, as: UTF8.self).contains("v1.31.0"))

        // Without the CA, the server is not trusted: verification is on by default.
        var untrusted = connection
        untrusted.certificateAuthorityPEM = nil
        #expect(throws: KubeError.self) { try CurlTransport(connection: untrusted).send(KubeRequest(path: "/version")) }
        // Without a client certificate, the server refuses the handshake.
        var anonymous = connection
        anonymous.clientCertificatePEM = nil
        anonymous.clientKeyPEM = nil
        #expect(throws: KubeError.self) { try CurlTransport(connection: anonymous).send(KubeRequest(path: "/version")) }
    }

    @Test func aDeadEndpointIsATypedTransportErrorWithinTheTimeout() throws {
        let connection = ClusterConnection(context: "dead", server: URL(string: "http://127.0.0.1:\(freePort())")!)
        let started = Date()
        do {
            _ = try CurlTransport(connection: connection).send(KubeRequest(path: "/version", timeout: 5))
            Issue.record("a dead endpoint answered")
        } catch {
            guard case .transport(let cluster, _) = error else {
                Issue.record("expected a transport error, got \(error)")
                return
            }
            #expect(cluster == "dead")
            #expect(error.isRetryable)
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }
}
