import FlotillaAutoscaling
import FlotillaModel
import Foundation
import Testing

/// Cron schedules as robfig/cron reads them (Karmada's CronFederatedHPA), with explicit times in place of a clock.
@Suite struct CronTests {
    static func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test(arguments: [
        ("*/15 * * * *", "UTC", "2026-12-03T10:07:30Z", "2026-12-03T10:15:00Z"),
        ("0 9 * * 1-5", "Asia/Shanghai", "2026-12-04T02:00:00Z", "2026-12-07T01:00:00Z"),  // Fri 10:00 CST → Mon 09:00
        ("30 2 * * *", "UTC", "2026-12-03T02:30:00Z", "2026-12-04T02:30:00Z"),  // strictly after
        ("0 0 13 * FRI", "UTC", "2026-12-03T00:00:00Z", "2026-12-04T00:00:00Z"),  // the 13th or a Friday
        ("@hourly", "UTC", "2026-12-03T10:07:00Z", "2026-12-03T11:00:00Z"),
        ("0 0 1 JAN *", "UTC", "2026-12-03T10:07:00Z", "2027-01-01T00:00:00Z"),
        ("5/20 * * * *", "UTC", "2026-12-03T10:26:00Z", "2026-12-03T10:45:00Z"),
    ])
    func next(_ schedule: String, _ zone: String, _ after: String, _ expected: String) throws {
        let expression = try #require(CronExpression(schedule))
        #expect(expression.next(after: Self.date(after), in: TimeZone(identifier: zone)!) == Self.date(expected))
    }

    @Test func everyIsAConstantDelay() throws {
        let expression = try #require(CronExpression("@every 90s"))
        #expect(expression.next(after: Self.date("2026-12-03T10:00:00Z"), in: .gmt) == Self.date("2026-12-03T10:01:30Z"))
        #expect(CronExpression("61 * * * *") == nil)
        #expect(CronExpression("* * *") == nil)
    }

    static func rule(_ name: String, _ schedule: String, suspend: Bool = false, limit: Int32? = nil) -> CronFederatedHPARule {
        CronFederatedHPARule(name: name, schedule: schedule, targetReplicas: 5, targetMinReplicas: nil,
                             targetMaxReplicas: nil, suspend: suspend, timeZone: nil, successfulHistoryLimit: limit,
                             failedHistoryLimit: nil)
    }

    @Test func rulesFireAtTheirTimeAndKeepBoundedHistories() {
        let start = Self.date("2026-12-03T10:07:30Z")
        let rules = [Self.rule("quarter", "*/15 * * * *", limit: 2), Self.rule("off", "* * * * *", suspend: true)]
        var (histories, due) = CronRuleHistory.advance(rules, histories: [:], now: start, zone: .gmt)
        #expect(due.isEmpty)
        #expect(histories["quarter"]?.nextExecutionTime == Self.date("2026-12-03T10:15:00Z"))
        #expect(histories["off"]?.nextExecutionTime == nil)
        for minute in [14, 15, 30, 45] {
            let now = Self.date("2026-12-03T10:\(minute):00Z")
            (histories, due) = CronRuleHistory.advance(rules, histories: histories, now: now, zone: .gmt)
            #expect(due.map(\.rule.name) == (minute == 14 ? [] : ["quarter"]))
            for (rule, scheduled) in due {
                histories[rule.name]?.record(CronExecution(scheduleTime: scheduled, executionTime: now,
                                                           appliedReplicas: 5), rule: rule)
            }
        }
        #expect(histories["quarter"]?.successfulExecutions.map(\.scheduleTime)
                == [Self.date("2026-12-03T10:45:00Z"), Self.date("2026-12-03T10:30:00Z")])
        // Renaming a rule starts afresh; a removed rule's history goes.
        (histories, due) = CronRuleHistory.advance([Self.rule("renamed", "*/15 * * * *")], histories: histories,
                                                   now: Self.date("2026-12-03T10:46:00Z"), zone: .gmt)
        #expect(histories.keys.sorted() == ["renamed"])
        #expect(histories["renamed"]?.successfulExecutions.isEmpty == true)
    }
}
