import FlotillaModel
import Foundation

/// The pods of a scaled workload in one cluster, as the autoscaler reads them: the `metrics.k8s.io` PodMetrics of
/// the pods the workload's selector matches, and the workload's own status (how many replicas exist and how many are
/// ready). Pods are not listed one by one: ready replicas with metrics are running and ready, ready replicas without
/// metrics are missing, and replicas not ready are pending, which is how the HPA groups them. Requests come from the
/// workload's pod template (a container's limit where it sets no request, as the API server defaults it). Pure.
public enum TargetPods {
    /// The pods of one cluster by usage key (`cpu`, `memory`, `cpu/<container>`).
    public static func usage(cluster: String, podMetrics: [JSONValue], replicas: Int, readyReplicas: Int,
                             podTemplate: JSONValue?, keys: [String]) -> [String: [PodUsage]] {
        let containers = podTemplate?["spec"]?["containers"]?.arrayValue ?? []
        let sorted = byName(podMetrics)
        var result: [String: [PodUsage]] = [:]
        // Pods metrics need the pods listed (the other `usage`).
        for key in keys where !key.hasPrefix(FederatedHPADecision.customPrefix) {
            let (resource, container) = split(key)
            let request = self.request(resource, container: container, containers: containers)
            var pods: [PodUsage] = []
            for item in sorted {
                let name = item["metadata"]?["name"]?.stringValue ?? "pod-\(pods.count)"
                let usage = self.usage(of: item, resource: resource, container: container)
                pods.append(PodUsage(name: "\(cluster)/\(name)", usage: usage, request: request))
            }
            let withMetrics = pods.count
            for index in 0..<max(0, readyReplicas - withMetrics) {
                pods.append(PodUsage(name: "\(cluster)/missing-\(index)", usage: nil, request: request))
            }
            for index in 0..<max(0, replicas - max(readyReplicas, withMetrics)) {
                pods.append(PodUsage(name: "\(cluster)/pending-\(index)", phase: .pending, ready: false, usage: nil,
                                     request: request))
            }
            result[key] = pods
        }
        return result
    }

    /// Objects sorted by `metadata.name`.
    static func byName(_ objects: [JSONValue]) -> [JSONValue] {
        objects.sorted { ($0["metadata"]?["name"]?.stringValue ?? "") < ($1["metadata"]?["name"]?.stringValue ?? "") }
    }

    /// A usage key's resource and container (`cpu`, `cpu/<container>`).
    static func split(_ key: String) -> (resource: String, container: String?) {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        return (parts[0], parts.count > 1 ? parts[1] : nil)
    }

    /// A PodMetrics' usage of `resource` (milli-units): summed over its containers, or the one named.
    static func usage(of metric: JSONValue, resource: String, container: String?) -> Int64 {
        var total: Int64 = 0
        for entry in metric["containers"]?.arrayValue ?? []
        where container == nil || entry["name"]?.stringValue == container {
            total += entry["usage"]?[resource]?.stringValue.flatMap { Quantity($0).milliValue } ?? 0
        }
        return total
    }

    /// What one pod requests of `resource` (milli-units): the sum over its containers (or the one named), nil when
    /// one of them requests none.
    static func request(_ resource: String, container: String?, containers: [JSONValue]) -> Int64? {
        var total: Int64 = 0
        var counted = 0
        for entry in containers where container == nil || entry["name"]?.stringValue == container {
            let resources = entry["resources"]
            guard let text = (resources?["requests"]?[resource] ?? resources?["limits"]?[resource])?.stringValue,
                  let value = Quantity(text).milliValue else { return nil }
            total += value
            counted += 1
        }
        return counted == 0 ? nil : total
    }
}

extension TargetPods {
    /// The kube-controller-manager's `--horizontal-pod-autoscaler-cpu-initialization-period` (5 minutes).
    public static let cpuInitializationPeriod: TimeInterval = 300
    /// Its `--horizontal-pod-autoscaler-initial-readiness-delay` (30 seconds).
    public static let initialReadinessDelay: TimeInterval = 30

