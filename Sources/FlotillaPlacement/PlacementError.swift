/// Why a template could not be placed.
public enum PlacementError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No cluster passed the filters.
    case noClustersAvailable
    /// A replica scheduling strategy Karmada does not know.
    case unsupportedStrategy
    /// The clusters cannot hold the replicas (Karmada's UnschedulableError).
    case unschedulable(String)

    public var description: String {
        switch self {
        case .noClustersAvailable: return "no clusters available to schedule"
        case .unsupportedStrategy: return "unsupported replica scheduling strategy"
        case .unschedulable(let message): return message
        }
    }

    /// Whether a later attempt (with more capacity) can succeed.
    public var isRetryable: Bool {
        if case .unschedulable = self { return true }
        return self == .noClustersAvailable
    }

    /// A short, bounded reason usable as a metric label.
    public var shortDescription: String {
        switch self {
        case .noClustersAvailable: return "no_clusters"
        case .unsupportedStrategy: return "unsupported_strategy"
        case .unschedulable: return "unschedulable"
        }
    }
}
