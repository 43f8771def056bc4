import FlotillaEngine
import FlotillaKube
import FlotillaModel
import FlotillaTestSupport
import Foundation
import Testing

/// A whole fleet on loopback, all real processes: a bare Git repository and a working clone (the `git` command),
/// `flotilla sim` with three clusters and an admin port, `flotilla run`, and `kubectl` as the independent observer.
final class Fleet {
    let folder: URL
    let source: String
    let work: String
    let repository: GitWorkingCopy
    let kubeconfig: String
    let simPorts: [String: Int]
    let adminPort: Int
    let daemonPort: Int
    let sim: ServerProcess
    var daemon: ServerProcess?
    var daemonLog: String { folder.appendingPathComponent("daemon.log").path }
    static let clusters = ["aws-east", "gcp-west", "dc1"]

    init(files: [String: String] = Fleet.baseFiles, readyDelay: String = "0.2",
         clusters names: [String] = Fleet.clusters) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-fleet-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        repository = try GitWorkingCopy(in: folder)
        source = repository.bare
        work = repository.work
        kubeconfig = folder.appendingPathComponent("kubeconfig").path
        var ports: [String: Int] = [:]
        var arguments = [flotillaBinary.path, "sim", "--kubeconfig-out", kubeconfig, "--ready-delay", readyDelay,
                         "--metric-resolution", "1"]
        let chosen = freePorts(names.count + 1)
        for (index, cluster) in names.enumerated() {
            ports[cluster] = chosen[index]
            arguments += ["--cluster", "\(cluster)=\(ports[cluster]!)"]
        }
        simPorts = ports
        adminPort = chosen[names.count]
        arguments += ["--admin-port", "\(adminPort)"]
        sim = try ServerProcess(arguments, port: adminPort, logFile: folder.appendingPathComponent("sim.log").path)
        for cluster in names { try Self.waitForPort(ports[cluster]!) }
        daemonPort = freePort()
        try commit(files, message: "fleet")
    }

    deinit {
        daemon = nil
        try? FileManager.default.removeItem(at: folder)
    }

    static func waitForPort(_ port: Int) throws {
        let deadline = Date().addingTimeInterval(10)
        while !isListening(port) {
            guard Date() < deadline else { throw ServerStartFailed(description: "nothing listens on \(port)") }
            usleep(20_000)
        }
    }

    @discardableResult
    static func git(_ arguments: [String], in directory: String) throws -> String {
        try GitWorkingCopy.git(arguments, in: directory)
    }

    /// Writes files (nil content: delete), commits and pushes to main.
    func commit(_ files: [String: String?], message: String) throws { try repository.commit(files, message: message) }

    func commit(_ files: [String: String], message: String) throws {
        try commit(files.mapValues { Optional($0) }, message: message)
    }

    var head: String { repository.head }

    func startDaemon(_ extra: [String] = []) throws {
        daemon = try ServerProcess([flotillaBinary.path, "run", "--repo", source, "--ref", "main", "--kubeconfig", kubeconfig,
                                    "--listen", "127.0.0.1:\(daemonPort)", "--interval", "30s", "--status-interval", "1s",
                                    "--probe-interval", "0.3s", "--failure-threshold", "1.5s",
                                    "--cache-dir", folder.appendingPathComponent("cache").path, "--log-level", "info"] + extra,
                                   port: daemonPort, logFile: daemonLog)
    }

    /// SIGTERM; returns the exit status.
    func stopDaemon() -> Int32? {
        guard let process = daemon?.process else { return nil }
        process.signal(SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !process.isRunning {
                daemon = nil
                return process.wait()
            }
            usleep(20_000)
        }
        return nil
    }

    func http(_ method: String, _ path: String, body: String? = nil, headers: [String] = []) throws -> (Int, String) {
        var arguments = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-X", method, "http://127.0.0.1:\(daemonPort)\(path)"]
        for header in headers { arguments += ["-H", header] }
        if let body { arguments += ["--data-binary", body] }
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), arguments)
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        let code = Int(lines.last ?? "") ?? 0
        return (code, lines.dropLast().joined(separator: "\n"))
    }

    func hook() throws {
        let (code, _) = try http("POST", "/hooks/git", body: #"{"ref":"refs/heads/main"}"#,
                                 headers: ["X-GitHub-Event: push", "Content-Type: application/json"])
        #expect(code == 202)
    }

    func status() throws -> StatusReport {
        let (code, body) = try http("GET", "/api/v1/status")
        guard code == 200 else { throw ServerStartFailed(description: "status answered \(code)") }
        return try StatusReport.decoder().decode(StatusReport.self, from: Data(body.utf8))
    }

    func admin(_ cluster: String, _ faults: String) throws {
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                    ["curl", "-s", "-X", "POST", "--data", faults,
                                     "http://127.0.0.1:\(adminPort)/clusters/\(cluster)/faults"])
        #expect(result.status == 0)
    }

    func kubectl(_ cluster: String, _ arguments: [String]) throws -> CommandResult {
        try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                       ["kubectl", "--kubeconfig", kubeconfig, "--context", cluster, "--request-timeout", "5s"] + arguments)
    }

    /// A field of a live object through kubectl's jsonpath, or nil when the object is not there.
    func field(_ cluster: String, _ resource: String, _ namespace: String, _ jsonPath: String) -> String? {
        guard let result = try? kubectl(cluster, ["-n", namespace, "get", resource, "-o", "jsonpath={\(jsonPath)}"]),
              result.status == 0 else { return nil }
        return result.output
    }

    /// Polls until `condition` holds; records an issue with `what` and the daemon's log tail when it never does.
    @discardableResult
    func eventually(_ what: String, timeout: Double = 20, _ condition: () throws -> Bool) -> Bool {
        if waitUntil(timeout: timeout, every: 0.1, condition) { return true }
        let log = (try? String(contentsOfFile: daemonLog, encoding: .utf8)) ?? ""
        Issue.record("timed out: \(what)\n--- daemon log tail ---\n\(log.split(separator: "\n").suffix(25).joined(separator: "\n"))")
        return false
    }

    func converged() throws -> Bool {
        let report = try status()
        return report.sourceErrors.isEmpty && !report.works.isEmpty
            && report.works.allSatisfy { $0.sync == .synced && $0.health == .healthy }
    }

    // MARK: The fixture repository

    static func clusterFile(_ name: String, cloud: String, env: String) -> String {
        """
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata:
          name: \(name)
          labels: {cloud: \(cloud), env: \(env)}
        spec:
          syncMode: Push
          provider: \(cloud)

        """
    }

    static func web(image: String = "nginx:1.0", replicas: Int = 3) -> String {
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: web}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: web, labels: {app: web}}
        spec:
          replicas: \(replicas)
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
                - name: nginx
                  image: "\(image)"
                  ports: [{containerPort: 80}]
                  resources: {requests: {cpu: 100m, memory: 64Mi}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: web}
        spec:
          selector: {app: web}
          ports: [{port: 80, targetPort: 80}]

        """
    }

    static let api = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: api}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: api-config, namespace: api}
        data: {level: info}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: api, labels: {app: api}}
        spec:
          replicas: 2
          selector: {matchLabels: {app: api}}
          template:
            metadata: {labels: {app: api}}
            spec:
              containers:
                - name: api
                  image: "example/api:1"
                  resources: {requests: {cpu: 100m, memory: 64Mi}}

        """

    static func webPolicy() -> String {
        """
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: web, namespace: web}
        spec:
          resourceSelectors:
            - {apiVersion: apps/v1, kind: Deployment, name: web}
            - {apiVersion: v1, kind: Service, name: web}
          placement:
            clusterAffinity: {labelSelector: {matchLabels: {env: prod}}}
            replicaScheduling:
              replicaSchedulingType: Divided
              replicaDivisionPreference: Weighted
              weightPreference:
                staticWeightList:
                  - targetCluster: {clusterNames: [aws-east]}
                    weight: 2
                  - targetCluster: {clusterNames: [gcp-west]}
                    weight: 1

        """
    }

    static func apiPolicy(cluster: String) -> String {
        """
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: api, namespace: api}
        spec:
          resourceSelectors:
            - {apiVersion: apps/v1, kind: Deployment, name: api}
            - {apiVersion: v1, kind: ConfigMap, name: api-config}
          placement:
            clusterAffinity: {clusterNames: [\(cluster)]}
            replicaScheduling: {replicaSchedulingType: Duplicated}

        """
    }

    static let baseFiles: [String: String] = [
        "clusters/aws-east.yaml": clusterFile("aws-east", cloud: "aws", env: "prod"),
        "clusters/gcp-west.yaml": clusterFile("gcp-west", cloud: "gcp", env: "prod"),
        "clusters/dc1.yaml": clusterFile("dc1", cloud: "private", env: "dev"),
        "apps/web.yaml": web(),
        "apps/api.yaml": api,
        "policies/web.yaml": webPolicy(),
        "policies/api.yaml": apiPolicy(cluster: "aws-east"),
    ]
}
