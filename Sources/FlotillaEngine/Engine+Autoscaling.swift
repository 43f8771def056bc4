import FlotillaAutoscaling
import FlotillaModel
import Foundation
import Logging

extension Engine {
    /// The autoscaling loop: every sync period of the engine's clock each FederatedHPA decides its target's replicas,
    /// and each CronFederatedHPA rule runs at its time. Sleeps on the clock in between (at most a minute, so a new
    /// revision's cron rules are scheduled without one).
    func autoscalingLoop() async {
        let period = max(1, configuration.autoscalerSyncPeriod)
        var nextSync = clock.now().addingTimeInterval(period)
        while !Task.isCancelled {
            let now = clock.now()
            let wake = min(nextSync, autoscaling.nextCronTime ?? .distantFuture, now.addingTimeInterval(60))
            await clock.sleep(for: max(0.01, wake.timeIntervalSince(now)))
            if Task.isCancelled { break }
            let boundsChanged = runCronRules()
            if clock.now() >= nextSync || boundsChanged {
                await autoscale()
                nextSync = clock.now().addingTimeInterval(period)
            }
        }
    }

    /// One sync period of every FederatedHPA of the revision in force. A target whose replicas change is re-planned
    /// at once (the propagation policy divides the new total among the clusters).
    func autoscale() async {
        guard let inForce else { return }
        autoscaling.prune(to: inForce.manifests)
        // Idle without autoscalers: nothing read, nothing recomputed.
        guard !inForce.manifests.federatedHPAs.isEmpty else { return }
        var templates: [ResourceIdentity: KubernetesObject] = [:]
        let targets = Set(inForce.manifests.federatedHPAs.map {
            AutoscalingBook.target($0.spec.scaleTargetRef, namespace: $0.metadata.namespace ?? "default")
        })
        for template in inForce.manifests.templates where targets.contains(template.identity) {
            templates[template.identity] = template
        }
        var changed = false
        let before = autoscaling.autoscalers.mapValues { Self.shown($0.decision) }
        for hpa in inForce.manifests.federatedHPAs.sorted(by: { AutoscalingBook.key($0) < AutoscalingBook.key($1) }) {
            let key = AutoscalingBook.key(hpa)
            let identity = AutoscalingBook.target(hpa.spec.scaleTargetRef, namespace: hpa.metadata.namespace ?? "default")
            let spec = autoscaling.effective(hpa)
            var record = autoscaling.autoscalers[key] ?? AutoscalingBook.Record()
            let now = clock.now()
            guard let template = templates[identity] else {
                record.decision = FederatedHPADecision.unable(current: 0, history: record.history, error: .invalidTarget(
                    "the target \(identity) is not a template of the source"))
                record.decidedAt = now
                autoscaling.autoscalers[key] = record
                continue
            }
            let current = Int32(clamping: template.content.value(at: ["spec", "replicas"])?.intValue ?? 1)
            let pods = await targetPods(identity, template: template, spec: spec)
            let decision = FederatedHPADecision.decide(spec: spec, current: current, pods: pods, history: record.history,
                                                       now: now)
            record.history = decision.history
            record.decision = decision
            record.decidedAt = now
            autoscaling.autoscalers[key] = record
            metrics.autoscaler(key, current: current, desired: decision.desiredReplicas,
                               minimum: spec.effectiveMinReplicas, maximum: spec.maxReplicas,
                               active: !decision.conditions.contains { $0.type == "ScalingActive" && $0.status == "False" })
            guard decision.scales else { continue }
            autoscaling.replicas[identity] = ScaledTemplate(replicas: decision.desiredReplicas, by: "FederatedHPA \(key)")
            changed = true
            metrics.autoscaled(key, direction: decision.desiredReplicas > current ? "up" : "down")
            logger.notice("autoscaled", metadata: ["autoscaler": "\(key)", "target": "\(identity)",
                                                   "from": "\(current)", "to": "\(decision.desiredReplicas)",
                                                   "reason": "\(decision.reason ?? "")"])
        }
        if changed { requestReplan() }
        // The status shows the decisions (metrics, conditions): written again when one of them changed.
        if changed || autoscaling.autoscalers.mapValues({ Self.shown($0.decision) }) != before { signals.noteChange() }
    }

    /// What the status shows of a decision (its metrics and conditions).
    static func shown(_ decision: FederatedHPADecision?) -> [String] {
        guard let decision else { return [] }
        return ["\(decision.desiredReplicas)", decision.metrics.description, decision.conditions.description]
    }

