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
            if !same(desired, live), !sameQuantity(desired, live, path: path) {
                result.append(FieldDrift(path: path.isEmpty ? "(object)" : path, desired: desired, live: live))
            }
        }
    }

    /// Whether two values of a quantity field (resource requests and limits, quota, capacity) are the same quantity
    /// as written differently: the API server stores `1000m` as `1`, `cpu: 1` as `"1"`, `0.5` as `500m`.
    static func sameQuantity(_ desired: JSONValue, _ live: JSONValue?, path: String) -> Bool {
        guard let live, isQuantityPath(path) else { return false }
        func text(_ value: JSONValue) -> String? {
            switch value {
            case .string(let text): return text
            case .int(let number): return String(number)
            case .double(let number): return String(number)
            default: return nil
            }
        }
        guard let left = text(desired).flatMap({ Quantity($0).decimalValue }),
              let right = text(live).flatMap({ Quantity($0).decimalValue }) else { return false }
        return left == right
    }

    /// Paths whose values are quantities: `…resources.requests.cpu`, `…resources.limits.memory`, a ResourceQuota's
    /// `spec.hard.*`, a PVC's `…resources.requests.storage`, a LimitRange's `default`/`min`/`max` values.
    static func isQuantityPath(_ path: String) -> Bool {
        let parts = path.split(separator: ".")
        guard parts.count >= 2 else { return false }
        let parent = parts[parts.count - 2]
        return ["requests", "limits", "hard", "capacity", "default", "defaultRequest", "min", "max",
                "maxLimitRequestRatio", "overhead"].contains(String(parent))
    }

    private static func same(_ left: JSONValue, _ right: JSONValue?) -> Bool {
        guard let right else { return false }
        switch (left, right) {
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
        default: return left == right
        }
    }
}
