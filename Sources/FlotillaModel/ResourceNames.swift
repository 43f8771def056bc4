/// Kubernetes' name rules (DNS-1123), and which built-in kinds are cluster-scoped.
public enum ResourceNames {
    /// Why `name` is not a DNS-1123 label (at most 63 characters), or nil when it is one.
    public static func dns1123LabelProblem(_ name: String, maxLength: Int = 63) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.utf8.count > maxLength { return "must be no more than \(maxLength) characters" }
        if !isLabelShaped(Substring(name)) {
            return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                + "and must start and end with an alphanumeric character"
        }
        return nil
    }

    /// Why `name` is not a DNS-1123 subdomain (at most 253 characters), or nil when it is one.
    public static func dns1123SubdomainProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.utf8.count > 253 { return "must be no more than 253 characters" }
        if !name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(isLabelShaped) {
            return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                + "and must start and end with an alphanumeric character"
        }
        return nil
    }

    /// Why `key` is not a label key (apimachinery's `IsQualifiedName`: an optional DNS-1123 subdomain prefix and
    /// `/`, then a name of at most 63 alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric), or nil.
    public static func labelKeyProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2 {
            if parts[0].isEmpty { return "prefix part must be non-empty" }
            if let problem = dns1123SubdomainProblem(parts[0]) { return "prefix part \(problem)" }
        }
        let name = parts.last ?? ""
        if name.isEmpty { return "name part must be non-empty" }
        if name.utf8.count > 63 { return "name part must be no more than 63 characters" }
        if !isQualifiedNameShaped(name) {
            return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                + "an alphanumeric character"
        }
        return nil
    }

    /// Why `value` is not a label value (`IsValidLabelValue`: empty, or at most 63 characters shaped as a label
    /// key's name), or nil.
    public static func labelValueProblem(_ value: String) -> String? {
        if value.isEmpty { return nil }
        if value.utf8.count > 63 { return "must be no more than 63 characters" }
        if !isQualifiedNameShaped(value) {
            return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                + "and must start and end with an alphanumeric character"
        }
        return nil
    }

    private static func isQualifiedNameShaped(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func alphanumeric(_ byte: UInt8) -> Bool {
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
        }
        guard let first = bytes.first, let last = bytes.last, alphanumeric(first), alphanumeric(last) else {
            return false
        }
        return bytes.allSatisfy { alphanumeric($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    /// Why `name` cannot be a path segment (RBAC names may hold `:`), or nil when it can.
    public static func pathSegmentProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name == "." || name == ".." { return "may not be '.' or '..'" }
        if name.contains("/") || name.contains("%") { return "may not contain '/' or '%'" }
        return nil
    }

    private static func isLabelShaped(_ label: Substring) -> Bool {
        guard let first = label.utf8.first, let last = label.utf8.last else { return false }
        func alnum(_ byte: UInt8) -> Bool { (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) }
        return alnum(first) && alnum(last) && label.utf8.allSatisfy { alnum($0) || $0 == 45 }
    }

    /// The rule that applies to the name of an object of this group and kind.
    public static func nameProblem(group: String, kind: String, name: String) -> String? {
        switch (group, kind) {
        case ("", "Namespace"), ("", "Service"):
            return dns1123LabelProblem(name)
        case ("cluster.karmada.io", "Cluster"):
            return dns1123LabelProblem(name, maxLength: 48)
        case ("rbac.authorization.k8s.io", _):
            return pathSegmentProblem(name)
        default:
            return dns1123SubdomainProblem(name)
        }
    }

    /// Built-in cluster-scoped kinds, as `group/kind`.
    static let clusterScopedKinds: Set<String> = [
        "/Namespace", "/Node", "/PersistentVolume", "/ComponentStatus",
        "rbac.authorization.k8s.io/ClusterRole", "rbac.authorization.k8s.io/ClusterRoleBinding",
        "apiextensions.k8s.io/CustomResourceDefinition", "apiregistration.k8s.io/APIService",
        "storage.k8s.io/StorageClass", "storage.k8s.io/CSIDriver", "storage.k8s.io/CSINode",
        "storage.k8s.io/VolumeAttachment", "scheduling.k8s.io/PriorityClass", "node.k8s.io/RuntimeClass",
        "networking.k8s.io/IngressClass", "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/MutatingWebhookConfiguration",
        "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
        "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
        "certificates.k8s.io/CertificateSigningRequest", "flowcontrol.apiserver.k8s.io/FlowSchema",
        "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
        "cluster.karmada.io/Cluster", "policy.karmada.io/ClusterPropagationPolicy",
        "policy.karmada.io/ClusterOverridePolicy", "apps.karmada.io/WorkloadRebalancer",
        "policy.karmada.io/ClusterTaintPolicy", "flotilla.dev/RolloutPolicy",
    ]
}
