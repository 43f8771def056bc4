import Foundation

extension KarmadaValidation {
    /// Karmada's rules for a CronFederatedHPA (its webhook and the CRD's bounds): a target named in full; rules with
    /// unique names of at most 32 characters, a schedule the standard cron parser accepts (no `TZ=` in it: the
    /// rule's `timeZone` says that), a known time zone, history limits in range; a FederatedHPA target changed
    /// through `targetMinReplicas`/`targetMaxReplicas` (min not above max), a workload through `targetReplicas`.
    func validate(cronFederatedHPA spec: CronFederatedHPASpec) -> [ManifestError] {
        var errors: [ManifestError] = []
        let target = spec.scaleTargetRef
        if (target.apiVersion ?? "").isEmpty {
            errors.append(invalid("spec.scaleTargetRef.apiVersion", "must not be empty"))
        }
        if target.kind.isEmpty { errors.append(invalid("spec.scaleTargetRef.kind", "must not be empty")) }
        if target.name.isEmpty { errors.append(invalid("spec.scaleTargetRef.name", "must not be empty")) }
        let scalesFederatedHPA = target.kind == "FederatedHPA"
            && (target.apiVersion ?? "").hasPrefix("autoscaling.karmada.io/")
        if spec.rules.isEmpty { errors.append(invalid("spec.rules", "must hold at least one rule")) }
        var names: Set<String> = []
        for (index, rule) in spec.rules.enumerated() {
            let path = "spec.rules[\(index)]"
            if rule.name.isEmpty || rule.name.count > 32 {
                errors.append(invalid("\(path).name", "must be 1 to 32 characters"))
            } else if !names.insert(rule.name).inserted {
                errors.append(invalid("\(path).name", "duplicate rule name \"\(rule.name)\""))
            }
            if let problem = CronSchedule.problem(rule.schedule) {
                errors.append(invalid("\(path).schedule", "invalid cron schedule \"\(rule.schedule)\": \(problem)"))
            }
            if let zone = rule.timeZone, TimeZone(identifier: zone) == nil {
                errors.append(invalid("\(path).timeZone", "unknown time zone \"\(zone)\""))
            }
            if let limit = rule.successfulHistoryLimit, !(1...32).contains(limit) {
                errors.append(invalid("\(path).successfulHistoryLimit", "must be between 1 and 32"))
            }
            if let limit = rule.failedHistoryLimit, !(0...32).contains(limit) {
                errors.append(invalid("\(path).failedHistoryLimit", "must be between 0 and 32"))
            }
            if scalesFederatedHPA {
                if rule.targetMinReplicas == nil && rule.targetMaxReplicas == nil {
                    errors.append(invalid(path, "a FederatedHPA target needs targetMinReplicas or targetMaxReplicas"))
                }
                if let low = rule.targetMinReplicas, low < 1 {
                    errors.append(invalid("\(path).targetMinReplicas", "must be greater than or equal to 1"))
                }
                if let low = rule.targetMinReplicas, let high = rule.targetMaxReplicas, low > high {
                    errors.append(invalid("\(path).targetMaxReplicas", "must be greater than or equal to targetMinReplicas"))
                }
            } else if let replicas = rule.targetReplicas {
                if replicas < 0 { errors.append(invalid("\(path).targetReplicas", "must be greater than or equal to 0")) }
            } else {
                errors.append(invalid("\(path).targetReplicas", "a workload target needs targetReplicas"))
            }
        }
        return errors
    }
}

/// The standard cron syntax (robfig/cron's `ParseStandard`, which Karmada uses): five fields — minute, hour, day of
/// month, month, day of week — each `*`, `?` (days only), a value, a range `a-b`, with an optional step `/n`, or a
/// list of those; month and weekday names (`JAN`, `MON`); or a descriptor (`@hourly`, `@every 5m`, ...).
enum CronSchedule {
    /// Why `text` is not a schedule, or nil.
    static func problem(_ text: String) -> String? {
        let schedule = text.trimmingCharacters(in: .whitespaces)
        if schedule.hasPrefix("TZ=") || schedule.hasPrefix("CRON_TZ=") {
            return "a time zone in the schedule is not allowed; use timeZone"
        }
        if schedule.hasPrefix("@") {
            let descriptors = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]
            if descriptors.contains(schedule) { return nil }
            if schedule.hasPrefix("@every "), duration(String(schedule.dropFirst(7))) { return nil }
            return "unrecognized descriptor"
        }
        let fields = schedule.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5 else { return "expected exactly 5 fields, found \(fields.count)" }
        let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        let days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        let bounds: [(ClosedRange<Int>, [String], Bool, String)] = [
            (0...59, [], false, "minute"), (0...23, [], false, "hour"), (1...31, [], true, "day of month"),
            (1...12, months, false, "month"), (0...6, days, true, "day of week"),
        ]
        for (field, bound) in zip(fields, bounds) {
            if let problem = fieldProblem(field, range: bound.0, names: bound.1, question: bound.2) {
                return "\(bound.3): \(problem)"
            }
        }
        return nil
    }

    private static func fieldProblem(_ field: String, range: ClosedRange<Int>, names: [String], question: Bool) -> String? {
        func value(_ text: String) -> Int? {
            if let number = Int(text) { return number }
            if let index = names.firstIndex(of: text.uppercased()) { return range.lowerBound + index }
            return nil
        }
        for part in field.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard !part.isEmpty else { return "empty list entry in \"\(field)\"" }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2 else { return "too many slashes in \"\(part)\"" }
            if pieces.count == 2, (Int(pieces[1]) ?? 0) < 1 { return "bad step in \"\(part)\"" }
            let base = pieces[0]
            if base == "*" || (question && base == "?") { continue }
            let ends = base.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard ends.count <= 2, let low = value(ends[0]), let high = ends.count == 2 ? value(ends[1]) : low else {
                return "\"\(part)\" is not a value or range"
            }
            guard range.contains(low), range.contains(high) else {
                return "\"\(part)\" is beyond \(range.lowerBound)-\(range.upperBound)"
            }
            if low > high { return "\"\(part)\": beginning of range after end" }
        }
        return nil
    }

    /// A Go duration (`90s`, `1h30m`, `250ms`), as `@every` takes it.
    private static func duration(_ text: String) -> Bool {
        let pattern = #"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"#
        return text.range(of: pattern, options: .regularExpression) != nil
    }
}
