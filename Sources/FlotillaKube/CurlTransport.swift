import CCurl
import Foundation
import Synchronization

/// An HTTP request to the Kubernetes API.
public struct KubeRequest: Sendable {
    public var method: String
    /// Path and query (`/apis/apps/v1/namespaces/shop/deployments?limit=500`).
    public var path: String
    public var body: Data?
    public var contentType: String?
    public var accept: String
    /// Seconds the whole request may take.
    public var timeout: Double

    public init(method: String = "GET", path: String, body: Data? = nil, contentType: String? = nil,
                accept: String = "application/json", timeout: Double = 30) {
        self.method = method
        self.path = path
        self.body = body
        self.contentType = contentType
        self.accept = accept
        self.timeout = timeout
    }
}

/// An HTTP response from the Kubernetes API.
public struct KubeResponse: Sendable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body of a 2xx response; any other status as its typed `KubeError`.
    public func checkedBody() throws(KubeError) -> Data {
        guard (200..<300).contains(status) else {
            throw KubeError.decode(code: status, body: body, retryAfterHeader: headers["retry-after"])
        }
        return body
    }
}

/// Collects a response through libcurl's callbacks (passed as the `void *` payload: a capturing closure cannot
/// be a C function pointer).
final class ResponseCollector {
    var body = Data()
    var headers: [String: String] = [:]
    /// For streams (watch): each chunk goes here instead of `body`; returning false stops the transfer.
    var onData: ((Data) -> Bool)?

    var pointer: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> ResponseCollector {
        Unmanaged<ResponseCollector>.fromOpaque(pointer!).takeUnretainedValue()
    }
}

private let writeBody: flotilla_curl_data_callback = { data, size, count, context in
    let length = size * count
    if let data, length > 0 {
        let collector = ResponseCollector.from(context)
        let bytes = Data(bytes: data, count: length)
        if let onData = collector.onData, collector.headers[":status-ok"] != nil {
            if !onData(bytes) { return 0 }  // a short write makes libcurl abort the transfer
        } else {
            collector.body.append(bytes)
        }
    }
    return length
}

private let writeHeader: flotilla_curl_data_callback = { data, size, count, context in
    let length = size * count
    if let data, length > 0 {
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            let collector = ResponseCollector.from(context)
            let code = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            collector.headers[":status-ok"] = (200..<300).contains(code) ? "1" : nil
        }
        if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            ResponseCollector.from(context).headers[name] = value
        }
    }
    return length
}

/// libcurl initialised once per process.
enum CurlLibrary {
    private static let initialization: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    static func ensureInitialized() { _ = initialization }
}

/// Talks HTTP(S) to one cluster through one libcurl easy handle, so connections (and HTTP/2 sessions) are reused.
/// The handle has one owner: every call takes the lock and blocks, so callers run it off the cooperative pool.
/// TLS verification is on unless the kubeconfig says `insecure-skip-tls-verify`. Credentials are never logged.
public final class CurlTransport: Sendable {
    private final class Handle: @unchecked Sendable {
        let curl: UnsafeMutableRawPointer
        init(_ curl: UnsafeMutableRawPointer) { self.curl = curl }
        deinit { curl_easy_cleanup(curl) }
    }

    private let handle: Mutex<Handle>
    public let connection: ClusterConnection
    private let execCredentials: ExecCredentialProvider

    public init(connection: ClusterConnection,
                execCredentials: ExecCredentialProvider = ExecCredentialProvider()) throws(KubeError) {
        CurlLibrary.ensureInitialized()
        guard let curl = curl_easy_init() else {
            throw KubeError.transport(cluster: connection.context, reason: "libcurl could not create a handle")
        }
        self.handle = Mutex(Handle(curl))
        self.connection = connection
        self.execCredentials = execCredentials
    }

    /// Performs one request; HTTP errors are returned as responses (the caller decodes them), transport failures
    /// throw `KubeError.transport`.
    public func perform(_ request: KubeRequest) throws(KubeError) -> KubeResponse {
        try perform(request, onData: nil)
    }

    /// Performs a streaming request: once the server answers 200, every chunk of the body goes to `onData` until
    /// it returns false, the server ends the stream, or the timeout passes. Other statuses come back whole.
    public func stream(_ request: KubeRequest, onData: @escaping (Data) -> Bool) throws(KubeError) -> KubeResponse {
        try perform(request, onData: onData)
    }

    /// Performs the request; when the server refuses the credential (401) and it can be renewed (an exec plugin's,
    /// a token file's), renews it and tries once more, as client-go does.
    func perform(_ request: KubeRequest, onData: ((Data) -> Bool)?) throws(KubeError) -> KubeResponse {
        let response = try perform(request, onData: onData, renew: false)
        switch connection.credentials {
        case .exec, .tokenFile:
            guard response.status == 401 else { return response }
            return try perform(request, onData: onData, renew: true)
        case .bearerToken, .basic, .none:
            return response
        }
    }

