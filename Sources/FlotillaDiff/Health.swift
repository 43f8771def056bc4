import FlotillaModel

/// Whether a cluster holds what the source asks for (Argo CD's sync vocabulary).
public enum SyncStatus: String, Sendable, Codable, CaseIterable {
    case synced = "Synced"
    case outOfSync = "OutOfSync"
    case failed = "Failed"
}

/// How a live object is doing (Argo CD's health vocabulary). Declared from best to worst, so `max` aggregates:
/// Healthy < Suspended < Progressing < Missing < Degraded < Unknown.
public enum HealthStatus: String, Sendable, Codable, CaseIterable, Comparable {
    case healthy = "Healthy"
    case suspended = "Suspended"
    case progressing = "Progressing"
    case missing = "Missing"
    case degraded = "Degraded"
    case unknown = "Unknown"

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: HealthStatus, rhs: HealthStatus) -> Bool { lhs.rank < rhs.rank }

    /// The worst of several (Healthy for none).
    public static func aggregate<S: Sequence>(_ statuses: S) -> HealthStatus where S.Element == HealthStatus {
        statuses.max() ?? .healthy
    }
}

/// The health of one live object, and its replicas where it has some.
public struct HealthAssessment: Sendable, Hashable {
    public var status: HealthStatus
    public var message: String?
    public var desiredReplicas: Int64?
    public var readyReplicas: Int64?

    public init(status: HealthStatus, message: String? = nil, desiredReplicas: Int64? = nil, readyReplicas: Int64? = nil) {
        self.status = status
        self.message = message
        self.desiredReplicas = desiredReplicas
        self.readyReplicas = readyReplicas
    }
}

