import FlotillaDiff
import Prometheus
import Synchronization

/// The daemon's Prometheus metrics (DESIGN.md section 8), in one registry served at `/metrics`.
public final class EngineMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private static let latencyBuckets: [Double] = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30, 60, 120]

    let commitToConverged: ValueHistogram
    let driftDetected: ValueHistogram
    let reconcileDuration: ValueHistogram
    let gitFetchDuration: ValueHistogram
    private let revisionGauge = Mutex<(String, Gauge)?>(nil)
    private let objectGauges = Mutex<Set<[String]>>([])

    public init() {
        commitToConverged = registry.makeValueHistogram(
            name: "flotilla_commit_to_converged_seconds", buckets: Self.latencyBuckets,
            help: "From a new revision seen to every target cluster Synced and Healthy.")
        driftDetected = registry.makeValueHistogram(
            name: "flotilla_drift_detected_seconds", buckets: Self.latencyBuckets,
            help: "From a change made by someone else (as the server timed it) to its detection.")
        reconcileDuration = registry.makeValueHistogram(
            name: "flotilla_reconcile_duration_seconds", buckets: Self.latencyBuckets,
            help: "One reconcile: fetch, load, validate, plan and hand the works to the clusters.")
        gitFetchDuration = registry.makeValueHistogram(
            name: "flotilla_git_fetch_duration_seconds", buckets: Self.latencyBuckets,
            help: "Fetching the source.")
    }

    func reconciled(_ result: String) {
        registry.makeCounter(name: "flotilla_reconcile_total", labels: [("result", result)],
                             help: "Reconciles by result.").increment()
    }

    func revision(_ revision: String) {
        revisionGauge.withLock { current in
            if let current, current.0 == revision { return }
            if let current { registry.unregisterGauge(current.1) }
            let gauge = registry.makeGauge(name: "flotilla_source_revision_info", labels: [("revision", revision)],
                                           help: "The revision in force.")
            gauge.set(Double(1))
            current = (revision, gauge)
        }
    }

    func clusterReady(_ cluster: String, _ ready: Bool) {
        registry.makeGauge(name: "flotilla_cluster_ready", labels: [("cluster", cluster)],
                           help: "1 when the cluster passes its probes.").set(Double(ready ? 1 : 0))
    }

    func objects(cluster: String, counts: [String: Int]) {
        // Every (sync, health) pair is set, so a pair that drops to zero reads 0 rather than a stale count.
        for sync in SyncStatus.allCases {
            for health in HealthStatus.allCases {
                let key = "\(sync.rawValue)/\(health.rawValue)"
                registry.makeGauge(name: "flotilla_objects",
                                   labels: [("cluster", cluster), ("sync", sync.rawValue), ("health", health.rawValue)],
                                   help: "Works by cluster, sync and health.").set(Double(counts[key] ?? 0))
            }
        }
    }

    func drift(cluster: String) {
        registry.makeCounter(name: "flotilla_drift_total", labels: [("cluster", cluster)],
                             help: "Drift detected.").increment()
    }

    func request(cluster: String, verb: String, code: String) {
        registry.makeCounter(name: "flotilla_apply_requests_total",
                             labels: [("cluster", cluster), ("verb", verb), ("code", code)],
                             help: "Requests to member clusters by verb and status code.").increment()
    }

    /// A FederatedHPA's view after a sync period (`autoscaler` is `namespace/name`: bounded by the source).
    func autoscaler(_ autoscaler: String, current: Int32, desired: Int32, minimum: Int32, maximum: Int32, active: Bool) {
        let labels = [("autoscaler", autoscaler)]
        registry.makeGauge(name: "flotilla_autoscaler_current_replicas", labels: labels,
                           help: "The replicas of the FederatedHPA's target before this sync period.").set(Double(current))
        registry.makeGauge(name: "flotilla_autoscaler_desired_replicas", labels: labels,
                           help: "The replicas the FederatedHPA set on its target.").set(Double(desired))
        registry.makeGauge(name: "flotilla_autoscaler_min_replicas", labels: labels,
                           help: "The FederatedHPA's minimum (as cron rules left it).").set(Double(minimum))
        registry.makeGauge(name: "flotilla_autoscaler_max_replicas", labels: labels,
                           help: "The FederatedHPA's maximum (as cron rules left it).").set(Double(maximum))
        registry.makeGauge(name: "flotilla_autoscaler_scaling_active", labels: labels,
                           help: "1 when the FederatedHPA could compute a replica count from its metrics.")
            .set(Double(active ? 1 : 0))
    }

    /// A FederatedHPA scaled its target up or down.
    /// `flotilla_rollout_stage{rollout,stage,state}`: 1 for each stage's state, 0 for its other states.
    func rollouts(_ rollouts: [String: RolloutProgress]) {
        for (name, progress) in rollouts {
            for stage in progress.stages {
                for state in RolloutStageState.allCases {
                    registry.makeGauge(name: "flotilla_rollout_stage",
                                       labels: [("rollout", name), ("stage", stage.name), ("state", state.rawValue)],
                                       help: "1 for the state each rollout stage is in").set(Double(stage.state == state ? 1 : 0))
                }
            }
        }
    }

    func autoscaled(_ autoscaler: String, direction: String) {
        registry.makeCounter(name: "flotilla_autoscaler_scale_total",
                             labels: [("autoscaler", autoscaler), ("direction", direction)],
                             help: "Scales of FederatedHPA targets by direction.").increment()
    }

    /// A CronFederatedHPA rule ran (`result`: successful or failed).
    func cronExecuted(result: String) {
        registry.makeCounter(name: "flotilla_cron_executions_total", labels: [("result", result)],
                             help: "CronFederatedHPA rule executions by result.").increment()
    }

    /// The text exposition.
    public func render() -> String { registry.emitToString() }
}
