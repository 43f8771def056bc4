/// Why a template could not be placed.
public enum PlacementError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No cluster passed the filters.
    case noClustersAvailable
    /// No cluster passed the filters, with how many clusters there were and each filter's reason and count: Karmada's
    /// FitError (`0/3 clusters are available: 1 cluster(s) did not have the API resource, ...`).
    case noClusterFits(total: Int, reasons: [String: Int])
    /// A replica scheduling strategy Karmada does not know.
    case unsupportedStrategy
    /// The clusters cannot hold the replicas (Karmada's UnschedulableError).
    case unschedulable(String)

    public var description: String {
        switch self {
        case .noClustersAvailable: return "no clusters available to schedule"
        case .noClusterFits(let total, let reasons):
            let histogram = reasons.map { "\($0.value) \($0.key)" }.sorted().joined(separator: ", ")
            return "0/\(total) clusters are available: \(histogram)."
        case .unsupportedStrategy: return "unsupported replica scheduling strategy"
        case .unschedulable(let message): return message
        }
    }

    /// Whether a later attempt (with more capacity) can succeed.
    public var isRetryable: Bool {
        switch self {
        case .unschedulable, .noClustersAvailable, .noClusterFits: return true
        case .unsupportedStrategy: return false
        }
    }

    /// A short, bounded reason usable as a metric label.
    public var shortDescription: String {
        switch self {
        case .noClustersAvailable, .noClusterFits: return "no_clusters"
        case .unsupportedStrategy: return "unsupported_strategy"
        case .unschedulable: return "unschedulable"
        }
    }
}