/// Health checks for the built-in kinds, as Argo CD makes them.
public enum HealthCheck {
    /// The health of `live` (nil: the object is not there).
    public static func assess(_ live: JSONValue?) -> HealthAssessment {
        guard let live else { return HealthAssessment(status: .missing, message: "not found in the cluster") }
        let kind = live["kind"]?.stringValue ?? ""
        let group = ResourceIdentity.group(ofAPIVersion: live["apiVersion"]?.stringValue ?? "")
        switch (group, kind) {
        case ("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "ReplicaSet"):
            return workload(live, kind: kind)
        case ("", "PersistentVolumeClaim"):
            switch live.value(at: ["status", "phase"])?.stringValue {
            case "Bound": return HealthAssessment(status: .healthy)
            case "Lost": return HealthAssessment(status: .degraded, message: "the claim lost its volume")
            default: return HealthAssessment(status: .progressing, message: "waiting for a volume")
            }
        case ("", "Service"):
            if live.value(at: ["spec", "type"])?.stringValue == "LoadBalancer",
               (live.value(at: ["status", "loadBalancer", "ingress"])?.arrayValue ?? []).isEmpty {
                return HealthAssessment(status: .progressing, message: "waiting for a load balancer")
            }
            return HealthAssessment(status: .healthy)
        case ("", "Namespace"):
            return live.value(at: ["status", "phase"])?.stringValue == "Terminating"
                ? HealthAssessment(status: .progressing, message: "terminating") : HealthAssessment(status: .healthy)
        case ("batch", "Job"):
            if live.value(at: ["spec", "suspend"])?.boolValue == true { return HealthAssessment(status: .suspended) }
            if condition(live, "Failed") == "True" { return HealthAssessment(status: .degraded, message: "the job failed") }
            return condition(live, "Complete") == "True" ? HealthAssessment(status: .healthy)
                : HealthAssessment(status: .progressing)
        case ("batch", "CronJob"):
            return live.value(at: ["spec", "suspend"])?.boolValue == true ? HealthAssessment(status: .suspended)
                : HealthAssessment(status: .healthy)
        case ("apps", "DaemonSet"):
            return daemonSet(live)
        case ("networking.k8s.io", "Ingress"), ("extensions", "Ingress"):
            // Karmada's interpreter: an Ingress needs a load-balancer entry with an ip or hostname.
            let entries = live.value(at: ["status", "loadBalancer", "ingress"])?.arrayValue ?? []
            return entries.contains { $0["ip"] != nil || $0["hostname"] != nil } ? HealthAssessment(status: .healthy)
                : HealthAssessment(status: .progressing, message: "waiting for a load balancer")
        case ("", "Pod"):
            let phase = live.value(at: ["status", "phase"])?.stringValue
            if phase == "Succeeded" || (phase == "Running" && condition(live, "Ready") == "True") {
                return HealthAssessment(status: .healthy)
            }
            return phase == "Failed" ? HealthAssessment(status: .degraded, message: "the pod failed")
                : HealthAssessment(status: .progressing, message: phase.map { "phase \($0)" })
        case ("policy", "PodDisruptionBudget"):
            let current = live.value(at: ["status", "currentHealthy"])?.intValue ?? 0
            let desired = live.value(at: ["status", "desiredHealthy"])?.intValue ?? 0
            return current >= desired ? HealthAssessment(status: .healthy)
                : HealthAssessment(status: .degraded, message: "\(current) of \(desired) pods healthy")
        default:
            return HealthAssessment(status: .healthy)
        }
    }

    private static func workload(_ live: JSONValue, kind: String) -> HealthAssessment {
        let desired = live.value(at: ["spec", "replicas"])?.intValue ?? 1
        let status = live["status"]
        let ready = status?["readyReplicas"]?.intValue ?? 0
        let updated = status?["updatedReplicas"]?.intValue ?? (kind == "Deployment" ? 0 : ready)
        let available = status?["availableReplicas"]?.intValue ?? (kind == "Deployment" ? 0 : ready)
        let generation = live.value(at: ["metadata", "generation"])?.intValue ?? 0
        let observed = status?["observedGeneration"]?.intValue ?? -1
        var assessment = HealthAssessment(status: .progressing, desiredReplicas: desired, readyReplicas: ready)
        if kind == "Deployment", live.value(at: ["spec", "paused"])?.boolValue == true {
            assessment.status = .suspended
            assessment.message = "paused"
            return assessment
        }
        if kind == "Deployment", conditionReason(live, "Progressing") == "ProgressDeadlineExceeded" {
            assessment.status = .degraded
            assessment.message = "progress deadline exceeded"
            return assessment
        }
        if observed < generation {
            assessment.message = "waiting for the controller to observe generation \(generation)"
        } else if updated < desired || ready < desired || available < desired {
            assessment.message = "\(ready)/\(desired) replicas ready"
        } else {
            assessment.status = .healthy
        }
        return assessment
    }

    /// Karmada's DaemonSet health: the generation observed, every scheduled pod updated and available.
    private static func daemonSet(_ live: JSONValue) -> HealthAssessment {
        let status = live["status"]
        let generation = live.value(at: ["metadata", "generation"])?.intValue ?? 0
        let observed = status?["observedGeneration"]?.intValue ?? -1
        let desired = status?["desiredNumberScheduled"]?.intValue ?? 0
        let updated = status?["updatedNumberScheduled"]?.intValue ?? 0
        let available = status?["numberAvailable"]?.intValue ?? 0
        if observed < generation {
            return HealthAssessment(status: .progressing,
                                    message: "waiting for the controller to observe generation \(generation)")
        }
        if updated < desired || available < updated {
            return HealthAssessment(status: .progressing, message: "\(available)/\(desired) pods available",
                                    desiredReplicas: desired, readyReplicas: available)
        }
        return HealthAssessment(status: .healthy, desiredReplicas: desired, readyReplicas: available)
    }

    private static func condition(_ live: JSONValue, _ type: String) -> String? {
        live.value(at: ["status", "conditions"])?.arrayValue?
            .first { $0["type"]?.stringValue == type }?["status"]?.stringValue
    }

    private static func conditionReason(_ live: JSONValue, _ type: String) -> String? {
        live.value(at: ["status", "conditions"])?.arrayValue?
            .first { $0["type"]?.stringValue == type }?["reason"]?.stringValue
    }
}
