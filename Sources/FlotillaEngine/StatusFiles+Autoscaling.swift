import FlotillaAutoscaling
import FlotillaModel
import Foundation

extension StatusFiles {
    /// `status/autoscaling/<ns>/FederatedHPA.<name>.yaml`: the bounds and the last sync period's status, with no
    /// time that moves while nothing changes (the last scale time moves only when it scales).
    static func autoscalerFile(_ hpa: StatusReport.Autoscaler) -> String {
        var text = "name: \(yamlString(hpa.name))\nnamespace: \(yamlString(hpa.namespace))\n"
        text += "target: \(yamlString(hpa.target))\nminReplicas: \(hpa.minReplicas)\nmaxReplicas: \(hpa.maxReplicas)\n"
        text += "status:\n  replicasInTheFleet: \(hpa.replicas)\n"
        if let current = hpa.currentReplicas { text += "  currentReplicas: \(current)\n" }
        if let desired = hpa.desiredReplicas { text += "  desiredReplicas: \(desired)\n" }
        if let time = hpa.lastScaleTime { text += "  lastScaleTime: \(yamlString(timestamp(time)))\n" }
        if let metrics = hpa.currentMetrics, !metrics.isEmpty {
            text += "  currentMetrics:\n"
            for metric in metrics {
                text += "    - metric: \(yamlString(metric.metric))\n      target: \(yamlString(metric.target))\n"
                if let utilization = metric.averageUtilization { text += "      averageUtilization: \(utilization)\n" }
                text += "      averageValue: \(yamlString(metric.averageValue))\n"
            }
        }
        if let conditions = hpa.conditions, !conditions.isEmpty {
            text += "  conditions:\n"
            for condition in conditions {
                text += "    - type: \(condition.type)\n      status: \"\(condition.status)\"\n"
                    + "      reason: \(yamlString(condition.reason))\n      message: \(yamlString(condition.message))\n"
            }
        }
        return text
    }

    /// `status/autoscaling/<ns>/CronFederatedHPA.<name>.yaml`: each rule's next time and its recent executions.
    static func cronFile(_ cron: StatusReport.CronAutoscaler) -> String {
        var text = "name: \(yamlString(cron.name))\nnamespace: \(yamlString(cron.namespace))\n"
        text += "target: \(yamlString(cron.target))\nexecutionHistories:\n"
        if cron.executionHistories.isEmpty { text = String(text.dropLast()) + " []\n" }
        for history in cron.executionHistories {
            text += "  - ruleName: \(yamlString(history.ruleName))\n"
            text += "    nextExecutionTime: \(history.nextExecutionTime.map { yamlString(timestamp($0)) } ?? "null")\n"
            for (label, executions) in [("successfulExecutions", history.successfulExecutions),
                                        ("failedExecutions", history.failedExecutions)] where !executions.isEmpty {
                text += "    \(label):\n"
                for execution in executions {
                    text += "      - scheduleTime: \(yamlString(timestamp(execution.scheduleTime)))\n"
                    text += "        executionTime: \(yamlString(timestamp(execution.executionTime)))\n"
                    if let replicas = execution.appliedReplicas { text += "        appliedReplicas: \(replicas)\n" }
                    if let low = execution.appliedMinReplicas { text += "        appliedMinReplicas: \(low)\n" }
                    if let high = execution.appliedMaxReplicas { text += "        appliedMaxReplicas: \(high)\n" }
                    if let message = execution.message { text += "        message: \(yamlString(message))\n" }
                }
            }
        }
        return text
    }

    static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}
