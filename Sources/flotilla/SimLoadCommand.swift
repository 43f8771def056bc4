import ArgumentParser
import FlotillaKube
import FlotillaSim
import Foundation

/// `flotilla sim load CLUSTER NS/NAME --cpu-per-pod 800m`: sets the load each pod of a simulated workload reports
/// through `metrics.k8s.io`, through the simulator's admin endpoint (a burst for the autoscaler to see).
struct SimLoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Set the CPU or memory each pod of a simulated workload uses (through the admin endpoint).")

    @Argument(help: "The simulated cluster.") var cluster: String
    @Argument(help: "The workload, NAMESPACE/NAME.") var workload: String
    @Option(name: .customLong("cpu-per-pod"), help: "CPU each pod uses, e.g. 800m.") var cpu: String?
    @Option(name: .customLong("memory-per-pod"), help: "Memory each pod uses, e.g. 256Mi.") var memory: String?
    @Option(name: .customLong("metric"),
            help: "NAME=VALUE: a Pods metric each pod reports through custom.metrics.k8s.io (repeatable).")
    var metrics: [String] = []
    @Flag(help: "Clear the load set before (pods use half of what they request again).") var clear = false
    @Option(help: "The admin endpoint (flotilla sim --admin-port, or what flotilla up prints).")
    var admin: String = "http://127.0.0.1:8079"

    func validate() throws {
        guard workload.split(separator: "/").count == 2 else { throw ValidationError("\(workload): expected NAMESPACE/NAME") }
        guard clear || cpu != nil || memory != nil || !metrics.isEmpty else {
            throw ValidationError("give --cpu-per-pod, --memory-per-pod, --metric or --clear")
        }
        let body = self.body
        _ = try SimLoad(parsing: body.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "")
    }

    var body: String {
        clear ? "\(workload) none"
            : ([workload] + [cpu.map { "cpu=\($0)" }, memory.map { "memory=\($0)" }].compactMap { $0 }
                + metrics.map { "metric/\($0)" }).joined(separator: " ")
    }

    func run() throws {
        let base = admin.hasSuffix("/") ? String(admin.dropLast()) : admin
        let path = "/clusters/\(cluster)/load"
        guard let url = URL(string: base) else { throw ValidationError("--admin \(admin): not a URL") }
        let response: KubeResponse
        do throws(KubeError) {
            let transport = try CurlTransport(connection: ClusterConnection(context: "sim-admin", server: url))
            response = try transport.perform(KubeRequest(method: "POST", path: path, body: Data(body.utf8),
                                                         contentType: "text/plain", accept: "text/plain", timeout: 10))
        } catch {
            throw CommandError("\(base)\(path): \(error)")
        }
        let text = String(decoding: response.body, as: UTF8.self)
        guard response.status == 200 else {
            throw CommandError("\(base)\(path): \(response.status) \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        print(text, terminator: "")
    }
}
