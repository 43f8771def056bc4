/// One pod of a scaled workload as the autoscaler sees it: its phase and readiness, its usage of the metric's
/// resource (from `metrics.k8s.io`; nil when the pod has no metrics) and what it requests of that resource. Values
/// are in milli-units (`Quantity.milliValue`), as the Kubernetes HPA's metrics client reads them, for CPU and memory
/// alike.
public struct PodUsage: Sendable, Hashable {
    /// Where the pod runs, as the HPA's grouping needs it.
    public enum Phase: String, Sendable, Hashable {
        case running = "Running"
        case pending = "Pending"
        case failed = "Failed"
        /// Being deleted (a deletion timestamp): ignored.
        case terminating = "Terminating"
    }

    /// Unique over the fleet (`<cluster>/<pod>`).
    public var name: String
    public var phase: Phase
    public var ready: Bool
    public var usage: Int64?
    /// Nil when a container of the pod requests none of the resource (Utilization then cannot be computed).
    public var request: Int64?

    public init(name: String, phase: Phase = .running, ready: Bool = true, usage: Int64?, request: Int64?) {
        self.name = name
        self.phase = phase
        self.ready = ready
        self.usage = usage
        self.request = request
    }
}