    private func perform(_ request: KubeRequest, onData: ((Data) -> Bool)?,
                         renew: Bool) throws(KubeError) -> KubeResponse {
        var token: String?
        var clientCertificate = connection.clientCertificatePEM
        var clientKey = connection.clientKeyPEM
        switch connection.credentials {
        case .bearerToken(let value): token = value
        case .tokenFile(let path):
            guard let value = TokenFiles.token(at: path, reload: renew) else {
                throw KubeError.unauthorized(message: "cannot read the token file \(path)")
            }
            token = value
        case .exec(let config):
            if renew { execCredentials.invalidate(config) }
            do {
                let credential = try execCredentials.credential(for: config, context: connection.context)
                token = credential.token
                if let certificate = credential.clientCertificatePEM, let key = credential.clientKeyPEM {
                    clientCertificate = certificate
                    clientKey = key
                }
            } catch {
                throw KubeError.unauthorized(message: error.description)
            }
        case .basic, .none: break
        }
        let result: Result<KubeResponse, KubeError> = handle.withLock { handle in
            let curl = handle.curl
            curl_easy_reset(curl)
            let collector = ResponseCollector()
            collector.onData = onData
            var headers: UnsafeMutablePointer<curl_slist>?
            defer { curl_slist_free_all(headers) }
            headers = curl_slist_append(headers, "Accept: \(request.accept)")
            if let contentType = request.contentType { headers = curl_slist_append(headers, "Content-Type: \(contentType)") }
            if let token { headers = curl_slist_append(headers, "Authorization: Bearer \(token)") }
            headers = curl_slist_append(headers, "Expect:")
            var url = connection.server.absoluteString
            // tls-server-name: the name the certificate is checked against (and sent as SNI) while the connection
            // still goes to the server's address — the URL names it, CONNECT_TO routes it.
            var connectTo: UnsafeMutablePointer<curl_slist>?
            defer { curl_slist_free_all(connectTo) }
            if let serverName = connection.tlsServerName, !serverName.isEmpty, connection.server.scheme == "https",
               let host = connection.server.host, host != serverName,
               var components = URLComponents(url: connection.server, resolvingAgainstBaseURL: false) {
                let port = connection.server.port ?? 443
                components.host = serverName
                components.port = port
                url = components.url?.absoluteString ?? url
                let target = host.contains(":") ? "[\(host)]" : host
                connectTo = curl_slist_append(connectTo, "\(serverName):\(port):\(target):\(port)")
                flotilla_curl_setopt_slist(curl, CURLOPT_CONNECT_TO, connectTo)
            }
            if url.hasSuffix("/") { url.removeLast() }
            url += request.path
            flotilla_curl_setopt_string(curl, CURLOPT_URL, url)
            flotilla_curl_setopt_string(curl, CURLOPT_USERAGENT, "flotilla/0.1")
            flotilla_curl_setopt_slist(curl, CURLOPT_HTTPHEADER, headers)
            flotilla_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1)
            flotilla_curl_setopt_long(curl, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000))
            flotilla_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, Int(min(request.timeout, 10) * 1000))
            flotilla_curl_setopt_long(curl, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
            flotilla_curl_setopt_data_callback(curl, CURLOPT_WRITEFUNCTION, writeBody)
            flotilla_curl_setopt_pointer(curl, CURLOPT_WRITEDATA, collector.pointer)
            flotilla_curl_setopt_data_callback(curl, CURLOPT_HEADERFUNCTION, writeHeader)
            flotilla_curl_setopt_pointer(curl, CURLOPT_HEADERDATA, collector.pointer)
            if case .basic(let username, let password) = connection.credentials {
                flotilla_curl_setopt_string(curl, CURLOPT_USERNAME, username)
                flotilla_curl_setopt_string(curl, CURLOPT_PASSWORD, password)
            }
            if connection.insecureSkipTLSVerify {
                flotilla_curl_setopt_long(curl, CURLOPT_SSL_VERIFYPEER, 0)
                flotilla_curl_setopt_long(curl, CURLOPT_SSL_VERIFYHOST, 0)
            }
            if let ca = connection.certificateAuthorityPEM {
                ca.withUnsafeBytes { _ = flotilla_curl_setopt_blob(curl, CURLOPT_CAINFO_BLOB, $0.baseAddress, $0.count) }
            }
            if let clientCertificate, let clientKey {
                clientCertificate.withUnsafeBytes {
                    _ = flotilla_curl_setopt_blob(curl, CURLOPT_SSLCERT_BLOB, $0.baseAddress, $0.count)
                }
                clientKey.withUnsafeBytes { _ = flotilla_curl_setopt_blob(curl, CURLOPT_SSLKEY_BLOB, $0.baseAddress, $0.count) }
                flotilla_curl_setopt_string(curl, CURLOPT_SSLCERTTYPE, "PEM")
                flotilla_curl_setopt_string(curl, CURLOPT_SSLKEYTYPE, "PEM")
            }
            if let proxy = connection.proxyURL { flotilla_curl_setopt_string(curl, CURLOPT_PROXY, proxy) }
            if request.method != "GET" { flotilla_curl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, request.method) }
            var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
            let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buffer in
                flotilla_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, buffer.baseAddress)
                let body = request.body ?? (request.method == "GET" || request.method == "DELETE" ? nil : Data())
                guard let body else { return curl_easy_perform(curl) }
                return body.withUnsafeBytes { bytes in
                    flotilla_curl_setopt_offset(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                    flotilla_curl_setopt_pointer(curl, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                    if request.method != "POST" { flotilla_curl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, request.method) }
                    return curl_easy_perform(curl)
                }
            }
            flotilla_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, nil)
            // A stream the caller stopped (short write), or that reached its deadline, ended normally.
            let stopped = onData != nil && collector.headers[":status-ok"] != nil
                && (code == CURLE_WRITE_ERROR || code == CURLE_OPERATION_TIMEDOUT)
            guard code == CURLE_OK || stopped else {
                let detail = String(cString: errorBuffer)
                let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
                return .failure(KubeError.transport(cluster: connection.context, reason: reason))
            }
            var status = 0
            flotilla_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
            return .success(KubeResponse(status: status, headers: collector.headers, body: collector.body))
        }
        return try result.get()
    }

    /// Performs a request and decodes an error status into a typed `KubeError`.
    public func send(_ request: KubeRequest) throws(KubeError) -> Data {
        try perform(request).checkedBody()
    }
}