    /// The target's pods in every ready cluster it runs in, by what the FederatedHPA's metrics read.
    private func targetPods(_ identity: ResourceIdentity, template: KubernetesObject, spec: FederatedHPASpec) async
        -> [String: [PodUsage]] {
        let keys = FederatedHPADecision.metrics(of: spec).compactMap(FederatedHPADecision.usageKey(of:))
        let matchLabels = template.content.value(at: ["spec", "selector", "matchLabels"])?.objectValue ?? [:]
        let selector = matchLabels.keys.sorted().map { "\($0)=\(matchLabels[$0]?.stringValue ?? "")" }
            .joined(separator: ",")
        let podTemplate = template.content.value(at: ["spec", "template"])
        let customMetrics = keys.filter { $0.hasPrefix(FederatedHPADecision.customPrefix) }
            .map { String($0.dropFirst(FederatedHPADecision.customPrefix.count)) }
        var pods: [String: [PodUsage]] = [:]
        for ref in (inForce?.index[identity] ?? []).sorted(by: { $0.cluster < $1.cluster }) {
            guard let agent = agents[ref.cluster], agent.isReady,
                  let sample = await agent.autoscalingSample(workload: ref.key, selector: selector,
                                                             customMetrics: customMetrics) else { continue }
            if let error = sample.error {
                logger.debug("metrics not read", metadata: ["cluster": "\(ref.cluster)", "error": "\(error)"])
                continue
            }
            let usage = sample.pods.map {
                TargetPods.usage(cluster: sample.cluster, pods: $0, podMetrics: sample.podMetrics, keys: keys,
                                 custom: sample.custom, now: clock.now())
            } ?? TargetPods.usage(cluster: sample.cluster, podMetrics: sample.podMetrics, replicas: sample.replicas,
                                  readyReplicas: sample.readyReplicas, podTemplate: podTemplate, keys: keys)
            for (key, list) in usage { pods[key, default: []] += list }
        }
        return pods
    }

    /// Runs the cron rules that are due; returns whether a FederatedHPA's bounds changed (its autoscaler then runs at
    /// once, as Karmada's does after the cron controller patched it).
    @discardableResult
    func runCronRules() -> Bool {
        guard let inForce else { return false }
        let now = clock.now()
        var boundsChanged = false
        var replicasChanged = false
        let hpas = Dictionary(inForce.manifests.federatedHPAs.map { (AutoscalingBook.key($0), $0) },
                              uniquingKeysWith: { first, _ in first })
        let templates = Set(inForce.manifests.templates.map(\.identity))
        for cron in inForce.manifests.cronFederatedHPAs {
            let key = AutoscalingBook.key(cron)
            let namespace = cron.metadata.namespace ?? "default"
            var (histories, due) = CronRuleHistory.advance(cron.spec.rules, histories: autoscaling.cron[key] ?? [:],
                                                           now: now, zone: .current)
            for (rule, scheduled) in due {
                var execution = CronExecution(scheduleTime: scheduled, executionTime: now)
                let target = cron.spec.scaleTargetRef
                if target.kind == "FederatedHPA", (target.apiVersion ?? "").hasPrefix("autoscaling.karmada.io/") {
                    if let hpa = hpas["\(namespace)/\(target.name)"] {
                        let current = autoscaling.effective(hpa)
                        let bounds = AutoscalingBook.Bounds(
                            min: rule.targetMinReplicas ?? current.effectiveMinReplicas,
                            max: rule.targetMaxReplicas ?? current.maxReplicas,
                            sourceMin: hpa.spec.effectiveMinReplicas, sourceMax: hpa.spec.maxReplicas)
                        autoscaling.bounds["\(namespace)/\(target.name)"] = bounds
                        execution.appliedMinReplicas = bounds.min
                        execution.appliedMaxReplicas = bounds.max
                        boundsChanged = true
                    } else {
                        execution.message = "FederatedHPA \(namespace)/\(target.name) is not in the source"
                    }
                } else {
                    let identity = AutoscalingBook.target(target, namespace: namespace)
                    if templates.contains(identity), let replicas = rule.targetReplicas {
                        autoscaling.replicas[identity] = ScaledTemplate(replicas: replicas, by: "CronFederatedHPA \(key)")
                        execution.appliedReplicas = replicas
                        replicasChanged = true
                    } else {
                        execution.message = "the target \(identity) is not a template of the source"
                    }
                }
                histories[rule.name]?.record(execution, rule: rule)
                metrics.cronExecuted(result: execution.message == nil ? "successful" : "failed")
                logger.notice("cron rule ran", metadata: [
                    "cron": "\(key)", "rule": "\(rule.name)",
                    "result": "\(execution.message ?? "replicas \(execution.appliedReplicas.map(String.init) ?? "-") min \(execution.appliedMinReplicas.map(String.init) ?? "-") max \(execution.appliedMaxReplicas.map(String.init) ?? "-")")"])
            }
            autoscaling.cron[key] = histories
        }
        if replicasChanged { requestReplan() }
        if boundsChanged || replicasChanged { signals.noteChange() }
        return boundsChanged
    }

    /// Asks the reconcile loop to plan again with the replicas autoscaling set.
    func requestReplan() {
        replanNeeded = true
        signals.retryDue()
    }
}
