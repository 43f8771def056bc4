import FlotillaModel

/// One field of a desired object that the live object does not hold as desired.
public struct FieldDrift: Sendable, Hashable, Codable {
    /// The field path, as `spec.template.spec.containers[0].image`.
    public var path: String
    /// The value Flotilla applied (nil: the field should not be there).
    public var desired: JSONValue?
    /// The value in the cluster (nil: the field is gone).
    public var live: JSONValue?

    public init(path: String, desired: JSONValue?, live: JSONValue?) {
        self.path = path
        self.desired = desired
        self.live = live
    }
}

/// Compares what Flotilla applied with what a cluster holds. Only the fields Flotilla sets count: a server adds
/// defaults, status and metadata of its own, and those are not drift.
public enum LiveComparison {
    /// The fields of `desired` that `live` does not hold as desired, sorted by path. Objects compare key by key
    /// over the desired keys; lists of equal length element by element (so server defaults inside list items are
    /// not drift); a list of another length is one difference. Numbers compare by value (`1` equals `1.0`).
    /// Paths in `ignoring` (and everything below them) are skipped.
    public static func differences(desired: JSONValue, live: JSONValue, ignoring ignored: Set<String> = []) -> [FieldDrift] {
        var result: [FieldDrift] = []
        collect(desired, live, path: "", ignored: ignored, into: &result)
        return result.sorted { $0.path < $1.path }
    }

    private static func collect(_ desired: JSONValue, _ live: JSONValue?, path: String, ignored: Set<String>,
                                into result: inout [FieldDrift]) {
        if !path.isEmpty, ignored.contains(path) { return }
        switch (desired, live) {
        case (.object(let wanted), .object(let held)?):
            for key in wanted.keys {
                let child = path.isEmpty ? key : "\(path).\(key)"
                if let value = wanted[key] { collect(value, held[key], path: child, ignored: ignored, into: &result) }
            }
        case (.array(let wanted), .array(let held)?) where wanted.count == held.count:
            for index in wanted.indices {
                collect(wanted[index], held[index], path: "\(path)[\(index)]", ignored: ignored, into: &result)
            }
        case (.null, nil):
            return
        default:
            if !same(desired, live) {
                result.append(FieldDrift(path: path.isEmpty ? "(object)" : path, desired: desired, live: live))
            }
        }
    }

    private static func same(_ left: JSONValue, _ right: JSONValue?) -> Bool {
        guard let right else { return false }
        switch (left, right) {
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
        default: return left == right
        }
    }
}
