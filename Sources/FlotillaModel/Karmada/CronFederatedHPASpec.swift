/// The spec of a Karmada `CronFederatedHPA` (`autoscaling.karmada.io/v1alpha1`): scheduled changes of a workload's
/// replicas, or of a FederatedHPA's bounds. Decoded and validated as Karmada's webhook does; it acts with the
/// autoscaler.
public struct CronFederatedHPASpec: Codable, Sendable, Hashable {
    /// A workload with a scale subresource, or a FederatedHPA (`autoscaling.karmada.io`).
    public var scaleTargetRef: CrossVersionObjectReference
    public var rules: [CronFederatedHPARule]
}

/// One scheduled change.
public struct CronFederatedHPARule: Codable, Sendable, Hashable {
    /// Unique within the object, at most 32 characters.
    public var name: String
    /// A cron schedule (five fields, or `@hourly` and the like), in `timeZone`.
    public var schedule: String
    /// The replicas to set on a workload target.
    public var targetReplicas: Int32?
    /// The bounds to set on a FederatedHPA target (nil: unchanged).
    public var targetMinReplicas: Int32?
    public var targetMaxReplicas: Int32?
    public var suspend: Bool?
    /// An IANA time zone (default: the controller's).
    public var timeZone: String?
    /// Default 3, 1 to 32.
    public var successfulHistoryLimit: Int32?
    /// Default 3, 0 to 32.
    public var failedHistoryLimit: Int32?

    public init(name: String, schedule: String, targetReplicas: Int32? = nil, targetMinReplicas: Int32? = nil,
                targetMaxReplicas: Int32? = nil, suspend: Bool? = nil, timeZone: String? = nil,
                successfulHistoryLimit: Int32? = nil, failedHistoryLimit: Int32? = nil) {
        self.name = name
        self.schedule = schedule
        self.targetReplicas = targetReplicas
        self.targetMinReplicas = targetMinReplicas
        self.targetMaxReplicas = targetMaxReplicas
        self.suspend = suspend
        self.timeZone = timeZone
        self.successfulHistoryLimit = successfulHistoryLimit
        self.failedHistoryLimit = failedHistoryLimit
    }
}

/// `autoscaling.karmada.io/v1alpha1` CronFederatedHPA.
public enum CronFederatedHPAKind: KarmadaPolicyKind {
    public typealias Spec = CronFederatedHPASpec
    public static let kind = "CronFederatedHPA"
}

public typealias CronFederatedHPA = KarmadaPolicy<CronFederatedHPAKind>
