import FlotillaModel

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
        let sorted = podMetrics.sorted {
            ($0["metadata"]?["name"]?.stringValue ?? "") < ($1["metadata"]?["name"]?.stringValue ?? "")
        }
        var result: [String: [PodUsage]] = [:]
        for key in keys {
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            let resource = parts[0]
            let container = parts.count > 1 ? parts[1] : nil
            let request = self.request(resource, container: container, containers: containers)
            var pods: [PodUsage] = []
            for item in sorted {
                let name = item["metadata"]?["name"]?.stringValue ?? "pod-\(pods.count)"
                var usage: Int64 = 0
                for entry in item["containers"]?.arrayValue ?? []
                where container == nil || entry["name"]?.stringValue == container {
                    usage += entry["usage"]?[resource]?.stringValue.flatMap { Quantity($0).milliValue } ?? 0
                }
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
