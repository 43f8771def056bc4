import ArgumentParser
import FlotillaDiff
import FlotillaEngine
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import FlotillaGit
import Foundation
import Yams

/// `flotilla status`: the running daemon's view, as a table, JSON or YAML.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the running daemon's view of clusters and works.")

    enum Format: String, ExpressibleByArgument { case table, wide, json, yaml }

    @Option(help: "The daemon's address.") var server: String = "http://127.0.0.1:8080"
    @Option(name: [.customShort("o"), .customLong("output")], help: "table, wide, json or yaml.") var format: Format = .table

    func run() async throws {
        guard let url = URL(string: server) else { throw CommandError("not a URL: \(server)") }
        let body: Data
        do {
            let transport = try CurlTransport(connection: ClusterConnection(context: "flotilla", server: url))
            body = try transport.perform(KubeRequest(path: "/api/v1/status", timeout: 10)).checkedBody()
        } catch {
            FileHandle.standardError.write(Data("error: cannot reach the daemon at \(server): \(error)\n".utf8))
            throw ExitCode(1)
        }
        let report: StatusReport
        do {
            report = try StatusReport.decoder().decode(StatusReport.self, from: body)
        } catch {
            FileHandle.standardError.write(Data("error: \(server) did not answer with a Flotilla status: \(error)\n".utf8))
            throw ExitCode(1)
        }
        switch format {
        case .json: print(String(decoding: report.json(), as: UTF8.self))
        case .yaml:
            print(try Yams.dump(object: try JSONSerialization.jsonObject(with: report.json()), sortKeys: true), terminator: "")
        case .table, .wide: print(Self.table(report, wide: format == .wide), terminator: "")
        }
    }

    static func table(_ report: StatusReport, wide: Bool) -> String {
        var text = "REVISION \(report.revision ?? "none")\n"
        for error in report.sourceErrors { text += "ERROR    \(error)\n" }
        text += "\n"
        var rows = [["CLUSTER", "READY", "VERSION", "NODES", "WORKS", "SYNCED", "HEALTHY", "NOTE"]]
        for cluster in report.clusters {
            rows.append([cluster.name, cluster.ready ? "True" : "False", cluster.kubernetesVersion ?? "-", "\(cluster.nodes)",
                         "\(cluster.works)", "\(cluster.synced)", "\(cluster.healthy)",
                         [cluster.reason, cluster.held, cluster.lastError].compactMap { $0 }.joined(separator: "; ")])
        }
        text += render(rows) + "\n"
        var works = [["CLUSTER", "KIND", "NAMESPACE", "NAME", "SYNC", "HEALTH", "REPLICAS"] + (wide ? ["REVISION", "MESSAGE"] : [])]
        for work in report.works {
            var row = [work.cluster, work.kind, work.namespace ?? "-", work.name, work.sync.rawValue, work.health.rawValue,
                       work.desiredReplicas.map { "\(work.readyReplicas ?? 0)/\($0)" } ?? "-"]
            if wide { row += [String(work.appliedRevision?.prefix(12) ?? "-"), work.lastError ?? work.message ?? ""] }
            works.append(row)
        }
        text += render(works)
        if let rollouts = report.rollouts, !rollouts.isEmpty {
            var rows = [["ROLLOUT", "STAGE", "STATE", "REVISION", "CLUSTERS", "NOTE"]]
            for rollout in rollouts {
                for stage in rollout.stages {
                    rows.append([rollout.name, stage.name, stage.state, String(stage.revision.prefix(12)),
                                 stage.clusters.map(\.name).joined(separator: ","), stage.message ?? ""])
                }
            }
            text += "\n" + render(rows)
        }
        if !report.openDrift.isEmpty {
            text += "\nOPEN DRIFT\n"
            for drift in report.openDrift {
                text += "\(drift.cluster)  \(drift.object)  \(drift.change)  \(drift.fields.map(\.path).joined(separator: ","))\n"
            }
        }
        return text
    }

    static func render(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 3, withPad: " ", startingAt: 0)
            }.joined().trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }
}

/// `flotilla diff`: what differs between the source and the clusters, read-only. Exit 0 none, 1 drift, 2 error.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Compare the source with what the member clusters hold, without changing anything.")

    @OptionGroup var options: DaemonOptions

    func run() async throws {
        do {
            let found = try await Self.differences(try options.configuration())
            print(found.text, terminator: "")
            if found.count > 0 { throw ExitCode(1) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// The live object, or nil when it does not exist.
    static func fetch(_ key: ObjectKey, client: KubeClient) throws(KubeError) -> JSONValue? {
        do throws(KubeError) {
            return try client.get(apiVersion: key.apiVersion, kind: key.kind, namespace: key.namespace, name: key.name)
        } catch {
            if case .notFound = error { return nil }
            throw error
        }
    }

    static func differences(_ configuration: EngineConfiguration) async throws -> (text: String, count: Int) {
        let source = try GitSource(url: configuration.repo, credentials: configuration.credentials,
                                               cacheRoot: configuration.cacheRoot,
                                               timeout: .milliseconds(Int(configuration.gitTimeout * 1000)))
        let snapshot = try await source.snapshot(ref: configuration.ref, path: configuration.path,
                                                 include: ManifestLoader.isManifestPath)
        let manifests = snapshot.manifests
        guard manifests.isValid else {
            throw CommandError("the source does not validate:\n" + manifests.errors.map { $0.description }.joined(separator: "\n"))
        }
        let kubeconfig = try configuration.kubeconfig.map { path throws -> Kubeconfig in try Kubeconfig.load(path: path) }
        var clients: [String: KubeClient] = [:]
        var states: [String: ClusterState] = [:]
        var text = ""
        var count = 0
        for cluster in manifests.clusters.sorted(by: { $0.name < $1.name }) {
            // Reached as the daemon reaches it.
            let (found, problem) = Engine.connection(for: cluster, kubeconfig: kubeconfig,
                                                     credentialsDirectory: configuration.credentialsDirectory,
                                                     allowInsecureEndpoints: configuration.allowInsecureEndpoints)
            guard let connection = found else {
                text += "\(cluster.name): \(problem ?? "no connection"); skipped\n"
                states[cluster.name] = ClusterState(ready: false)
                continue
            }
            let client = KubeClient(transport: try CurlTransport(connection: connection))
            do {
                _ = try client.version()
                clients[cluster.name] = client
                states[cluster.name] = ClusterState(ready: true)
            } catch {
                text += "\(cluster.name): unreachable (\(error)); skipped\n"
                states[cluster.name] = ClusterState(ready: false)
            }
        }
        let (_, works) = Engine.desiredWorks(manifests: manifests, states: states, previous: [:], revision: snapshot.commit,
                                             path: configuration.path)
        for cluster in works.keys.sorted() {
            guard let client = clients[cluster] else { continue }
            for key in works[cluster]!.keys.sorted() {
                let work = works[cluster]![key]!
                guard let live = try Self.fetch(key, client: client) else {
                    text += "\(cluster): \(key): missing (would be created)\n"
                    count += 1
                    continue
                }
                let differences = work.differences(from: live)
                guard !differences.isEmpty else { continue }
                count += 1
                text += "\(cluster): \(key): \(differences.count) field(s) differ\n"
                for field in differences {
                    text += "    \(field.path): want \(field.desired?.canonicalJSON() ?? "(absent)"), "
                        + "have \(field.live?.canonicalJSON() ?? "(absent)")\n"
                }
            }
        }
        text += count == 0 ? "No differences.\n" : "\(count) object(s) differ.\n"
        return (text, count)
    }
}
