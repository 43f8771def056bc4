import FlotillaKube
import FlotillaModel
import Foundation

// Server-side applies per second to one simulated cluster: Flotilla's client (libcurl, one connection) against
// `kubectl apply --server-side -f` of the same objects. Start a simulator first:
//   .build/release/flotilla sim --cluster bench=17443 &
// then: swift run -c release apply-benchmark http://127.0.0.1:17443 2000
let arguments = CommandLine.arguments
let server = arguments.count > 1 ? arguments[1] : "http://127.0.0.1:17443"
let count = arguments.count > 2 ? Int(arguments[2]) ?? 2000 : 2000

func configMap(_ index: Int, _ namespace: String) -> JSONValue {
    .object(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
             "metadata": .object(["name": .string("cm-\(index)"), "namespace": .string(namespace),
                                  "labels": .object(["app.kubernetes.io/managed-by": .string("flotilla")])]),
             "data": .object(["index": .string(String(index)), "payload": .string(String(repeating: "x", count: 200))])])
}

let client = KubeClient(transport: try CurlTransport(connection: ClusterConnection(context: "bench", server: URL(string: server)!)))
for namespace in ["bench-flotilla", "bench-kubectl"] {
    _ = try? client.create(.object(["apiVersion": .string("v1"), "kind": .string("Namespace"),
                                    "metadata": .object(["name": .string(namespace)])]))
}

let flotillaStart = ContinuousClock.now
for index in 0..<count {
    _ = try client.apply(configMap(index, "bench-flotilla"), fieldManager: "flotilla", force: true)
}
let flotillaTime = ContinuousClock.now - flotillaStart

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("apply-bench-\(UUID())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
let kubeconfig = folder.appendingPathComponent("kubeconfig").path
try """
apiVersion: v1
kind: Config
current-context: bench
clusters: [{name: bench, cluster: {server: "\(server)"}}]
users: [{name: bench, user: {}}]
contexts: [{name: bench, context: {cluster: bench, user: bench}}]
""".write(toFile: kubeconfig, atomically: true, encoding: .utf8)
let manifests = folder.appendingPathComponent("objects.yaml").path
try ("---\n" + (0..<count).map { configMap($0, "bench-kubectl").canonicalJSON() }.joined(separator: "\n---\n"))
    .write(toFile: manifests, atomically: true, encoding: .utf8)
let kubectl = Process()
kubectl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
kubectl.arguments = ["kubectl", "--kubeconfig", kubeconfig, "apply", "--server-side", "-f", manifests]
kubectl.standardOutput = FileHandle.nullDevice
let kubectlStart = ContinuousClock.now
try kubectl.run()
kubectl.waitUntilExit()
let kubectlTime = ContinuousClock.now - kubectlStart
try? FileManager.default.removeItem(at: folder)

func rate(_ duration: Duration) -> Int {
    Int(Double(count) / (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18))
}
print("flotilla client: \(count) server-side applies in \(flotillaTime) (\(rate(flotillaTime))/s)")
print("kubectl apply --server-side: \(count) objects in \(kubectlTime) (\(rate(kubectlTime))/s), exit \(kubectl.terminationStatus)")
