import Foundation

/// What one FederatedHPA remembers between sync periods, as the HPA controller keeps it per autoscaler: the
/// unstabilised recommendations of the longer stabilisation window, and the scale events of the longest policy
/// period in each direction. A value: the engine keeps it, the decision returns the next one.
public struct AutoscalerHistory: Sendable, Hashable {
    public struct Recommendation: Sendable, Hashable {
        public var replicas: Int32
        public var at: Date
    }

    public struct ScaleEvent: Sendable, Hashable {
        /// Replicas added (scale-up events) or removed (scale-down events).
        public var change: Int32
        public var at: Date
        public var up: Bool
    }

    public var recommendations: [Recommendation] = []
    public var events: [ScaleEvent] = []
    /// When the target was last scaled by this autoscaler.
    public var lastScaleTime: Date?

    public init() {}

    /// Replicas added (or removed) by events within the last `seconds`.
    func change(up: Bool, within seconds: Int32, now: Date) -> Int32 {
        let cutoff = now.addingTimeInterval(-Double(seconds))
        return events.filter { $0.up == up && $0.at > cutoff }.map(\.change).reduce(0, +)
    }

    /// Records a scale from `previous` to `replicas`, forgetting events older than `keep` seconds.
    mutating func recordScale(from previous: Int32, to replicas: Int32, keepUp: Int32, keepDown: Int32, now: Date) {
        guard previous != replicas else { return }
        events.removeAll { event in now.timeIntervalSince(event.at) > Double(event.up ? keepUp : keepDown) }
        events.append(ScaleEvent(change: abs(replicas - previous), at: now, up: replicas > previous))
        lastScaleTime = now
    }
}
