import FlotillaAutoscaling
import FlotillaDiff
import FlotillaModel
import Foundation

/// The daemon's view: what `/api/v1/status` serves and the status branch records.
public struct StatusReport: Sendable, Codable {
    public struct Placement: Sendable, Codable, Hashable {
        public struct Target: Sendable, Codable, Hashable {
            public var name: String
            public var replicas: Int?
        }
        public var template: String
        public var apiVersion: String
        public var kind: String
        public var namespace: String?
        public var name: String
        public var policy: String?
        public var clusters: [Target]
        public var error: String?
    }

    /// A FederatedHPA: its bounds (as cron rules left them), the replicas its target runs across the fleet, and its
    /// last sync period's status (`autoscaling/v2` HorizontalPodAutoscalerStatus, as Karmada's carries it).
    public struct Autoscaler: Sendable, Codable, Hashable {
        public var name: String
        public var namespace: String
        public var target: String
        public var minReplicas: Int
        public var maxReplicas: Int
        public var replicas: Int
        public var withinBounds: Bool
        public var currentReplicas: Int?
        public var desiredReplicas: Int?
        public var currentMetrics: [MetricStatus]?
        public var conditions: [AutoscalerCondition]?
        public var lastScaleTime: Date?
    }

    /// A workload leaving a cluster by eviction: application failover's task, and whether its old work is still
    /// there, draining until the replacements are healthy.
    public struct Eviction: Sendable, Codable, Hashable {
        public var template: String
        public var cluster: String
        /// `ApplicationFailure` or `TaintUntolerated`.
        public var reason: String
        public var purgeMode: String
        public var since: Date
        public var draining: Bool
    }

    /// A CronFederatedHPA and its rules' execution histories.
    public struct CronAutoscaler: Sendable, Codable, Hashable {
        public var name: String
        public var namespace: String
        public var target: String
        public var executionHistories: [CronRuleHistory]
    }

    /// One workload of a WorkloadRebalancer: placed afresh once, with Karmada's result.
    public struct Rebalance: Sendable, Codable, Hashable {
        public var rebalancer: String
        public var workload: String
        /// `Successful`, `Failed`, or `Pending` (not run yet: the revision in force came before it).
        public var result: String
        public var reason: String?
        public var finishedAt: Date?
        /// `ttlSecondsAfterFinished` has passed: Karmada would have deleted the rebalancer; it can leave the source.
        public var expired: Bool
    }

    public var revision: String?
    public var latestSeen: String?
    public var sourcePath: String
    public var sourceErrors: [String]
    public var ready: Bool
    public var clusters: [ClusterStatus]
    public var placements: [Placement]
    public var works: [WorkStatus]
    public var openDrift: [DriftRecord]
    public var healedDrift: [DriftRecord]
    public var statusCommits: Int
    public var lastPushError: String?
    public var autoscalers: [Autoscaler] = []
    /// Objects of the revision in force accepted but not acted on (`file:line: ...`).
    public var sourceWarnings: [String]? = nil
    public var rebalances: [Rebalance]? = nil
    public var cronAutoscalers: [CronAutoscaler]? = nil
    public var evictions: [Eviction]? = nil
    /// RolloutPolicies' progress, by name.
    public var rollouts: [Rollout]? = nil

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }

    public func json() -> Data { (try? Self.encoder().encode(self)) ?? Data("{}".utf8) }
}

/// The files of DESIGN.md section 6. Deterministic: sorted, and nothing that changes while nothing happens (no
/// probe times), so a commit is made only when the content changed.
public enum StatusFiles {
    public static func render(_ report: StatusReport, prefix: String = "status") -> [String: Data] {
        var files: [String: Data] = [:]
        files["\(prefix)/summary.md"] = Data(summary(report).utf8)
        files["\(prefix)/drift.md"] = Data(drift(report).utf8)
        for cluster in report.clusters {
            files["\(prefix)/clusters/\(cluster.name).yaml"] = Data(clusterFile(cluster).utf8)
        }
        var byTemplate: [String: [WorkStatus]] = [:]
        for work in report.works { byTemplate[work.template, default: []].append(work) }
        for placement in report.placements {
            let folder = placement.namespace ?? "_cluster"
            let path = "\(prefix)/resources/\(folder)/\(placement.kind).\(placement.name).yaml"
            files[path] = Data(resourceFile(placement, works: byTemplate[placement.template] ?? []).utf8)
        }
        for autoscaler in report.autoscalers {
            let path = "\(prefix)/autoscaling/\(autoscaler.namespace)/FederatedHPA.\(autoscaler.name).yaml"
            files[path] = Data(autoscalerFile(autoscaler).utf8)
        }
        for cron in report.cronAutoscalers ?? [] {
            let path = "\(prefix)/autoscaling/\(cron.namespace)/CronFederatedHPA.\(cron.name).yaml"
            files[path] = Data(cronFile(cron).utf8)
        }
        for rollout in report.rollouts ?? [] {
            files["\(prefix)/rollouts/\(rollout.name).yaml"] = Data(rolloutFile(rollout).utf8)
        }
        return files
    }

