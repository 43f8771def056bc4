import ArgumentParser
import FlotillaEngine
import FlotillaGit
import FlotillaModel
import FlotillaServer
import Foundation
import Logging
import ServiceLifecycle

/// The daemon's options: `flotilla.yaml`, every key overridable by a flag.
struct DaemonOptions: ParsableArguments {
    @Option(help: "Configuration file (YAML): repo, ref, path, kubeconfig, credentials, interval, instance, statusBranch, statusPrefix, statusInterval, autoscalerSyncPeriod, listen, webhookSecretFile, selfHeal, allowInsecureEndpoints, prune, pruneGuard, gitAuthor, cacheDir, git: {username, passwordFile, tokenFile, sshKey, knownHosts, caFile, timeout}.")
    var config: String?

    @Option(help: "Git URL of the source.") var repo: String?
    @Option(help: "Branch, tag or commit to follow (default: the remote's default branch).") var ref: String?
    @Option(help: "Sub-path of the source holding the manifests.") var path: String?
    @Option(help: "Kubeconfig with one context per member cluster, named after its Cluster.") var kubeconfig: String?
    @Option(name: .customLong("credentials"), help: "Folder of per-cluster kubeconfig files named after the cluster (or its secretRef name).")
    var credentialsDirectory: String?
    @Option(help: "Poll interval (2s, 30s, 5m).") var interval: String?
    @Option(name: .customLong("status-branch"), help: "Branch status commits go to ('' disables them).") var statusBranch: String?
    @Option(name: .customLong("status-prefix"),
            help: "Folder status files go to on the status branch (default 'status'); never reconciled.")
    var statusPrefix: String?
    @Option(name: .customLong("status-interval"), help: "At most one status commit per this interval.") var statusInterval: String?
    @Option(name: .customLong("autoscaler-sync-period"),
            help: "How often each FederatedHPA reads its metrics and decides (default 15s).")
    var autoscalerSyncPeriod: String?
    @Option(help: "HOST:PORT of the HTTP endpoints.") var listen: String?
    @Option(name: .customLong("webhook-secret-file"), help: "File holding the webhook secret (HMAC-SHA256 / GitLab token).")
    var webhookSecretFile: String?
    @Flag(name: .customLong("no-self-heal"), help: "Record drift but do not correct it.") var noSelfHeal = false
    @Flag(name: .customLong("allow-insecure-endpoints"),
          help: "Send cluster credentials to plain http:// endpoints too (refused by default).")
    var allowInsecureEndpoints = false
    @Option(name: .customLong("instance"),
            help: "This daemon's name (default flotilla): its managed-by label value, field manager and inventory.")
    var instance: String?
    @Flag(name: .customLong("no-prune"), help: "Never delete objects that left the source.") var noPrune = false
    @Option(name: .customLong("prune-guard"), help: "Hold a revision that would delete more than this percent of a cluster's owned objects.")
    var pruneGuard: Double?
    @Option(name: .customLong("git-author"), help: "Author of status commits, \"Name <email>\".") var gitAuthor: String?
    @Option(name: .customLong("git-username")) var gitUsername: String?
    @Option(name: .customLong("git-password-file")) var gitPasswordFile: String?
    @Option(name: .customLong("git-token-file")) var gitTokenFile: String?
    @Option(name: .customLong("git-ssh-key")) var gitSSHKey: String?
    @Option(name: .customLong("git-known-hosts")) var gitKnownHosts: String?
    @Option(name: .customLong("git-ca-file")) var gitCAFile: String?
    @Option(name: .customLong("git-timeout"), help: "Seconds a Git network operation may take.") var gitTimeout: Int?
    @Option(name: .customLong("cache-dir"), help: "Where Git mirrors are kept.") var cacheDirectory: String?
    @Option(name: .customLong("probe-interval"), help: "How often clusters are probed.") var probeInterval: String?
    @Option(name: .customLong("failure-threshold"), help: "How long a cluster may fail its probes before it is NotReady.")
    var failureThreshold: String?
    @Option(name: .customLong("cluster-api-qps"), help: "Requests per second to each member cluster (default 500).")
    var clusterAPIQPS: Double?
    @Option(name: .customLong("cluster-api-burst"), help: "Burst of requests to each member cluster (default 1000).")
    var clusterAPIBurst: Int?
    @Option(name: .customLong("concurrent-applies"), help: "Connections each cluster's applies are spread over (default 4).")
    var concurrentApplies: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    static let fileKeys: Set<String> = ["repo", "ref", "path", "kubeconfig", "credentials", "interval", "statusBranch",
                                        "statusInterval", "listen", "webhookSecretFile", "selfHeal", "prune", "pruneGuard",
                                        "gitAuthor", "cacheDir", "git", "probeInterval", "failureThreshold",
                                        "clusterApiQps", "clusterApiBurst", "concurrentApplies", "statusPrefix",
                                        "instance", "autoscalerSyncPeriod",
                                        "allowInsecureEndpoints"]
    static let gitKeys: Set<String> = ["username", "passwordFile", "tokenFile", "sshKey", "knownHosts", "caFile", "timeout"]

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }

    /// The configuration: the file, then the flags over it.
    func configuration() throws -> EngineConfiguration {
        var file: [String: JSONValue] = [:]
        var locations: [String: Int] = [:]
        if let config {
            guard let data = FileManager.default.contents(atPath: config), let text = String(data: data, encoding: .utf8) else {
                throw CommandError("cannot read \(config)")
            }
            let documents = try YAMLDocumentReader.read(text, file: config)
            guard let document = documents.first, let members = document.value.objectValue else {
                throw CommandError("\(config): expected a mapping of settings")
            }
            file = members
            for key in members.keys { locations[key] = document.location(ofField: key).line }
            for key in members.keys.sorted() where !Self.fileKeys.contains(key) {
                throw CommandError("\(config):\(locations[key] ?? 1): unknown setting \"\(key)\" (known: \(Self.fileKeys.sorted().joined(separator: ", ")))")
            }
            for key in (members["git"]?.objectValue ?? [:]).keys.sorted() where !Self.gitKeys.contains(key) {
                throw CommandError("\(config):\(locations["git"] ?? 1): unknown git setting \"\(key)\" (known: \(Self.gitKeys.sorted().joined(separator: ", ")))")
            }
        }
        func string(_ key: String) throws -> String? {
            guard let value = file[key] else { return nil }
            guard let text = value.stringValue ?? value.intValue.map(String.init) else {
                throw CommandError("\(config ?? ""):\(locations[key] ?? 1): \(key) must be a string")
            }
            return text
        }
        func bool(_ key: String) throws -> Bool? {
            guard let value = file[key] else { return nil }
            guard let flag = value.boolValue else {
                throw CommandError("\(config ?? ""):\(locations[key] ?? 1): \(key) must be true or false")
            }
            return flag
        }
        func duration(_ flag: String?, _ key: String, _ fallback: Double) throws -> Double {
            guard let text = try flag ?? string(key) else { return fallback }
            guard let seconds = Self.parseDuration(text) else {
                throw CommandError("\(flag != nil ? "--" + key : "\(config ?? ""):\(locations[key] ?? 1): \(key)"): \"\(text)\" is not a duration (500ms, 2s, 30s, 5m, 1h)")
            }
            return seconds
        }
        func positive(_ flag: Double?, _ key: String, _ flagName: String, _ fallback: Double) throws -> Double {
            if let flag {
                guard flag > 0 else { throw CommandError("--\(flagName) must be a positive number, not \(flag)") }
                return flag
            }
            guard let value = file[key] else { return fallback }
            var number = value.intValue.map(Double.init)
            if case .double(let exact) = value { number = exact }
            guard let number, number > 0 else {
                throw CommandError("\(config ?? ""):\(locations[key] ?? 1): \(key) must be a positive number")
            }
            return number
        }
        let git = file["git"]?.objectValue ?? [:]
        guard let repo = try repo ?? string("repo") else {
            throw CommandError("no source: give --repo URL or `repo:` in the configuration file")
        }
        let cacheRoot = try cacheDirectory ?? string("cacheDir") ?? Self.defaultCacheRoot()
        var configuration = EngineConfiguration(repo: repo, cacheRoot: cacheRoot)
        configuration.ref = try ref ?? string("ref")
        configuration.path = try path ?? string("path") ?? ""
        configuration.kubeconfig = try kubeconfig ?? string("kubeconfig")
        configuration.credentialsDirectory = try credentialsDirectory ?? string("credentials")
        configuration.interval = try duration(interval, "interval", 30)
        configuration.statusInterval = try duration(statusInterval, "statusInterval", 10)
        configuration.autoscalerSyncPeriod = try duration(autoscalerSyncPeriod, "autoscalerSyncPeriod", 15)
        configuration.agent.probeInterval = try duration(probeInterval, "probeInterval", 2)
        configuration.agent.failureThreshold = try duration(failureThreshold, "failureThreshold", 10)
        configuration.agent.qps = try positive(clusterAPIQPS, "clusterApiQps", "cluster-api-qps", configuration.agent.qps)
        configuration.agent.burst = Int(try positive(clusterAPIBurst.map(Double.init), "clusterApiBurst", "cluster-api-burst",
                                                     Double(configuration.agent.burst)))
        configuration.agent.workers = Int(try positive(concurrentApplies.map(Double.init), "concurrentApplies",
                                                       "concurrent-applies", Double(configuration.agent.workers)))
        let branch = try statusBranch ?? string("statusBranch") ?? "flotilla/status"
        configuration.statusBranch = branch.isEmpty ? nil : branch
        let prefix = (try statusPrefix ?? string("statusPrefix") ?? "status").split(separator: "/").joined(separator: "/")
        guard !prefix.isEmpty, !prefix.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
            throw ValidationError("statusPrefix: a folder inside the repository is needed, not '\(prefix)'")
        }
        configuration.statusPrefix = prefix
        configuration.listen = try listen ?? string("listen") ?? "127.0.0.1:8080"
        if let secretFile = try webhookSecretFile ?? string("webhookSecretFile") {
            configuration.webhookSecret = try GitCredentials.readSecret(file: secretFile)
        }
        configuration.agent.selfHeal = noSelfHeal ? false : (try bool("selfHeal") ?? true)
        configuration.allowInsecureEndpoints = allowInsecureEndpoints
            ? true : (try bool("allowInsecureEndpoints") ?? false)
        let name = try instance ?? string("instance") ?? "flotilla"
        guard ResourceNames.dns1123LabelProblem(name, maxLength: 53) == nil else {
            throw ValidationError("instance: \"\(name)\" must be a DNS label of at most 53 characters "
                + "(lowercase letters, digits and '-'); it names the inventory ConfigMap '<instance>-inventory'")
        }
        configuration.agent.instance = name
        configuration.agent.prune = noPrune ? false : (try bool("prune") ?? true)
        if let guardValue = pruneGuard ?? file["pruneGuard"].flatMap({ $0.intValue.map(Double.init) ?? $0.stringValue.flatMap(Double.init) }) {
            guard (0...100).contains(guardValue) else { throw CommandError("prune guard must be between 0 and 100 (percent)") }
            configuration.agent.pruneGuardPercent = guardValue
        }
        if let author = try gitAuthor ?? string("gitAuthor") {
            guard let signature = GitSignature(parsing: author) else {
                throw CommandError("git author must read \"Name <email>\", not \"\(author)\"")
            }
            configuration.gitAuthor = signature
        }
        var credentials = GitCredentials(username: gitUsername ?? git["username"]?.stringValue,
                                         sshPrivateKeyPath: gitSSHKey ?? git["sshKey"]?.stringValue,
                                         knownHostsPath: gitKnownHosts ?? git["knownHosts"]?.stringValue,
                                         caBundlePath: gitCAFile ?? git["caFile"]?.stringValue)
        if let file = gitPasswordFile ?? git["passwordFile"]?.stringValue { credentials.password = try GitCredentials.readSecret(file: file) }
        if let file = gitTokenFile ?? git["tokenFile"]?.stringValue { credentials.token = try GitCredentials.readSecret(file: file) }
        configuration.credentials = credentials.merged(with: .fromEnvironment())
        configuration.gitTimeout = Double(gitTimeout ?? git["timeout"]?.intValue.map(Int.init) ?? 120)
        _ = try Self.hostPort(configuration.listen)
        return configuration
    }

    static func defaultCacheRoot() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/flotilla" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache/flotilla"
    }

    /// `500ms`, `2s`, `30s`, `5m`, `1h`, or plain seconds.
    static func parseDuration(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number >= 0 else { continue }
            return number * factor
        }
        return Double(text).flatMap { $0 >= 0 ? $0 : nil }
    }

    static func hostPort(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw CommandError("listen address must be HOST:PORT, not \"\(text)\"")
        }
        return (String(text[..<colon]), port)
    }
}

