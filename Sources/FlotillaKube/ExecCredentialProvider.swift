import Dispatch
import FlotillaModel
import Foundation
import Synchronization

/// What an exec credential plugin returned.
public struct ExecCredential: Sendable, Equatable {
    public var token: String?
    public var clientCertificatePEM: Data?
    public var clientKeyPEM: Data?
    /// When the credential stops being valid; nil: until the process ends.
    public var expiration: Date?
}

/// Runs exec credential plugins (`client.authentication.k8s.io` v1 and v1beta1) and caches what they return until
/// `expirationTimestamp`, as client-go does. The credential is never logged.
public final class ExecCredentialProvider: Sendable {
    public static let supportedVersions: Set<String> = [
        "client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1",
    ]

    private let cache = Mutex<[String: ExecCredential]>([:])
    /// How often each plugin ran (for tests and metrics).
    private let runs = Mutex<Int>(0)

    /// How long a plugin may run before it is killed (a plugin waiting on a browser or a hung network never ends).
    public let timeout: TimeInterval

    public init(timeout: TimeInterval = 30) { self.timeout = timeout }

    /// Forgets the cached credential of a plugin: the next request runs it again (after a 401, as client-go does).
    public func invalidate(_ config: Kubeconfig.ExecConfig) {
        cache.withLock { $0[Self.key(config)] = nil }
    }

    private static func key(_ config: Kubeconfig.ExecConfig) -> String {
        ([config.apiVersion, config.command] + config.args + config.env.map { "\($0.name)=\($0.value)" })
            .joined(separator: "\u{0}")
    }

    /// The number of plugin runs so far.
    public var runCount: Int { runs.withLock { $0 } }

    /// A valid credential for the plugin: the cached one, or a fresh one when there is none or it has expired.
    public func credential(for config: Kubeconfig.ExecConfig, context: String,
                           now: Date = Date()) throws(KubeconfigError) -> ExecCredential {
        let key = Self.key(config)
        if let cached = cache.withLock({ $0[key] }), cached.expiration.map({ $0 > now }) ?? true {
            return cached
        }
        let credential = try run(config, context: context)
        cache.withLock { $0[key] = credential }
        return credential
    }

    private func run(_ config: Kubeconfig.ExecConfig, context: String) throws(KubeconfigError) -> ExecCredential {
        runs.withLock { $0 += 1 }
        func failure(_ reason: String) -> KubeconfigError {
            .execPluginFailed(context: context, command: config.command, reason: reason)
        }
        var environment = ProcessInfo.processInfo.environment
        for variable in config.env { environment[variable.name] = variable.value }
        environment["KUBERNETES_EXEC_INFO"] = "{\"apiVersion\":\"\(config.apiVersion)\",\"kind\":\"ExecCredential\","
            + "\"spec\":{\"interactive\":false}}"
        let executable = config.command.contains("/") ? config.command : "/usr/bin/env"
        let arguments = config.command.contains("/") ? config.args : [config.command] + config.args
        let process: ChildProcess
        let output: (read: Int32, write: Int32)
        let errors: (read: Int32, write: Int32)
        do throws(SpawnError) {
            output = try ChildProcess.pipe()
            errors = try ChildProcess.pipe()
            defer {
                close(output.write)
                close(errors.write)
            }
            do throws(SpawnError) {
                process = try ChildProcess(executable, arguments, environment: environment,
                                           standardOutput: output.write, standardError: errors.write)
            } catch {
                close(output.read)
                close(errors.read)
                throw error
            }
        } catch {
            throw failure("cannot start: \(error)")
        }
        // The output is read on other threads, so a plugin that never ends (or leaves a child holding its pipes) is
        // killed at the timeout without the caller waiting for the pipes to close.
        let deadline = Date().addingTimeInterval(timeout)
        let outputStream = ChildProcess.drain(output.read)
        let errorStream = ChildProcess.drain(errors.read)
        guard let data = outputStream.collected(timeout: timeout),
              let errorData = errorStream.collected(timeout: max(0, deadline.timeIntervalSinceNow)) else {
            process.signal(SIGKILL)
            process.wait()
            throw failure("did not finish within \(Int(timeout)) s; killed")
        }
        let errorText = String(decoding: errorData, as: UTF8.self)
        let status = process.wait()
        guard status == 0 else {
            throw failure("exit status \(status): \(errorText.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) else {
            throw failure("its output is not an ExecCredential JSON object")
        }
        let value = JSONValue(foundation: object)
        guard value["kind"]?.stringValue == "ExecCredential",
              let version = value["apiVersion"]?.stringValue, Self.supportedVersions.contains(version) else {
            throw failure("its output is not a client.authentication.k8s.io v1 or v1beta1 ExecCredential")
        }
        let status0 = value["status"]
        var credential = ExecCredential(token: status0?["token"]?.stringValue,
                                        clientCertificatePEM: status0?["clientCertificateData"]?.stringValue.map { Data($0.utf8) },
                                        clientKeyPEM: status0?["clientKeyData"]?.stringValue.map { Data($0.utf8) })
        if let stamp = status0?["expirationTimestamp"]?.stringValue {
            guard let date = ISO8601DateFormatter().date(from: stamp) else {
                throw failure("expirationTimestamp \"\(stamp)\" is not RFC 3339")
            }
            credential.expiration = date
        }
        guard credential.token != nil || (credential.clientCertificatePEM != nil && credential.clientKeyPEM != nil) else {
            throw failure("the ExecCredential holds neither a token nor a client certificate and key")
        }
        return credential
    }

}
