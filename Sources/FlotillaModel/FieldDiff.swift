import FlotillaModel

/// Field-level differences between two objects, as paths (`spec.replicas`, `spec.template.spec.containers[0].image`).
public enum FieldDiff {
    /// The paths where `before` and `after` differ, sorted. Arrays of equal length are compared element by
    /// element; otherwise the array itself is the difference.
    public static func paths(_ before: JSONValue?, _ after: JSONValue?, ignoring ignored: Set<String> = []) -> [String] {
        var result: [String] = []
        collect(before, after, path: "", ignored: ignored, into: &result)
        return result.sorted()
    }

    private static func collect(_ before: JSONValue?, _ after: JSONValue?, path: String, ignored: Set<String>,
                                into result: inout [String]) {
        if ignored.contains(path) { return }
        switch (before, after) {
        case (.object(let left)?, .object(let right)?):
            for key in Set(left.keys).union(right.keys) {
                let child = path.isEmpty ? key : "\(path).\(key)"
                collect(left[key], right[key], path: child, ignored: ignored, into: &result)
            }
        case (.array(let left)?, .array(let right)?) where left.count == right.count:
            for index in left.indices {
                collect(left[index], right[index], path: "\(path)[\(index)]", ignored: ignored, into: &result)
            }
        default:
            if before != after { result.append(path.isEmpty ? "(object)" : path) }
        }
    }
}
