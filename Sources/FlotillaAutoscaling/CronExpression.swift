import Foundation

/// A CronFederatedHPA rule's schedule in the standard cron syntax (robfig/cron's `ParseStandard`, which Karmada
/// uses): minute, hour, day of month, month, day of week, each `*`, `?`, a value or name, a range, a step, or a
/// list; or a descriptor (`@hourly`, `@every 90s`). Days match as cron's do: when both day fields are restricted,
/// either may match. Times are read on the wall clock of the rule's time zone. Pure.
public struct CronExpression: Sendable, Hashable {
    var minutes: Set<Int>
    var hours: Set<Int>
    var daysOfMonth: Set<Int>
    var months: Set<Int>
    var daysOfWeek: Set<Int>
    /// A day field written `*` or `?`.
    var daysOfMonthStar: Bool
    var daysOfWeekStar: Bool
    /// `@every`: a constant interval instead of fields.
    var every: TimeInterval?

    /// Parses `text`; nil when it is not a schedule (validation has said why).
    public init?(_ text: String) {
        let schedule = text.trimmingCharacters(in: .whitespaces)
        let descriptors = ["@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                           "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
                           "@hourly": "0 * * * *"]
        if schedule.hasPrefix("@every ") {
            guard let seconds = Self.duration(String(schedule.dropFirst(7))), seconds >= 1 else { return nil }
            (minutes, hours, daysOfMonth, months, daysOfWeek) = ([], [], [], [], [])
            (daysOfMonthStar, daysOfWeekStar, every) = (true, true, seconds.rounded(.down))
            return
        }
        let fields = (descriptors[schedule] ?? schedule).split(separator: " ").map(String.init)
        guard fields.count == 5 else { return nil }
        let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        guard let minutes = Self.field(fields[0], 0...59, []), let hours = Self.field(fields[1], 0...23, []),
              let days = Self.field(fields[2], 1...31, []), let months = Self.field(fields[3], 1...12, monthNames),
              let weekdays = Self.field(fields[4], 0...6, dayNames) else { return nil }
        (self.minutes, self.hours, daysOfMonth, self.months, daysOfWeek) = (minutes, hours, days, months, weekdays)
        daysOfMonthStar = fields[2].hasPrefix("*") || fields[2].hasPrefix("?")
        daysOfWeekStar = fields[4].hasPrefix("*") || fields[4].hasPrefix("?")
        every = nil
    }

    /// The first time after `date` the schedule fires, on the wall clock of `zone`; nil when none within five years.
    public func next(after date: Date, in zone: TimeZone) -> Date? {
        if let every { return Date(timeIntervalSince1970: (date.timeIntervalSince1970 + every).rounded(.down)) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard var time = calendar.date(bySetting: .second, value: 0, of: date) else { return nil }
        if time <= date { time = time.addingTimeInterval(60) }
        let limit = date.addingTimeInterval(5 * 366 * 86400)
        while time < limit {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: time)
            guard let month = parts.month, let day = parts.day, let hour = parts.hour, let minute = parts.minute,
                  let weekday = parts.weekday else { return nil }
            if !months.contains(month) {
                guard let start = calendar.date(from: DateComponents(year: parts.year, month: month, day: 1)),
                      let next = calendar.date(byAdding: .month, value: 1, to: start) else { return nil }
                time = next
                continue
            }
            let dayMatches = daysOfMonthStar || daysOfWeekStar
                ? daysOfMonth.contains(day) && daysOfWeek.contains(weekday - 1)
                : daysOfMonth.contains(day) || daysOfWeek.contains(weekday - 1)
            if !dayMatches {
                guard let next = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: time)) else { return nil }
                time = next
                continue
            }
            if !hours.contains(hour) {
                guard let start = calendar.date(bySettingHour: hour, minute: 0, second: 0, of: time),
                      let next = calendar.date(byAdding: .hour, value: 1, to: start) else { return nil }
                time = next
                continue
            }
            if !minutes.contains(minute) {
                time = time.addingTimeInterval(60)
                continue
            }
            return time
        }
        return nil
    }

    private static func field(_ text: String, _ range: ClosedRange<Int>, _ names: [String]) -> Set<Int>? {
        var result: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2 else { return nil }
            let step = pieces.count == 2 ? Int(pieces[1]) ?? 0 : 1
            guard step >= 1 else { return nil }
            func value(_ text: String) -> Int? {
                if let number = Int(text) { return number }
                return names.firstIndex(of: text.uppercased()).map { range.lowerBound + $0 }
            }
            var low = range.lowerBound
            var high = range.upperBound
            if pieces[0] != "*" && pieces[0] != "?" {
                let ends = pieces[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                guard ends.count <= 2, let first = value(ends[0]) else { return nil }
                low = first
                // `5/15` runs from 5 to the end, as cron reads it.
                high = ends.count == 2 ? value(ends[1]) ?? -1 : (pieces.count == 2 ? range.upperBound : first)
            }
            guard range.contains(low), range.contains(high), low <= high else { return nil }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result
    }

    /// A Go duration (`90s`, `1h30m`) in seconds.
    static func duration(_ text: String) -> TimeInterval? {
        let units: [String: Double] = ["ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600]
        var total = 0.0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !$0.isNumber && $0 != "." }
            guard let scale = units[String(unit)] else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        return total
    }
}
