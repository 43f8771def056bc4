import FlotillaModel

extension LabelSelector {
    /// Whether `labels` satisfy the selector (matchLabels AND matchExpressions), as `metav1.LabelSelectorAsSelector`
    /// would have them: an empty selector matches everything, and an invalid one (a bad key or value, an operator
    /// without the values it needs) matches nothing.
    public func matches(_ labels: [String: String]) -> Bool {
        guard isValid else { return false }
        for (key, value) in matchLabels ?? [:] where labels[key] != value {
            return false
        }
        for requirement in matchExpressions ?? [] where !requirement.matches(labels) {
            return false
        }
        return true
    }

    /// Whether Kubernetes would accept the selector.
    public var isValid: Bool {
        for (key, value) in matchLabels ?? [:] {
            guard LabelSyntax.isQualifiedName(key), LabelSyntax.isValue(value) else { return false }
        }
        for requirement in matchExpressions ?? [] {
            guard LabelSyntax.isQualifiedName(requirement.key) else { return false }
            let values = requirement.values ?? []
            switch requirement.operator {
            case .in, .notIn:
                guard !values.isEmpty, values.allSatisfy(LabelSyntax.isValue) else { return false }
            case .exists, .doesNotExist:
                guard values.isEmpty else { return false }
            case .gt, .lt:
                return false
            }
        }
        return true
    }
}

extension LabelSelectorRequirement {
    /// Node-selector style matching of one requirement.
    func matches(_ labels: [String: String]) -> Bool {
        let values = values ?? []
        switch `operator` {
        case .in: return labels[key].map(values.contains) ?? false
        case .notIn: return labels[key].map { !values.contains($0) } ?? true
        case .exists: return labels[key] != nil
        case .doesNotExist: return labels[key] == nil
        case .gt, .lt:
            guard let actual = labels[key].flatMap({ Int64($0) }), values.count == 1, let bound = Int64(values[0])
            else { return false }
            return `operator` == .gt ? actual > bound : actual < bound
        }
    }
}

/// Kubernetes' syntax for label keys and values.
enum LabelSyntax {
    /// `[prefix/]name`: the prefix a DNS subdomain, the name at most 63 characters of `[-_.A-Za-z0-9]` that
    /// start and end alphanumeric.
    static func isQualifiedName(_ key: String) -> Bool {
        guard let slash = key.utf8.firstIndex(of: 47) else { return isName(Substring(key)) }
        let prefix = key.utf8[..<slash]
        let name = Substring(key.utf8[key.utf8.index(after: slash)...])
        guard !name.utf8.contains(47), !prefix.isEmpty, prefix.count <= 253 else { return false }
        // A DNS-1123 subdomain: dot-separated labels of [a-z0-9-] that start and end alphanumeric.
        var previous: UInt8 = 46
        for byte in prefix {
            let alnum = (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57)
            if byte == 46 {
                if previous == 46 || previous == 45 { return false }
            } else if byte == 45 {
                if previous == 46 { return false }
            } else if !alnum {
                return false
            }
            previous = byte
        }
        return previous != 46 && previous != 45 && isName(name)
    }

    /// A label value: empty, or a name.
    static func isValue(_ value: String) -> Bool {
        value.isEmpty || isName(Substring(value))
    }

    private static func isName(_ name: Substring) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 63, let first = name.utf8.first, let last = name.utf8.last else {
            return false
        }
        func alnum(_ byte: UInt8) -> Bool {
            (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57)
        }
        return alnum(first) && alnum(last) && name.utf8.allSatisfy { alnum($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }
}
