import ArgumentParser
import FlotillaEngine
import FlotillaGit
import FlotillaModel
import FlotillaSim
import Foundation
import Logging
import ServiceLifecycle

/// `flotilla up`: the whole product on one machine, from a folder of manifests.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Make a local Git repository from a folder, start simulated clusters named after its Clusters, run the daemon against them.")

    @Option(help: "Folder of manifests to start from.") var repo: String = "sample-repo"
    @Option(help: "How many simulated clusters (default: one per Cluster in the folder).") var clusters: Int?
    @Option(help: "Port of the status page and API; the clusters listen on the ports after it.") var port: Int = 8080
    @Option(name: .customLong("work-dir"), help: "Where the Git repository, kubeconfig and mirrors go.")
    var workDirectory: String = ".flotilla-up"
    @Option(help: "Poll interval.") var interval: String = "5s"
    @Option(name: .customLong("ready-delay"), help: "Seconds a simulated workload takes to become ready.")
    var readyDelay: Double = 1

    @Option(name: .customLong("metric-resolution"),
            help: "Seconds between the simulated metrics-server's scrapes (an HPA ignores a new pod's CPU until one window after it became Ready).")
    var metricResolution: Double = 15
    @Option(name: .customLong("log-level")) var logLevel: String = "notice"
    @Option(name: .customLong("admin-port"), help: "Port of the simulated clusters' admin endpoint (faults, load); default: the status port minus one.")
    var adminPort: Int?
    @Option(name: .customLong("autoscaler-sync-period"), help: "How often each FederatedHPA reads its metrics (default 15s).")
    var autoscalerSyncPeriod: String = "15s"

    func run() async throws {
        let manifests = ManifestLoader.load(directory: repo)
        guard manifests.isValid else {
            for error in manifests.errors { FileHandle.standardError.write(Data("\(repo)/\(error)\n".utf8)) }
            throw ExitCode(1)
        }
        let names = manifests.clusters.map(\.name).sorted()
        guard !names.isEmpty else { throw CommandError("\(repo) declares no Cluster (cluster.karmada.io/v1alpha1)") }
        let count = min(clusters ?? names.count, names.count)
        let simulated = Array(names.prefix(count))
        let work = URL(fileURLWithPath: workDirectory).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

        // The source: a bare repository holding the folder as one commit on main (re-used when it exists, so the
        // status branch and any commits made since survive a restart).
        let source = work + "/source.git"
        let cache = work + "/cache"
        if !FileManager.default.fileExists(atPath: source + "/HEAD") {
            try GitMirror.createBareRepository(at: source)
            let files = try ManifestLoader.files(inDirectory: repo)
            var contents: [String: Data] = [:]
            for file in files { contents[file.path] = file.contents }
            if let readme = FileManager.default.contents(atPath: repo + "/README.md") { contents["README.md"] = readme }
            let git = try GitSource(url: source, cacheRoot: cache)
            _ = try await git.commitAndPush(GitCommitRequest(branch: "main", files: contents,
                                                             message: "Initial manifests from \(repo)",
                                                             author: GitSignature(name: "Flotilla up", email: "up@flotilla.local")))
        }

        let ports = simulated.enumerated().map { (name: $0.element, port: port + 1 + $0.offset) }
        let kubeconfig = work + "/kubeconfig"
        try SimServer.kubeconfig(ports).write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        var configuration = EngineConfiguration(repo: source, cacheRoot: cache)
        configuration.ref = "main"
        configuration.kubeconfig = kubeconfig
        configuration.listen = "127.0.0.1:\(port)"
        configuration.interval = DaemonOptions.parseDuration(interval) ?? 5
        configuration.agent.failureThreshold = 5
        configuration.autoscalerSyncPeriod = DaemonOptions.parseDuration(autoscalerSyncPeriod) ?? 15
        let admin = adminPort ?? port - 1
        var logger = Logger(label: "flotilla") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice

        let topology = SimCluster.Topology(nodes: 3, nodeCPU: "8", nodeMemory: "32Gi", readyDelay: readyDelay,
                                           metricResolution: metricResolution)
        let sims = ports.map { (cluster: SimCluster(name: $0.name, topology: topology), port: $0.port) }
        var simLogger = logger
        simLogger.logLevel = .warning
        let simService = SimService(clusters: sims, adminPort: admin, logger: simLogger)
        let missing = names.filter { !simulated.contains($0) }
        var intro = "Flotilla up: \(sims.count) simulated clusters, source \(source) (branch main)\n"
        for entry in ports { intro += "  cluster \(entry.name): http://127.0.0.1:\(entry.port)\n" }
        for name in missing { intro += "  cluster \(name): not simulated (--clusters \(count)); it will show NotReady\n" }
        FileHandle.standardOutput.write(Data(intro.utf8))
        let statusURL = "http://127.0.0.1:\(port)/"
        try await RunCommand.runDaemon(configuration, logger: logger, extraServices: [simService]) { engine in
            // Wait for the first revision, then say what went where and where to look.
            while !(await engine.isReady) { try? await Task.sleep(for: .milliseconds(100)) }
            let report = await engine.report()
            var text = "\nPlaced revision \(report.revision?.prefix(12) ?? "none"):\n"
            for placement in report.placements {
                let targets = placement.error ?? placement.clusters.map { target in
                    target.replicas.map { "\(target.name)×\($0)" } ?? target.name
                }.joined(separator: ", ")
                text += "  \(placement.template) → \(targets)\n"
            }
            text += """

            Status page:   \(statusURL)   (JSON: \(statusURL)api/v1/status, metrics: \(statusURL)metrics)
            kubectl:       kubectl --kubeconfig \(kubeconfig) --context \(simulated[0]) get deploy -A
            Change things: git clone \(source) my-fleet, edit, commit, git push (fetched every \(interval);
                           or POST \(statusURL)hooks/git)
            Status branch: git --git-dir \(source) log flotilla/status
            Load a workload: flotilla sim load \(simulated[0]) NAMESPACE/NAME --cpu-per-pod 800m --admin http://127.0.0.1:\(admin)
            Kill a cluster:  curl -d down http://127.0.0.1:\(admin)/clusters/\(simulated[0])/faults   (and -d up)
            Ctrl-C stops everything.

            """
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}

/// The simulated clusters as a service of the daemon's group (stopped last).
struct SimService: Service {
    let clusters: [(cluster: SimCluster, port: Int)]
    var faults: [String: SimFaultSwitch] = [:]
    var adminPort: Int?
    var stateFile: String?
    var tls: SimTLS?
    /// The bearer token every request must carry (nil: none).
    var token: String?
    let logger: Logger

    func run() async throws {
        let (clusters, faults, adminPort, stateFile, tls, token, logger) = (self.clusters, self.faults, self.adminPort,
                                                                            self.stateFile, self.tls, self.token,
                                                                            self.logger)
        // A graceful shutdown reaches the simulated clusters' servers, which close their connections and end.
        try await SimServer.run(clusters, faults: faults, adminPort: adminPort, stateFile: stateFile, tls: tls,
                                token: token, logger: logger)
    }
}
