import FlotillaModel
import Foundation

/// `metrics.k8s.io/v1beta1`, as metrics-server serves it: PodMetrics for the ready replicas of every workload and
/// NodeMetrics for the nodes. A workload's load per pod is set at run time (`setLoad`, the admin endpoint's
/// `/clusters/<name>/load`, `flotilla sim load`), else by the annotations `sim.flotilla.dev/cpu-per-pod` and
/// `sim.flotilla.dev/memory-per-pod` (quantities); without either a pod uses half of what it requests.
extension SimCluster {
    static let metricsGroup = "metrics.k8s.io"
    static let cpuLoadAnnotation = "sim.flotilla.dev/cpu-per-pod"
    static let memoryLoadAnnotation = "sim.flotilla.dev/memory-per-pod"

    func metrics(_ resource: SimResource, namespace: String?, name: String?, request: SimRequest) -> SimResponse {
        guard request.method == "GET" else {
            return status(405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
        }
        if ["true", "1"].contains(request.query["watch"] ?? "") {
            return status(405, reason: "MethodNotAllowed", message: "metrics cannot be watched")
        }
        let (pods, nodes) = metricsSnapshot()
        var items = resource.kind == "PodMetrics"
            ? pods.filter { namespace == nil || $0.value(at: ["metadata", "namespace"])?.stringValue == namespace }
            : nodes
        if let selector = request.query["labelSelector"].map(SimLabelSelector.init) {
            items = items.filter {
                selector.matches(KubernetesObject(content: $0, location: SourceLocation(file: "", line: 0)).labels)
            }
        }
        if let name {
            guard let item = items.first(where: { $0.value(at: ["metadata", "name"])?.stringValue == name }) else {
                return objectNotFound(resource, name)
            }
            return json(200, item)
        }
        return json(200, .object(["kind": .string("\(resource.kind)List"), "apiVersion": .string(resource.groupVersion),
                                  "metadata": .object([:]), "items": .array(items)]))
    }

    /// Pod and node metrics now, sorted by namespace and name.
    func metricsSnapshot(now: Date = Date()) -> (pods: [JSONValue], nodes: [JSONValue]) {
        let timestamp = JSONValue.string(now.formatted(.iso8601))
        let resolution = topology.metricResolution
        let window = resolution == resolution.rounded() ? "\(Int(resolution))s" : "\(resolution)s"
        var pods: [JSONValue] = []
        var totalCPU: Int64 = 0
        var totalMemory: Int64 = 0
        let (workloads, nodeNames, loads) = state.withLock { state in
            (state.objects.filter { Self.workloadKinds.contains($0.key.resource) }.sorted { $0.key < $1.key },
             state.objects.keys.filter { $0.resource == "/nodes" }.map(\.name).sorted(), state.loads)
        }
        for (key, workload) in workloads {
            let ready = workload.value(at: ["status", "readyReplicas"])?.intValue ?? 0
            guard ready > 0 else { continue }
            let annotations = workload.value(at: ["metadata", "annotations"])?.objectValue ?? [:]
            let containers = workload.value(at: ["spec", "template", "spec", "containers"])?.arrayValue ?? []
            let requested = podRequest(workload)
            let load = loads["\(key.namespace)/\(key.name)"]
            let cpu = load?.cpuMillis
                ?? annotations[Self.cpuLoadAnnotation]?.stringValue.flatMap { Quantity($0).milliValue }
                ?? (requested["cpu"] ?? 100) / 2
            let memory = load?.memoryBytes
                ?? annotations[Self.memoryLoadAnnotation]?.stringValue.flatMap { Quantity($0).integerValue }
                ?? (requested["memory"] ?? 64 << 20) / 2
            let labels = workload.value(at: ["spec", "template", "metadata", "labels"]) ?? .object([:])
            let share = Int64(max(1, containers.count))
            for index in 0..<ready {
                let podName = Self.podName(key, index: Int(index))
                let usage: [JSONValue] = containers.map { container in
                    .object(["name": container["name"] ?? .string("main"),
                             "usage": .object(["cpu": .string("\(cpu / share)m"), "memory": .string("\(memory / share / 1024)Ki")])])
                }
                pods.append(.object([
                    "kind": .string("PodMetrics"), "apiVersion": .string("metrics.k8s.io/v1beta1"),
                    "metadata": .object(["name": .string(podName), "namespace": .string(key.namespace), "labels": labels,
                                         "creationTimestamp": timestamp]),
                    "timestamp": timestamp, "window": .string(window), "containers": .array(usage),
                ]))
                totalCPU += cpu
                totalMemory += memory
            }
        }
        let count = Int64(max(1, nodeNames.count))
        let nodes: [JSONValue] = nodeNames.map { name in
            .object([
                "kind": .string("NodeMetrics"), "apiVersion": .string("metrics.k8s.io/v1beta1"),
                "metadata": .object(["name": .string(name), "creationTimestamp": timestamp]),
                "timestamp": timestamp, "window": .string("30s"),
                "usage": .object(["cpu": .string("\(totalCPU / count)m"), "memory": .string("\(totalMemory / count / 1024)Ki")]),
            ])
        }
        return (pods, nodes)
    }

    /// A stable pod-template-hash-like suffix.
    static func podHash(_ name: String) -> String {
        var hash: UInt32 = 2166136261
        for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 16777619 }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var text = ""
        for _ in 0..<10 {
            text.append(alphabet[Int(hash % UInt32(alphabet.count))])
            hash /= UInt32(alphabet.count)
            if hash == 0 { hash = 2166136261 }
        }
        return text
    }
}

/// The load each pod of a workload puts on its node, set at run time.
public struct SimLoad: Sendable, Hashable {
    public var cpuMillis: Int64?
    public var memoryBytes: Int64?

    public init(cpuMillis: Int64? = nil, memoryBytes: Int64? = nil) {
        self.cpuMillis = cpuMillis
        self.memoryBytes = memoryBytes
    }

    /// Parses `cpu=800m memory=256Mi` (either may be left out; `none` clears).
    public init(parsing text: String) throws(SimLoadError) {
        self.init()
        for part in text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) where part != "none" {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pieces.count == 2 else { throw SimLoadError(text: part) }
            switch pieces[0] {
            case "cpu": cpuMillis = Quantity(pieces[1]).milliValue
            case "memory": memoryBytes = Quantity(pieces[1]).integerValue
            default: throw SimLoadError(text: part)
            }
            if (pieces[0] == "cpu" ? cpuMillis : memoryBytes) == nil { throw SimLoadError(text: part) }
        }
    }

    /// `cpu=800m memory=268435456` (what is set).
    public var description: String {
        [cpuMillis.map { "cpu=\($0)m" }, memoryBytes.map { "memory=\($0)" }].compactMap { $0 }.joined(separator: " ")
    }
}

/// A load description that does not parse.
public struct SimLoadError: Error, CustomStringConvertible {
    public var text: String
    public var description: String { "cannot read \"\(text)\": use cpu=QUANTITY and/or memory=QUANTITY, or none" }
}

extension SimCluster {
    /// Sets (or, with an empty load, clears) the per-pod load of the workload `namespace/name`; it shows in the
    /// metrics API at once.
    public func setLoad(_ load: SimLoad, workload: String) {
        state.withLock { state in
            if load.cpuMillis == nil && load.memoryBytes == nil {
                state.loads[workload] = nil
            } else {
                state.loads[workload] = load
            }
        }
    }

    /// The loads set at run time, by workload, sorted.
    public var loads: [(workload: String, load: SimLoad)] {
        state.withLock { $0.loads }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
