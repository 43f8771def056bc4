import FlotillaKube
import FlotillaModel
import Foundation

/// What the autoscaler read of one target workload in one cluster.
struct AutoscalingSample: Sendable {
    var cluster: String
    /// The `metrics.k8s.io/v1beta1` PodMetrics of the pods the workload's selector matches.
    var podMetrics: [JSONValue]
    /// The pods the selector matches, listed one by one; nil when they could not be listed (the sample then counts
    /// pods from the workload's status).
    var pods: [JSONValue]? = nil
    /// Pods metrics from `custom.metrics.k8s.io`: by metric name, each pod's value (milli-units). A metric that
    /// could not be read is absent (its pods then have no value: missing, as the HPA counts them).
    var custom: [String: [String: Int64]] = [:]
    /// The live workload's `status.replicas` and `status.readyReplicas`.
    var replicas: Int
    var readyReplicas: Int
    /// Why the metrics could not be read (the sample then holds no pods).
    var error: String?
}

/// The connection the autoscaler reads metrics over: one per cluster, used only on the agent's metrics lane (a C
/// handle has one owner), so a slow metrics API holds neither the cluster's syncs nor its probes.
final class MetricsConnection: @unchecked Sendable {
    let dial: ClusterDial
    private var client: KubeClient?

    init(dial: ClusterDial) { self.dial = dial }

    /// The client, opening the connection on first use (nil when it cannot be opened).
    var opened: KubeClient? {
        if client == nil, let transport = try? dial.open() { client = KubeClient(transport: transport) }
        return client
    }
}

extension ClusterAgent {
    /// Reads what the autoscaler needs of `workload` (its PodMetrics and pods by `selector`, the Pods metrics named,
    /// its live status). Nil when the cluster has no connection or the caller was cancelled.
    func autoscalingSample(workload: ObjectKey, selector: String, customMetrics: [String] = []) async
        -> AutoscalingSample? {
        guard let connection = metricsConnection else { return nil }
        let live = state.withLock { $0.live[workload] }
        let replicas = Int(live?.value(at: ["status", "replicas"])?.intValue ?? 0)
        let ready = Int(live?.value(at: ["status", "readyReplicas"])?.intValue ?? 0)
        let cluster = name
        return await metricsLane.run {
            guard let client = connection.opened else {
                return AutoscalingSample(cluster: cluster, podMetrics: [], replicas: replicas, readyReplicas: ready,
                                         error: "no connection")
            }
            do throws(KubeError) {
                let items = try client.list(apiVersion: "metrics.k8s.io/v1beta1", kind: "PodMetrics",
                                            namespace: workload.namespace, labelSelector: selector).items
                let pods = try? client.list(apiVersion: "v1", kind: "Pod", namespace: workload.namespace,
                                            labelSelector: selector).items
                var custom: [String: [String: Int64]] = [:]
                for metric in customMetrics {
                    let path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/\(workload.namespace ?? "default")"
                        + "/pods/*/\(metric)"
                    guard let list = try? client.get(path: path, query: ["labelSelector": selector]) else { continue }
                    var values: [String: Int64] = [:]
                    for item in list["items"]?.arrayValue ?? [] {
                        guard let pod = item.value(at: ["describedObject", "name"])?.stringValue,
                              let value = item["value"]?.stringValue.flatMap({ Quantity($0).milliValue }) else {
                            continue
                        }
                        values[pod] = value
                    }
                    custom[metric] = values
                }
                return AutoscalingSample(cluster: cluster, podMetrics: items, pods: pods, custom: custom,
                                         replicas: replicas, readyReplicas: ready)
            } catch {
                return AutoscalingSample(cluster: cluster, podMetrics: [], replicas: replicas, readyReplicas: ready,
                                         error: "\(error)")
            }
        }
    }
}
