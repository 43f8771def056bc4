import FlotillaModel
import Foundation

/// One execution of a CronFederatedHPA rule, as Karmada's status records it.
public struct CronExecution: Sendable, Hashable, Codable {
    public var scheduleTime: Date
    public var executionTime: Date
    public var appliedReplicas: Int32?
    public var appliedMinReplicas: Int32?
    public var appliedMaxReplicas: Int32?
    /// Why it failed (failed executions only).
    public var message: String?

    public init(scheduleTime: Date, executionTime: Date, appliedReplicas: Int32? = nil, appliedMinReplicas: Int32? = nil,
                appliedMaxReplicas: Int32? = nil, message: String? = nil) {
        self.scheduleTime = scheduleTime
        self.executionTime = executionTime
        self.appliedReplicas = appliedReplicas
        self.appliedMinReplicas = appliedMinReplicas
        self.appliedMaxReplicas = appliedMaxReplicas
        self.message = message
    }
}

/// A rule's execution history (Karmada's `executionHistories[]` entry): its next execution time and its recent
/// successful and failed executions, newest first, bounded by the rule's history limits. Keyed by rule name: renaming
/// a rule starts a new history.
public struct CronRuleHistory: Sendable, Hashable, Codable {
    public var ruleName: String
    /// Nil for a suspended rule.
    public var nextExecutionTime: Date?
    public var successfulExecutions: [CronExecution] = []
    public var failedExecutions: [CronExecution] = []
    /// The schedule and time zone `nextExecutionTime` was computed from (a changed rule is scheduled afresh).
    public var scheduledFrom: String

    /// The histories for `rules` at `now`: a new or changed rule gets its next time, a suspended one none; rules
    /// that are gone are dropped. Returns the rules whose time has come (with the time each was due), oldest first.
    public static func advance(_ rules: [CronFederatedHPARule], histories: [String: CronRuleHistory], now: Date,
                               zone defaultZone: TimeZone)
        -> (histories: [String: CronRuleHistory], due: [(rule: CronFederatedHPARule, scheduleTime: Date)]) {
        var result: [String: CronRuleHistory] = [:]
        var due: [(rule: CronFederatedHPARule, scheduleTime: Date)] = []
        for rule in rules {
            let zone = rule.timeZone.flatMap(TimeZone.init(identifier:)) ?? defaultZone
            let from = "\(rule.schedule) \(zone.identifier) \(rule.suspend == true)"
            let expression = CronExpression(rule.schedule)
            var history = histories[rule.name] ?? CronRuleHistory(ruleName: rule.name, nextExecutionTime: nil,
                                                                  scheduledFrom: "")
            if history.scheduledFrom != from {
                history.scheduledFrom = from
                history.nextExecutionTime = rule.suspend == true ? nil : expression?.next(after: now, in: zone)
            } else if let next = history.nextExecutionTime, next <= now {
                due.append((rule, next))
                // A missed run fires once, then the schedule goes on from now (as cron's does).
                history.nextExecutionTime = expression?.next(after: max(now, next), in: zone)
            }
            result[rule.name] = history
        }
        due.sort { ($0.scheduleTime, $0.rule.name) < ($1.scheduleTime, $1.rule.name) }
        return (result, due)
    }

    /// Records an execution, newest first, within the rule's limits (successful 3, failed 3 by default).
    public mutating func record(_ execution: CronExecution, rule: CronFederatedHPARule) {
        if execution.message == nil {
            successfulExecutions.insert(execution, at: 0)
            successfulExecutions = Array(successfulExecutions.prefix(Int(rule.successfulHistoryLimit ?? 3)))
        } else {
            failedExecutions.insert(execution, at: 0)
            failedExecutions = Array(failedExecutions.prefix(Int(rule.failedHistoryLimit ?? 3)))
        }
    }
}
