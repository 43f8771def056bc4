import FlotillaKube
import FlotillaModel
import Foundation
import Synchronization

// The request floor: the cold sync's server-side applies issued by a minimal client — Flotilla's transport
// (libcurl, KubeClient.apply), no informers, no inventory, no status — so the reconciler's overhead is known.
// Each cluster gets CONNECTIONS threads with a connection each; a cluster's objects go in the file's order, one kind
// after the other (namespaces first), as `kubectl apply` would order them.
//   request-floor KUBECONFIG CONNECTIONS CLUSTER=FILE.yaml ...
// Prints one JSON line: requests, failures, seconds, requests_per_s.
let arguments = CommandLine.arguments
guard arguments.count >= 4, let connections = Int(arguments[2]), connections > 0 else {
    FileHandle.standardError.write(Data("usage: request-floor KUBECONFIG CONNECTIONS CLUSTER=FILE ...\n".utf8))
    exit(2)
}
let kubeconfig = try Kubeconfig.load(path: arguments[1])

struct ClusterWork: Sendable {
    var client: [KubeClient]
    /// The objects in waves: every object of one wave goes before any of the next.
    var waves: [[JSONValue]]
}

var clusters: [ClusterWork] = []
for argument in arguments.dropFirst(3) {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let text = try String(contentsOfFile: parts[1], encoding: .utf8)
    let objects = try YAMLDocumentReader.read(text, file: parts[1]).map(\.value).filter { !$0.isNull }
    var waves: [[JSONValue]] = []
    var lastKind = ""
    for object in objects {
        let kind = object["kind"]?.stringValue ?? ""
        if kind != lastKind || waves.isEmpty { waves.append([]) }
        waves[waves.count - 1].append(object)
        lastKind = kind
    }
    let connection = try kubeconfig.connection(context: parts[0])
    let clients = try (0..<connections).map { _ in KubeClient(transport: try CurlTransport(connection: connection)) }
    clusters.append(ClusterWork(client: clients, waves: waves))
}

let failures = Atomic<Int>(0)
let requests = Atomic<Int>(0)
let barriers = clusters.map { _ in Barrier(parties: connections) }
let finished = DispatchGroup()
let start = ContinuousClock.now
// One thread per connection (DispatchQueue.concurrentPerform would run only as many as there are cores).
for (clusterIndex, cluster) in clusters.enumerated() {
    for lane in 0..<connections {
        finished.enter()
        Thread.detachNewThread {
            for wave in cluster.waves {
                // Every lane takes every `connections`-th object of the wave, then waits for the others.
                for position in stride(from: lane, to: wave.count, by: connections) {
                    do {
                        _ = try cluster.client[lane].apply(wave[position], fieldManager: "request-floor", force: true)
                    } catch {
                        failures.add(1, ordering: .relaxed)
                    }
                    requests.add(1, ordering: .relaxed)
                }
                barriers[clusterIndex].wait()
            }
            finished.leave()
        }
    }
}
finished.wait()
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let total = requests.load(ordering: .relaxed)
print(JSONValue.object([
    "requests": .int(Int64(total)), "failures": .int(Int64(failures.load(ordering: .relaxed))),
    "seconds": .double((seconds * 1000).rounded() / 1000), "requests_per_s": .int(Int64(Double(total) / seconds)),
]).canonicalJSON())

/// A reusable barrier for `connections` threads.
final class Barrier: @unchecked Sendable {
    let condition = NSCondition()
    let parties: Int
    var waiting = 0
    var generation = 0

    init(parties: Int) { self.parties = parties }

    func wait() {
        condition.lock()
        defer { condition.unlock() }
        let current = generation
        waiting += 1
        if waiting == parties {
            waiting = 0
            generation += 1
            condition.broadcast()
            return
        }
        while generation == current { condition.wait() }
    }
}
