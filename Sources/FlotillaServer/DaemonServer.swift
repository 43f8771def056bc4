import Crypto
import FlotillaEngine
import Foundation
import Hummingbird
import Logging

/// The daemon's HTTP endpoints: `/healthz`, `/readyz`, `/metrics`, `/api/v1/status`, `/` and the Git webhook.
public enum DaemonServer {
    /// The Hummingbird application serving `engine` on `host:port`.
    public static func application(engine: Engine, host: String, port: Int, logger: Logger)
        -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            let ready = await engine.isReady
            return text(ready ? "ok\n" : "no revision applied yet\n", status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ -> Response in
            var response = text(engine.metrics.render(), status: .ok)
            response.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return response
        }
        router.get("/api/v1/status") { _, _ -> Response in
            let report = await engine.report()
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(data: report.json())))
        }
        router.get("/") { _, _ -> Response in
            let report = await engine.report()
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: StatusPage.html(report))))
        }
        let secret = engine.configuration.webhookSecret
        let watchedRef = engine.watchedRef
        router.post("/hooks/git") { request, _ -> Response in
            var request = request
            let headers = request.headers.reduce(into: [String: String]()) { result, field in
                result[field.name.canonicalName] = field.value
            }
            // Checked before the body is read: its declared size, and (with a secret) whether it claims any
            // authentication at all.
            if let length = headers["content-length"].flatMap(Int.init), length > Webhook.maxBody {
                return text("payload larger than \(Webhook.maxBody) bytes\n", status: .contentTooLarge)
            }
            if case .failure(let reason) = Webhook.precheck(headers: headers, secret: secret) {
                logger.warning("webhook refused", metadata: ["reason": "\(reason)"])
                return text("\(reason)\n", status: .unauthorized)
            }
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: Webhook.maxBody) } catch {
                return text("payload larger than \(Webhook.maxBody) bytes\n", status: .contentTooLarge)
            }
            let bytes = Data(buffer: body)
            switch Webhook.verify(headers: headers, body: bytes, secret: secret) {
            case .failure(let reason):
                logger.warning("webhook refused", metadata: ["reason": "\(reason)"])
                return text("\(reason)\n", status: .unauthorized)
            case .success:
                break
            }
            let push = Webhook.parse(headers: headers, body: bytes)
            if let ref = push.ref, let watchedRef, ref != watchedRef {
                return text("ignored: push to \(ref), watching \(watchedRef)\n", status: .accepted)
            }
            engine.trigger(authenticated: !(secret ?? "").isEmpty)
            logger.info("webhook: fetching", metadata: ["provider": "\(push.provider)",
                                                        "ref": "\(Webhook.sanitised(push.ref ?? ""))",
                                                        "after": "\(Webhook.sanitised(push.after ?? ""))"])
            return text("fetching\n", status: .accepted)
        }
        return Application(router: router,
                           configuration: .init(address: .hostname(host, port: port), serverName: "flotilla"),
                           logger: logger)
    }

    static func text(_ body: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Git push webhooks: GitHub (`X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>`) and GitLab (`X-Gitlab-Token`,
/// or a signing token's HMAC-SHA256 in `X-Gitlab-Signature` / Standard Webhooks' `webhook-signature`).
public enum Webhook {
    public struct Push: Sendable, Equatable {
        public var provider: String
        public var ref: String?
        public var after: String?
    }

    public enum Verdict: Sendable, Equatable {
        case success
        case failure(String)
    }

    /// The largest payload read (GitHub's push payloads are far smaller; a bigger body is refused unread).
    public static let maxBody = 1 << 20

    /// What can be checked before the body is read: with a secret, the request must carry a signature or a token.
    public static func precheck(headers: [String: String], secret: String?) -> Verdict {
        guard let secret, !secret.isEmpty else { return .success }
        let carried = ["x-hub-signature-256", "x-gitlab-token", "x-gitlab-signature", "webhook-signature"]
        return carried.contains { headers[$0] != nil } ? .success : .failure("no signature or token")
    }

    /// A value from a payload as it may go into a log: printable ASCII without spaces, at most 200 characters (a
    /// forged `after` cannot add a log line or a field).
    public static func sanitised(_ value: String) -> String {
        let kept = value.unicodeScalars.prefix(200).map { scalar -> Character in
            (scalar.value > 0x20 && scalar.value < 0x7F && scalar != "\"" && scalar != "=") ? Character(scalar) : "?"
        }
        return String(kept) + (value.unicodeScalars.count > 200 ? "..." : "")
    }

    /// Checks the request against `secret` (nil: nothing to check). Header names are lower-case.
    public static func verify(headers: [String: String], body: Data, secret: String?) -> Verdict {
        guard let secret, !secret.isEmpty else { return .success }
        let key = SymmetricKey(data: Data(secret.utf8))
        if let signature = headers["x-hub-signature-256"] {
            guard signature.hasPrefix("sha256="), let mac = hex(String(signature.dropFirst(7))) else {
                return .failure("malformed X-Hub-Signature-256")
            }
            return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key)
                ? .success : .failure("signature mismatch")
        }
        if let token = headers["x-gitlab-token"] {
            return constantTimeEqual(Array(token.utf8), Array(secret.utf8)) ? .success : .failure("token mismatch")
        }
        if let signature = headers["x-gitlab-signature"] ?? headers["x-signature-256"] {
            let hexText = signature.hasPrefix("sha256=") ? String(signature.dropFirst(7)) : signature
            guard let mac = hex(hexText) else { return .failure("malformed signature") }
            return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key)
                ? .success : .failure("signature mismatch")
        }
        return .failure("no signature: X-Hub-Signature-256 (GitHub) or X-Gitlab-Token (GitLab) is required")
    }

    /// Reads the provider, ref and new commit of a push payload (anything else: a ping, fetched anyway).
    public static func parse(headers: [String: String], body: Data) -> Push {
        let provider = headers["x-github-event"] != nil ? "github" : headers["x-gitlab-event"] != nil ? "gitlab" : "generic"
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return Push(provider: provider, ref: nil, after: nil)
        }
        return Push(provider: provider, ref: object["ref"] as? String,
                    after: (object["after"] as? String) ?? (object["checkout_sha"] as? String))
    }

    static func hex(_ text: String) -> Data? {
        guard text.count % 2 == 0 else { return nil }
        var data = Data(capacity: text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            data.append(byte)
            index = next
        }
        return data
    }

    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