/// `flotilla run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the reconciler: converge the member clusters to the source, heal drift, write status back.")

    @OptionGroup var options: DaemonOptions

    @Flag(name: .customLong("check-config"), help: "Read the configuration, print it (secrets left out) and exit.")
    var checkConfig = false

    func run() async throws {
        let configuration: EngineConfiguration
        do {
            configuration = try options.configuration()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if checkConfig {
            let agent = configuration.agent
            let lines = [
                "repo: \(GitRemoteURL(configuration.repo))", "ref: \(configuration.ref ?? "(default branch)")",
                "path: \(configuration.path)", "kubeconfig: \(configuration.kubeconfig ?? "-")",
                "credentials: \(configuration.credentialsDirectory ?? "-")", "interval: \(configuration.interval)s",
                "statusBranch: \(configuration.statusBranch ?? "(none)")", "statusInterval: \(configuration.statusInterval)s",
                "autoscalerSyncPeriod: \(configuration.autoscalerSyncPeriod)s",
                "listen: \(configuration.listen)", "webhookSecret: \(configuration.webhookSecret == nil ? "none" : "set")",
                "selfHeal: \(agent.selfHeal)", "prune: \(agent.prune)", "pruneGuard: \(agent.pruneGuardPercent)%",
                "gitAuthor: \(configuration.gitAuthor)", "cacheDir: \(configuration.cacheRoot)",
                "clusterApiQps: \(agent.qps)", "clusterApiBurst: \(agent.burst)", "concurrentApplies: \(agent.workers)",
            ]
            print(lines.joined(separator: "\n"))
            return
        }
        try await Self.runDaemon(configuration, logger: options.logger("flotilla"))
    }

    static func runDaemon(_ configuration: EngineConfiguration, logger: Logger,
                          extraServices: [any Service] = [], started: (@Sendable (Engine) async -> Void)? = nil) async throws {
        let engine: Engine
        do {
            // The composition root: the Git source, how clusters are reached and the clock are chosen here.
            var gitLogger = logger
            gitLogger[metadataKey: "component"] = "git"
            let source = try GitSource(url: configuration.repo, credentials: configuration.credentials,
                                       cacheRoot: configuration.cacheRoot,
                                       timeout: .milliseconds(Int(configuration.gitTimeout * 1000)), logger: gitLogger)
            let connector = KubeconfigConnector(kubeconfigPath: configuration.kubeconfig,
                                                credentialsDirectory: configuration.credentialsDirectory,
                                                allowInsecureEndpoints: configuration.allowInsecureEndpoints)
            engine = try Engine(configuration: configuration, logger: logger, source: source, connector: connector,
                                clock: WallClock())
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let (host, port) = try DaemonOptions.hostPort(configuration.listen)
        let server = DaemonServer.application(engine: engine, host: host, port: port, logger: logger)
        var services: [any Service] = extraServices
        services.append(server)
        services.append(EngineService(engine: engine))
        if let started { services.append(CallbackService { await started(engine) }) }
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("flotilla running", metadata: ["listen": "\(configuration.listen)", "repo": "\(GitRemoteURL(configuration.repo))"])
        try await group.run()
    }
}

/// A service that runs a callback once and then waits for shutdown.
struct CallbackService: Service {
    let body: @Sendable () async -> Void

    func run() async throws {
        await body()
        try? await gracefulShutdown()
    }
}