    /// The pods of one cluster by usage key, from the pods the workload's selector matches (listed one by one) and
    /// their PodMetrics, grouped as the HPA's `groupPods` needs them: a pod being deleted or Failed is ignored, a
    /// Pending one is unready, one without metrics is missing, and for CPU a pod is unready while it initialises
    /// (within the CPU initialisation period of its start: not Ready, or its metric older than one window after its
    /// Ready transition) or when it is not Ready and has never been (its Ready transition within the initial
    /// readiness delay of its start). Requests are the pod's own containers'. Sorted by pod name; pure.
    ///
    /// `custom` holds the Pods metrics read from `custom.metrics.k8s.io`: by metric name, each pod's value
    /// (milli-units); a key `custom:<name>` reads them (no request, no CPU rules).
    public static func usage(cluster: String, pods: [JSONValue], podMetrics: [JSONValue], keys: [String],
                             custom: [String: [String: Int64]] = [:], now: Date) -> [String: [PodUsage]] {
        let metricsByName = Dictionary(podMetrics.map { ($0["metadata"]?["name"]?.stringValue ?? "", $0) },
                                       uniquingKeysWith: { first, _ in first })
        let sorted = byName(pods)
        var result: [String: [PodUsage]] = [:]
        for key in keys {
            if key.hasPrefix(FederatedHPADecision.customPrefix) {
                let values = custom[String(key.dropFirst(FederatedHPADecision.customPrefix.count))] ?? [:]
                result[key] = sorted.map { pod in
                    let name = pod["metadata"]?["name"]?.stringValue ?? ""
                    return PodUsage(name: "\(cluster)/\(name)", phase: phase(of: pod), usage: values[name],
                                    request: nil)
                }
                continue
            }
            let (resource, container) = split(key)
            result[key] = sorted.map { pod in
                let name = pod["metadata"]?["name"]?.stringValue ?? ""
                let metric = metricsByName[name]
                let usage = metric.map { self.usage(of: $0, resource: resource, container: container) }
                let request = self.request(resource, container: container,
                                           containers: pod["spec"]?["containers"]?.arrayValue ?? [])
                return PodUsage(name: "\(cluster)/\(name)", phase: phase(of: pod),
                                ready: metric.map { !initialising(pod, metric: $0, now: now) } ?? true,
                                usage: usage, request: request)
            }
        }
        return result
    }

    /// The pod's phase as the HPA groups it (a deletion timestamp makes it Terminating).
    static func phase(of pod: JSONValue) -> PodUsage.Phase {
        if let deletion = pod["metadata"]?["deletionTimestamp"], !deletion.isNull { return .terminating }
        switch pod["status"]?["phase"]?.stringValue {
        case "Pending": return .pending
        case "Failed": return .failed
        default: return .running
        }
    }

    /// Whether the HPA counts a pod's CPU sample as unready (`groupPods`, the CPU branch).
    static func initialising(_ pod: JSONValue, metric: JSONValue, now: Date) -> Bool {
        let condition = (pod["status"]?["conditions"]?.arrayValue ?? []).first { $0["type"]?.stringValue == "Ready" }
        guard let condition, let start = time(pod["status"]?["startTime"]) else { return true }
        let transition = time(condition["lastTransitionTime"]) ?? start
        let ready = condition["status"]?.stringValue == "True"
        if start.addingTimeInterval(cpuInitializationPeriod) > now {
            let sampled = time(metric["timestamp"]) ?? now
            let window = duration(metric["window"]?.stringValue ?? "") ?? 0
            return !ready || sampled < transition.addingTimeInterval(window)
        }
        return !ready && start.addingTimeInterval(initialReadinessDelay) > transition
    }

    /// An RFC 3339 time, with or without fractional seconds.
    static func time(_ value: JSONValue?) -> Date? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return (try? Date.ISO8601FormatStyle().parse(text))
            ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
    }

    /// A Go duration (`30s`, `1m0s`, `1.5s`, `500ms`) in seconds; nil when it is not one.
    static func duration(_ text: String) -> TimeInterval? {
        var total: TimeInterval = 0
        var number = ""
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while let first = rest.first {
            if first.isNumber || first == "." {
                number.append(first)
                rest = rest.dropFirst()
                continue
            }
            guard let value = Double(number) else { return nil }
            let scale: TimeInterval
            if rest.hasPrefix("ms") {
                scale = 0.001
                rest = rest.dropFirst(2)
            } else {
                switch first {
                case "h": scale = 3600
                case "m": scale = 60
                case "s": scale = 1
                default: return nil
                }
                rest = rest.dropFirst()
            }
            total += value * scale
            number = ""
        }
        return number.isEmpty ? total : nil
    }
}