/// `/`: the status for a person.
enum StatusPage {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func html(_ report: StatusReport) -> String {
        var html = """
        <!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
        <title>Flotilla</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
        td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}.bad{color:#b00}.good{color:#070}</style></head><body>
        <h1>Flotilla</h1>
        """
        html += "<p>Revision in force: <code>\(escape(report.revision ?? "none"))</code></p>"
        if !report.sourceErrors.isEmpty {
            html += "<h2 class=bad>Latest revision not applied</h2><ul>"
            for error in report.sourceErrors { html += "<li><code>\(escape(error))</code></li>" }
            html += "</ul>"
        }
        html += "<h2>Clusters</h2><table><tr><th>cluster</th><th>ready</th><th>version</th><th>nodes</th><th>works</th>"
            + "<th>synced</th><th>healthy</th><th>note</th></tr>"
        for cluster in report.clusters {
            let note = [cluster.reason, cluster.held, cluster.lastError].compactMap { $0 }.joined(separator: "; ")
            html += "<tr><td>\(escape(cluster.name))</td><td class=\(cluster.ready ? "good" : "bad")>"
                + "\(cluster.ready ? "Ready" : "NotReady")</td><td>\(escape(cluster.kubernetesVersion ?? "-"))</td>"
                + "<td>\(cluster.nodes)</td><td>\(cluster.works)</td><td>\(cluster.synced)</td><td>\(cluster.healthy)</td>"
                + "<td>\(escape(note))</td></tr>"
        }
        html += "</table><h2>What runs where</h2><table><tr><th>template</th><th>policy</th><th>clusters</th></tr>"
        for placement in report.placements {
            let targets = placement.clusters.map { target in
                target.replicas.map { "\(target.name) (\($0))" } ?? target.name
            }.joined(separator: ", ")
            html += "<tr><td>\(escape(placement.template))</td><td>\(escape(placement.policy ?? "-"))</td>"
                + "<td>\(escape(placement.error ?? targets))</td></tr>"
        }
        if let rollouts = report.rollouts, !rollouts.isEmpty {
            html += "</table><h2>Rollouts</h2><table><tr><th>rollout</th><th>stage</th><th>state</th><th>revision</th>"
                + "<th>clusters</th><th>note</th></tr>"
            for rollout in rollouts {
                for stage in rollout.stages {
                    let good = stage.state == "Succeeded" ? "good" : stage.state == "Failed" ? "bad" : ""
                    html += "<tr><td>\(escape(rollout.name))</td><td>\(escape(stage.name))</td>"
                        + "<td class=\"\(good)\">\(stage.state)</td><td><code>\(escape(String(stage.revision.prefix(12))))</code></td>"
                        + "<td>\(escape(stage.clusters.map(\.name).joined(separator: ", ")))</td>"
                        + "<td>\(escape(stage.message ?? ""))</td></tr>"
                }
            }
        }
        html += "</table><h2>Works</h2><table><tr><th>cluster</th><th>object</th><th>replicas</th><th>sync</th><th>health</th>"
            + "<th>message</th></tr>"
        for work in report.works {
            let replicas = work.desiredReplicas.map { "\(work.readyReplicas ?? 0)/\($0)" } ?? ""
            html += "<tr><td>\(escape(work.cluster))</td><td>\(escape("\(work.kind) \(work.namespace.map { $0 + "/" } ?? "")\(work.name)"))</td>"
                + "<td>\(replicas)</td><td>\(work.sync.rawValue)</td><td>\(work.health.rawValue)</td>"
                + "<td>\(escape(work.lastError ?? work.message ?? ""))</td></tr>"
        }
        html += "</table><h2>Open drift</h2>"
        if report.openDrift.isEmpty { html += "<p>None.</p>" }
        for drift in report.openDrift {
            html += "<p>\(escape(drift.cluster)): \(escape(drift.object)) \(escape(drift.change)) "
                + "\(escape(drift.fields.map(\.path).joined(separator: ", ")))</p>"
        }
        html += "<h2>Recently healed</h2><ul>"
        for drift in report.healedDrift.prefix(20) {
            html += "<li>\(escape(drift.cluster)): \(escape(drift.object)) \(escape(drift.change))"
                + "\(drift.manager.map { " by " + escape($0) } ?? "")</li>"
        }
        return html + "</ul></body></html>\n"
    }
}
