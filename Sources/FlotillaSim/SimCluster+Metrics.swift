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

    static let customMetricsGroup = "custom.metrics.k8s.io"

    /// `custom.metrics.k8s.io/v1beta2` Pods metrics, as a metrics adapter serves them: `metric` of every running pod
    /// of `namespace` the label selector matches, whose workload has a value for it (`SimLoad.custom`).
    func customMetrics(_ metric: String, namespace: String, request: SimRequest) -> SimResponse {
        guard request.method == "GET", request.path.split(separator: "/")[2] == "v1beta2" else {
            return status(404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        let selector = request.query["labelSelector"].map(SimLabelSelector.init)
        let loads = state.withLock { $0.loads }
        let timestamp = JSONValue.string(Date().formatted(.iso8601))
        var items: [JSONValue] = []
        for pod in workloadPods(namespace: namespace) where pod.value(at: ["status", "phase"])?.stringValue == "Running" {
            let labels = pod.value(at: ["metadata", "labels"])?.objectValue?.compactMapValues(\.stringValue) ?? [:]
            guard selector?.matches(labels) ?? true,
                  let owner = pod.value(at: ["metadata", "ownerReferences"])?.arrayValue?.first?["name"]?.stringValue
            else { continue }
            // A Deployment's pods are owned by its ReplicaSet `<name>-<hash>`.
            let workload = loads.keys.first { key in
                guard key.hasPrefix(namespace + "/") else { return false }
                let name = String(key.dropFirst(namespace.count + 1))
                return owner == name || owner == "\(name)-\(Self.podHash(name))"
            }
            guard let workload, let value = loads[workload]?.custom[metric] else { continue }
            items.append(.object([
                "describedObject": .object(["kind": .string("Pod"), "namespace": .string(namespace),
                                            "name": pod.value(at: ["metadata", "name"]) ?? .null,
                                            "apiVersion": .string("/v1")]),
                "metric": .object(["name": .string(metric)]), "timestamp": timestamp,
                "windowSeconds": .int(Int64(topology.metricResolution)), "value": .string(SimLoad.quantity(value)),
            ]))
        }
        return json(200, .object(["kind": .string("MetricValueList"),
                                  "apiVersion": .string("\(Self.customMetricsGroup)/v1beta2"),
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
    /// Pods metrics a metrics adapter serves (`custom.metrics.k8s.io`): each pod's value, milli-units, by name.
    public var custom: [String: Int64] = [:]

    public init(cpuMillis: Int64? = nil, memoryBytes: Int64? = nil, custom: [String: Int64] = [:]) {
        self.custom = custom
        self.cpuMillis = cpuMillis
        self.memoryBytes = memoryBytes
    }

    /// Whether nothing is set (the workload's load is then its annotations', or half its requests).
    public var isEmpty: Bool { cpuMillis == nil && memoryBytes == nil && custom.isEmpty }

    /// Parses `cpu=800m memory=256Mi metric/http_requests=30` (any may be left out; `none` clears).
    public init(parsing text: String) throws(SimLoadError) {
        self.init()
        for part in text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) where part != "none" {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pieces.count == 2 else { throw SimLoadError(text: part) }
            if pieces[0].hasPrefix("metric/"), pieces[0].count > 7 {
                guard let value = Quantity(pieces[1]).milliValue else { throw SimLoadError(text: part) }
                custom[String(pieces[0].dropFirst(7))] = value
                continue
            }
            switch pieces[0] {
            case "cpu": cpuMillis = Quantity(pieces[1]).milliValue
            case "memory": memoryBytes = Quantity(pieces[1]).integerValue
            default: throw SimLoadError(text: part)
            }
            if (pieces[0] == "cpu" ? cpuMillis : memoryBytes) == nil { throw SimLoadError(text: part) }
        }
    }

    /// `cpu=800m memory=268435456 metric/http_requests=30` (what is set).
    public var description: String {
        ([cpuMillis.map { "cpu=\($0)m" }, memoryBytes.map { "memory=\($0)" }].compactMap { $0 }
            + custom.keys.sorted().map { "metric/\($0)=\(Self.quantity(custom[$0]!))" }).joined(separator: " ")
    }

    /// Milli-units as a quantity (`30`, `2500m`).
    static func quantity(_ milli: Int64) -> String { milli % 1000 == 0 ? "\(milli / 1000)" : "\(milli)m" }
}

/// A load description that does not parse.
public struct SimLoadError: Error, CustomStringConvertible {
    public var text: String
    public var description: String {
        "cannot read \"\(text)\": use cpu=QUANTITY, memory=QUANTITY, metric/NAME=QUANTITY, or none"
    }
}

extension SimCluster {
    /// Sets (or, with an empty load, clears) the per-pod load of the workload `namespace/name`; it shows in the
    /// metrics API at once.
    public func setLoad(_ load: SimLoad, workload: String) {
        state.withLock { state in
            if load.isEmpty {
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
