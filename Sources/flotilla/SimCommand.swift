import ArgumentParser
import FlotillaSim
import Foundation
import Logging
import ServiceLifecycle

/// `flotilla sim`: simulated member clusters serving the Kubernetes API on loopback ports (`serve`, the default),
/// and the load their workloads report (`load`).
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulated member clusters: serve them (the default) or change their workloads' load.",
        subcommands: [SimServeCommand.self, SimLoadCommand.self], defaultSubcommand: SimServeCommand.self)
}

/// `flotilla sim serve`.
struct SimServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve simulated member clusters (a Kubernetes API each) on 127.0.0.1, for tests and the quick start.")

    @Option(name: .customLong("cluster"), help: "NAME=PORT; repeat for several clusters.")
    var clusters: [String] = ["member1=6443"]

    @Option(name: .customLong("kubeconfig-out"), help: "Write a kubeconfig with one context per cluster here.")
    var kubeconfigOut: String?

    @Flag(help: "Serve HTTPS with a CA made at start-up and require its client certificate (written into the kubeconfig).")
    var tls = false

    @Option(name: .customLong("token-file"),
            help: "With --tls: require the bearer token in this file on every request instead of a client certificate (401 without it); it goes into the kubeconfig.")
    var tokenFile: String?

    @Option(help: "Nodes per simulated cluster.")
    var nodes: Int = 3

    @Option(name: .customLong("node-cpu"), help: "Allocatable CPU per node.")
    var nodeCPU: String = "8"

    @Option(name: .customLong("node-memory"), help: "Allocatable memory per node.")
    var nodeMemory: String = "32Gi"

    @Option(name: .customLong("ready-delay"), help: "Seconds before a changed workload reports ready.")
    var readyDelay: Double = 1

    @Option(name: .customLong("metric-resolution"),
            help: "Seconds between metrics-server's scrapes: the window of every PodMetrics (an HPA ignores a new pod's CPU until one window after it became Ready).")
    var metricResolution: Double = 15

    @Option(name: .customLong("namespace-termination"), help: "Seconds a deleted Namespace stays Terminating.")
    var namespaceTermination: Double = 0.5

    @Option(name: .customLong("state"), help: "Keep the clusters' objects in this file across restarts.")
    var stateFile: String?

    @Option(name: .customLong("admin-port"),
            help: "Port of the admin endpoint (POST /clusters/NAME/faults, POST /clusters/NAME/load).")
    var adminPort: Int?

    @Option(name: .customLong("fault"), help: "NAME=FAULTS at start, e.g. member1=slow=200 or member2=down.")
    var faults: [String] = []

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "warning"

    func run() async throws {
        var parsed: [(name: String, port: Int)] = []
        for entry in clusters {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port), !parts[0].isEmpty else {
                throw ValidationError("--cluster \(entry): expected NAME=PORT")
            }
            // Two clusters on one port would both be served there (the listener reuses the port), each request
            // reaching one of them at random: refused.
            if let other = parsed.first(where: { $0.port == port || $0.name == parts[0] }) {
                throw ValidationError("--cluster \(entry): \(other.port == port ? "port \(port)" : "name \(other.name)") is already taken by \(other.name)")
            }
            parsed.append((String(parts[0]), port))
        }
        let certificates = tls ? try SimTLS() : nil
        var token: String?
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8),
                  case let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty,
                  !trimmed.contains(where: \.isWhitespace) else {
                throw ValidationError("--token-file \(tokenFile): cannot read a token (one line, no spaces) there")
            }
            token = trimmed
            // Clients send no token over plain HTTP (kubectl's rule, and Flotilla's).
            guard tls else { throw ValidationError("--token-file needs --tls: no client sends a token over plain http") }
        }
        if let kubeconfigOut {
            // It holds a client key or a token: readable by its owner only.
            let text = SimServer.kubeconfig(parsed, tls: certificates, token: token)
            FileManager.default.createFile(atPath: kubeconfigOut, contents: Data(text.utf8),
                                           attributes: [.posixPermissions: 0o600])
        } else if tls {
            throw ValidationError("--tls needs --kubeconfig-out: the client certificate is only handed out there")
        }
        var logger = Logger(label: "flotilla.sim") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let lines = parsed.map { "cluster \($0.name): \(tls ? "https" : "http")://127.0.0.1:\($0.port)\n" }.joined()
        FileHandle.standardOutput.write(Data(lines.utf8))
        var switches: [String: SimFaultSwitch] = [:]
        for entry in faults {
            guard let equals = entry.firstIndex(of: "=") else { throw ValidationError("--fault \(entry): expected NAME=FAULTS") }
            do {
                switches[String(entry[..<equals])] = SimFaultSwitch(try SimFaults(parsing: String(entry[entry.index(after: equals)...])))
            } catch {
                throw ValidationError("--fault \(entry): \(error)")
            }
        }
        let topology = SimCluster.Topology(nodes: nodes, nodeCPU: nodeCPU, nodeMemory: nodeMemory, readyDelay: readyDelay,
                                              namespaceTermination: namespaceTermination,
                                              metricResolution: metricResolution)
        // Under swift-service-lifecycle, so SIGTERM and SIGINT stop it cleanly (exit 0).
        let service = SimService(clusters: parsed.map { (SimCluster(name: $0.name, topology: topology), $0.port) },
                                 faults: switches, adminPort: adminPort, stateFile: stateFile, tls: certificates,
                                 token: token, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