    static func yamlString(_ text: String) -> String { JSONValue.quoted(text) }

    static func summary(_ report: StatusReport) -> String {
        var text = "# Flotilla status\n\n"
        text += "Revision in force: `\(report.revision ?? "none")`"
        if let path = report.sourcePath.isEmpty ? nil : report.sourcePath { text += " (path `\(path)`)" }
        text += "\n\n"
        let synced = report.works.filter { $0.sync == .synced }.count
        let healthy = report.works.filter { $0.health == .healthy }.count
        text += "\(synced)/\(report.works.count) works synced, \(healthy)/\(report.works.count) healthy, "
        text += "\(report.openDrift.count) open drift.\n\n"
        if let warnings = report.sourceWarnings, !warnings.isEmpty {
            text += "## Accepted, not acted on\n\n"
            for warning in warnings { text += "- `\(warning)`\n" }
            text += "\n"
        }
        if !report.sourceErrors.isEmpty {
            text += "## Errors\n\nThe latest revision (`\(report.latestSeen ?? "")`) was not applied:\n\n"
            for error in report.sourceErrors { text += "- `\(error)`\n" }
            text += "\n"
        }
        text += "## Clusters\n\n| cluster | ready | version | nodes | works | synced | healthy | note |\n"
        text += "| --- | --- | --- | --- | --- | --- | --- | --- |\n"
        for cluster in report.clusters {
            let note = [cluster.reason, cluster.held, cluster.lastError].compactMap { $0 }.joined(separator: "; ")
            text += "| \(cluster.name) | \(cluster.ready ? "Ready" : "NotReady") | \(cluster.kubernetesVersion ?? "-") "
                + "| \(cluster.nodes) | \(cluster.works) | \(cluster.synced) | \(cluster.healthy) | \(cell(note)) |\n"
        }
        text += "\n## Workloads\n\n| template | cluster | object | replicas (ready/desired) | sync | health |\n"
        text += "| --- | --- | --- | --- | --- | --- |\n"
        for work in report.works.sorted(by: { ($0.template, $0.cluster, $0.kind, $0.name) < ($1.template, $1.cluster, $1.kind, $1.name) }) {
            let replicas = work.desiredReplicas.map { "\(work.readyReplicas ?? 0)/\($0)" } ?? "-"
            text += "| \(work.template) | \(work.cluster) | \(work.kind) \(work.name) | \(replicas) | \(work.sync.rawValue) "
                + "| \(work.health.rawValue) |\n"
        }
        if !report.autoscalers.isEmpty {
            text += "\n## Autoscaled workloads\n\n| FederatedHPA | target | min | max | desired | replicas in the fleet "
                + "| metrics | |\n"
            text += "| --- | --- | --- | --- | --- | --- | --- | --- |\n"
            for hpa in report.autoscalers {
                let metrics = (hpa.currentMetrics ?? []).map { metric in
                    "\(metric.metric) \(metric.averageUtilization.map { "\($0)%" } ?? metric.averageValue)/\(metric.target)"
                }.joined(separator: ", ")
                let inactive = hpa.conditions?.first { $0.type == "ScalingActive" && $0.status == "False" }
                let note = inactive.map { "\($0.reason): \($0.message)" }
                    ?? (hpa.withinBounds ? "ok" : "outside the bounds")
                text += "| \(hpa.namespace)/\(hpa.name) | \(hpa.target) | \(hpa.minReplicas) | \(hpa.maxReplicas) "
                    + "| \(hpa.desiredReplicas.map(String.init) ?? "-") | \(hpa.replicas) | \(cell(metrics.isEmpty ? "-" : metrics)) "
                    + "| \(cell(note)) |\n"
            }
        }
        text += rolloutSummary(report.rollouts ?? [])
        if let evictions = report.evictions, !evictions.isEmpty {
            text += "\n## Evictions\n\n| template | cluster | reason | purge mode | since | old work |\n"
            text += "| --- | --- | --- | --- | --- | --- |\n"
            for entry in evictions {
                text += "| \(entry.template) | \(entry.cluster) | \(entry.reason) | \(entry.purgeMode) "
                    + "| \(ISO8601DateFormatter().string(from: entry.since)) | \(entry.draining ? "draining" : "removed") |\n"
            }
        }
        if let rebalances = report.rebalances, !rebalances.isEmpty {
            text += "\n## Rebalances\n\n| WorkloadRebalancer | workload | result | finished | |\n"
            text += "| --- | --- | --- | --- | --- |\n"
            for entry in rebalances {
                let finished = entry.finishedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "-"
                let note = [entry.reason, entry.expired ? "expired: ttlSecondsAfterFinished passed" : nil]
                    .compactMap { $0 }.joined(separator: "; ")
                text += "| \(entry.rebalancer) | \(entry.workload) | \(entry.result) | \(finished) | \(cell(note)) |\n"
            }
        }
        text += "\n## Open drift\n\n"
        if report.openDrift.isEmpty {
            text += "None.\n"
        } else {
            for drift in report.openDrift.sorted(by: { ($0.cluster, $0.object) < ($1.cluster, $1.object) }) {
                text += "- \(drift.cluster): \(drift.object) \(drift.change)"
                    + (drift.fields.isEmpty ? "" : " (\(drift.fields.map(\.path).joined(separator: ", ")))") + "\n"
            }
        }
        return text
    }

    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }

    static func drift(_ report: StatusReport) -> String {
        var text = "# Drift\n\nChanges made in member clusters to what Flotilla manages, newest first. "
        text += "Secret values are redacted.\n\n## Open\n\n"
        if report.openDrift.isEmpty { text += "None.\n" }
        for drift in report.openDrift { text += entry(drift) }
        return text
    }

    static func entry(_ drift: DriftRecord) -> String {
        var text = "### \(drift.cluster): \(drift.object)\n\n"
        text += "- change: \(drift.change)\n"
        text += "- detected: \(ISO8601DateFormatter().string(from: drift.detectedAt))\n"
        if let manager = drift.manager { text += "- by field manager: `\(manager)`\n" }
        for field in drift.fields {
            text += "- `\(field.path)`: `\(field.desired?.canonicalJSON() ?? "(absent)")` → "
                + "`\(field.live?.canonicalJSON() ?? "(absent)")`\n"
        }
        return text + "\n"
    }

    static func clusterFile(_ cluster: ClusterStatus) -> String {
        var text = "name: \(yamlString(cluster.name))\n"
        text += "conditions:\n  - type: Ready\n    status: \(cluster.ready ? "\"True\"" : "\"False\"")\n"
        if let reason = cluster.reason { text += "    message: \(yamlString(reason))\n" }
        if let transition = cluster.lastTransition {
            text += "    lastTransitionTime: \(yamlString(ISO8601DateFormatter().string(from: transition)))\n"
        }
        text += "kubernetesVersion: \(yamlString(cluster.kubernetesVersion ?? ""))\n"
        text += "nodes: \(cluster.nodes)\n"
        text += "capacity:\n"
        if cluster.allocatable.isEmpty { text = String(text.dropLast()) + " {}\n" }
        for key in cluster.allocatable.keys.sorted() { text += "  \(key): \(yamlString(cluster.allocatable[key]!))\n" }
        text += "works: {total: \(cluster.works), synced: \(cluster.synced), healthy: \(cluster.healthy)}\n"
        if let held = cluster.held { text += "held: \(yamlString(held))\n" }
        if let error = cluster.lastError { text += "lastError: \(yamlString(error))\n" }
        return text
    }

    static func resourceFile(_ placement: StatusReport.Placement, works: [WorkStatus]) -> String {
        var text = "template: {apiVersion: \(yamlString(placement.apiVersion)), kind: \(yamlString(placement.kind)), "
        if let namespace = placement.namespace { text += "namespace: \(yamlString(namespace)), " }
        text += "name: \(yamlString(placement.name))}\n"
        text += "policy: \(placement.policy.map(yamlString) ?? "null")\n"
        if let error = placement.error { text += "error: \(yamlString(error))\n" }
        text += "placement:\n"
        if placement.clusters.isEmpty { text = String(text.dropLast()) + " []\n" }
        for target in placement.clusters {
            text += "  - cluster: \(yamlString(target.name))\n"
            if let replicas = target.replicas { text += "    replicas: \(replicas)\n" }
        }
        text += "clusters:\n"
        let relevant = works.filter { $0.kind == placement.kind && $0.name == placement.name && $0.namespace == placement.namespace }
        if relevant.isEmpty { text = String(text.dropLast()) + " {}\n" }
        for work in relevant.sorted(by: { $0.cluster < $1.cluster }) {
            text += "  \(work.cluster):\n    sync: \(work.sync.rawValue)\n    health: \(work.health.rawValue)\n"
            if let desired = work.desiredReplicas {
                text += "    replicas: {desired: \(desired), ready: \(work.readyReplicas ?? 0)}\n"
            }
            text += "    appliedRevision: \(work.appliedRevision.map(yamlString) ?? "null")\n"
            if let error = work.lastError { text += "    lastError: \(yamlString(error))\n" }
            if let dropped = work.droppedFields, !dropped.isEmpty {
                text += "    droppedFields: [\(dropped.map(yamlString).joined(separator: ", "))]\n"
            }
        }
        return text
    }
}
