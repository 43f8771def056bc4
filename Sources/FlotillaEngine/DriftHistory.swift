import Foundation

/// Every drift — healed or not — as a bounded, rolling history on the status branch: one page a month
/// (`drift/2026-12.md`, newest first) for people, and its entries as JSON lines (`drift/2026-12.jsonl`) from which a
/// restarted daemon carries on. At most `perMonth` entries a month (the oldest of a month go first) and the last
/// `months` months are kept. Secret values arrive redacted (`DesiredWork.differences`). A value the engine owns;
/// rendering is a function of the entries alone.
struct DriftHistory: Sendable, Equatable {
    /// One drift: where, what, who, and when it was healed.
    struct Entry: Sendable, Hashable, Codable {
        var cluster: String
        var object: String
        var change: String
        var fields: [Field]
        var manager: String?
        var detectedAt: Date
        var healedAt: Date?

        /// A field that drifted: Flotilla's value and the cluster's, as JSON (`(absent)` when missing).
        struct Field: Sendable, Hashable, Codable {
            var path: String
            var before: String
            var after: String
        }

        /// What identifies the drift across status writes (it is upserted when healed).
        var id: String { "\(cluster)|\(object)|\(Int(detectedAt.timeIntervalSince1970))" }

        init(_ record: DriftRecord) {
            cluster = record.cluster
            object = record.object
            change = record.change
            fields = record.fields.map {
                Field(path: $0.path, before: $0.desired?.canonicalJSON() ?? "(absent)",
                      after: $0.live?.canonicalJSON() ?? "(absent)")
            }
            manager = record.manager
            detectedAt = Date(timeIntervalSince1970: record.detectedAt.timeIntervalSince1970.rounded(.down))
            healedAt = record.healedAt.map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }
        }
    }

    var months = 3
    var perMonth = 1000
    /// Entries by id.
    private(set) var entries: [String: Entry] = [:]
    /// Entries dropped by the monthly bound, by month (`2026-12`).
    private(set) var dropped: [String: Int] = [:]

    /// Adds the drift seen now (open and recently healed); true when something was added or changed.
    mutating func record(_ records: [DriftRecord]) -> Bool {
        var changed = false
        for record in records {
            let entry = Entry(record)
            if let known = entries[entry.id] {
                // Healed stays healed; a record without a heal time does not undo it.
                guard known.healedAt == nil, entry.healedAt != nil || known != entry else { continue }
            }
            entries[entry.id] = entry
            changed = true
        }
        if changed { bound() }
        return changed
    }

    /// Takes back the entries of the JSON-lines files read from the status branch.
    mutating func restore(_ files: [String: Data]) {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for (_, data) in files {
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                guard let entry = try? decoder.decode(Entry.self, from: Data(line.utf8)) else { continue }
                if entries[entry.id]?.healedAt == nil { entries[entry.id] = entry }
            }
        }
        bound()
    }

    static func month(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year ?? 0, parts.month ?? 0)
    }

    /// Keeps the newest `months` months and at most `perMonth` entries in each.
    private mutating func bound() {
        var byMonth: [String: [Entry]] = [:]
        for entry in entries.values { byMonth[Self.month(entry.detectedAt), default: []].append(entry) }
        let kept = Set(byMonth.keys.sorted().suffix(months))
        for (month, list) in byMonth {
            guard kept.contains(month) else {
                for entry in list { entries[entry.id] = nil }
                dropped[month] = nil
                continue
            }
            guard list.count > perMonth else { continue }
            for entry in Self.sorted(list).suffix(list.count - perMonth) { entries[entry.id] = nil }
            dropped[month, default: 0] += list.count - perMonth
        }
    }

    /// Newest first; ties by cluster and object.
    static func sorted(_ list: [Entry]) -> [Entry] {
        list.sorted { ($1.detectedAt, $0.cluster, $0.object) < ($0.detectedAt, $1.cluster, $1.object) }
    }

    /// The files, under `prefix` (`status`): a page and a JSON-lines file for each month kept.
    func files(prefix: String) -> [String: Data] {
        var byMonth: [String: [Entry]] = [:]
        for entry in entries.values { byMonth[Self.month(entry.detectedAt), default: []].append(entry) }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var files: [String: Data] = [:]
        for (month, list) in byMonth {
            let sorted = Self.sorted(list)
            files["\(prefix)/drift/\(month).md"] = Data(page(month, sorted).utf8)
            let lines = sorted.compactMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) }
            files["\(prefix)/drift/\(month).jsonl"] = Data((lines.joined(separator: "\n") + "\n").utf8)
        }
        return files
    }

    private func page(_ month: String, _ entries: [Entry]) -> String {
        let time = ISO8601DateFormatter()
        var text = "# Drift history, \(month)\n\nEvery change made in a member cluster to what Flotilla manages, "
        text += "healed or not, newest first (at most \(perMonth) a month; the last \(months) months are kept). "
        text += "Secret values are redacted.\n\n"
        if let count = dropped[month], count > 0 { text += "\(count) older entries of this month were dropped.\n\n" }
        for entry in entries {
            text += "### \(time.string(from: entry.detectedAt)) \(entry.cluster): \(entry.object)\n\n"
            text += "- change: \(entry.change)\n"
            text += "- by field manager: " + (entry.manager.map { "`\($0)`" } ?? "unknown") + "\n"
            for field in entry.fields { text += "- `\(field.path)`: `\(field.before)` → `\(field.after)`\n" }
            text += "- healed: " + (entry.healedAt.map { time.string(from: $0) } ?? "no (open)") + "\n\n"
        }
        return text
    }
}
