import FlotillaDiff
import FlotillaGit
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging

extension Engine {
    // MARK: Status

    public var isReady: Bool { inForce != nil }

    /// The daemon's view, for `/api/v1/status`, the status page and the status branch.
    public func report() -> StatusReport {
        var clusters: [ClusterStatus] = []
        var works: [WorkStatus] = []
        for name in agents.keys.sorted() {
            let agentWorks = agents[name]!.workStatuses()
            var cluster = agents[name]!.clusterStatus(works: agentWorks)
            cluster.taints = policyTaints[name].map { taints in
                taints.map { "\($0.key)\($0.value.map { "=" + $0 } ?? ""):\($0.effect.rawValue)" }
            }
            clusters.append(cluster)
            works += agentWorks
        }
        var open: [DriftRecord] = []
        var healed: [DriftRecord] = []
        for name in agents.keys.sorted() {
            let drift = agents[name]!.drift()
            open += drift.open
            healed += drift.healed
        }
        open.sort { ($0.detectedAt, $0.object) > ($1.detectedAt, $1.object) }
        healed.sort { ($0.healedAt ?? $0.detectedAt, $0.object) > ($1.healedAt ?? $1.detectedAt, $1.object) }
        let placements = (inForce?.plan.placements ?? []).map { placement in
            StatusReport.Placement(template: placement.identity.description, apiVersion: placement.template.apiVersion,
                                   kind: placement.template.kind, namespace: placement.template.namespace,
                                   name: placement.template.name, policy: placement.policy?.description,
                                   clusters: placement.clusters.map { .init(name: $0.name,
                                                                            replicas: placement.hasReplicas ? Int($0.replicas) : nil) },
                                   error: placement.error)
        }
        var autoscalers: [StatusReport.Autoscaler] = []
        for hpa in inForce?.manifests.federatedHPAs ?? [] {
            let namespace = hpa.metadata.namespace ?? "default"
            let target = hpa.spec.scaleTargetRef
            let replicas = works.filter { $0.kind == target.kind && $0.name == target.name && $0.namespace == namespace }
                .compactMap(\.desiredReplicas).reduce(0, +)
            let spec = autoscaling.effective(hpa)
            let minimum = Int(spec.effectiveMinReplicas)
            let maximum = Int(spec.maxReplicas)
            let record = autoscaling.autoscalers[AutoscalingBook.key(hpa)]
            autoscalers.append(.init(name: hpa.metadata.name, namespace: namespace, target: "\(target.kind) \(target.name)",
                                     minReplicas: minimum, maxReplicas: maximum, replicas: Int(replicas),
                                     withinBounds: (minimum...max(minimum, maximum)).contains(Int(replicas)),
                                     currentReplicas: record?.decision.map { Int($0.currentReplicas) },
                                     desiredReplicas: record?.decision.map { Int($0.desiredReplicas) },
                                     currentMetrics: record?.decision?.metrics, conditions: record?.decision?.conditions,
                                     lastScaleTime: record?.history.lastScaleTime))
        }
        let crons = (inForce?.manifests.cronFederatedHPAs ?? []).map { cron in
            StatusReport.CronAutoscaler(
                name: cron.metadata.name, namespace: cron.metadata.namespace ?? "default",
                target: "\(cron.spec.scaleTargetRef.kind) \(cron.spec.scaleTargetRef.name)",
                executionHistories: (autoscaling.cron[AutoscalingBook.key(cron)] ?? [:]).values
                    .sorted { $0.ruleName < $1.ruleName })
        }.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        autoscalers.sort { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        var rebalances: [StatusReport.Rebalance] = []
        let now = Date()
        let rebalancers = (inForce?.manifests.workloadRebalancers ?? []).sorted { $0.metadata.name < $1.metadata.name }
        for rebalancer in rebalancers {
            for workload in rebalancer.spec.workloads {
                let record = rebalanced[rebalancer.runKey(for: workload)]
                let ttl = rebalancer.spec.ttlSecondsAfterFinished.map(TimeInterval.init)
                let expired = record.map { record in ttl.map { now >= record.finishedAt + $0 } ?? false } ?? false
                rebalances.append(.init(rebalancer: rebalancer.metadata.name, workload: workload.identity.description,
                                        result: record?.result ?? "Pending", reason: record?.reason,
                                        finishedAt: record?.finishedAt, expired: expired))
            }
        }
        return StatusReport(revision: inForce?.commit, latestSeen: lastSeenCommit,
                            sourcePath: configuration.path, sourceErrors: sourceErrors,
                            ready: inForce != nil, clusters: clusters, placements: placements, works: works,
                            openDrift: open, healedDrift: Array(healed.prefix(50)),
                            statusCommits: statusCommits, lastPushError: lastPushError, autoscalers: autoscalers,
                            sourceWarnings: (inForce?.manifests.warnings).flatMap { $0.isEmpty ? nil : $0 },
                            rebalances: rebalances.isEmpty ? nil : rebalances,
                            cronAutoscalers: crons.isEmpty ? nil : crons,
                            evictions: evictionReport(),
                            rollouts: rollouts.isEmpty ? nil : rollouts.keys.sorted().compactMap { name in
                                rollouts[name].map { StatusReport.Rollout($0, clusters: rolloutKnowledge[name]?.scope.clusters ?? []) }
                            })
    }

    /// Writes the status files when they changed (at most once per status interval, unless `force`).
    func writeStatus(force: Bool) async {
        // Nothing changed in any cluster since the last time, and that one was written: nothing to do (an idle
        // daemon then does no work for its status at all).
        let changes = signals.generation
        let key = (changes: changes, revision: inForce?.commit, seen: lastSeenCommit, errors: sourceErrors.count,
                   rollouts: rolloutChanges)
        if !force, lastPushError == nil, let last = statusComputedAt, last == key { return }
        statusComputedAt = key
        let report = report()
        for cluster in report.clusters {
            var counts: [String: Int] = [:]
            for work in report.works where work.cluster == cluster.name {
                counts["\(work.sync.rawValue)/\(work.health.rawValue)", default: 0] += 1
            }
            metrics.objects(cluster: cluster.name, counts: counts)
            metrics.clusterReady(cluster.name, cluster.ready)
        }
        guard let branch = configuration.statusBranch, report.revision != nil else { return }
        var files = StatusFiles.render(report, prefix: configuration.statusPrefix)
        files[branchStatePath] = branchState()
        files["\(configuration.statusPrefix)/cluster-state.json"] = Self.clusterStateFile(plannedStates)
        await loadDriftHistory(branch: branch)
        _ = driftHistory.record(report.openDrift + report.healedDrift)
        files.merge(driftHistory.files(prefix: configuration.statusPrefix)) { rendered, _ in rendered }
        guard files != lastStatusFiles else { return }
        let synced = report.works.filter { $0.sync == .synced }.count
        let short = String(report.revision?.prefix(12) ?? "none")
        let message = "status: \(short) \(synced)/\(report.works.count) synced\n\n"
            + "Flotilla-Revision: \(report.revision ?? "none")\n"
            + "Flotilla-Clusters: \(report.clusters.filter(\.ready).count)/\(report.clusters.count) ready\n"
        let request = GitCommitRequest(branch: branch, files: files, replacing: [configuration.statusPrefix],
                                       message: message, author: configuration.gitAuthor)
        do {
            let result = try await source.commitAndPush(request)
            if case .pushed = result { statusCommits += 1 }
            lastStatusFiles = files
            lastPushError = nil
        } catch {
            lastPushError = "\(error)"
            logger.warning("status push failed", metadata: ["error": "\(error)"])
        }
        _ = force
    }

    /// Reads the drift history back from the status branch once (it is rewritten whole with every status commit).
    func loadDriftHistory(branch: String) async {
        guard !driftHistoryLoaded, driftHistoryReads < 3 else { return }
        driftHistoryReads += 1
        do {
            let snapshot = try await source.snapshot(ref: branch, path: "\(configuration.statusPrefix)/drift",
                                                     include: { $0.hasSuffix(".jsonl") })
            driftHistory.restore(Dictionary(snapshot.files.map { ($0.path, $0.contents) }, uniquingKeysWith: { a, _ in a }))
            driftHistoryLoaded = true
        } catch {
            // No status branch yet (a first start), or it cannot be read: the history starts here.
            logger.debug("drift history not read from the status branch", metadata: ["error": "\(error)"])
            if driftHistoryReads >= 3 { driftHistoryLoaded = true }
        }
    }

    /// The clusters' state of the last plan as `flotilla plan --cluster-state` reads it (sorted, so unchanged state
    /// makes no commit).
    static func clusterStateFile(_ states: [String: ClusterState]) -> Data? {
        guard !states.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try? encoder.encode(ClusterStateFile(clusters: states))
    }
}
