import Foundation
import Synchronization

/// What wakes the engine's reconcile loop: the agents' changes, a webhook, the poll timer, a retry. Each source
/// records what happened and yields one wake-up; wake-ups coalesce (a burst of thousands of watch events is one pass
/// of the loop), and none is lost. There is no polling: the loop sleeps until something happened.
final class EngineSignals: Sendable {
    /// What happened since the loop last looked.
    struct Noted: Sendable {
        var any = false
        /// Clusters whose readiness changed.
        var readiness: Set<String> = []
        /// Clusters that changed anything.
        var clusters: Set<String> = []
        /// Someone asked for a fetch (the webhook).
        var woken = false
        /// One of those asks was authenticated (a webhook signed with the configured secret).
        var authenticated = false
        /// The poll timer of this generation fired.
        var pollDue = false
        /// A re-plan that could not be done is due again.
        var retryDue = false
    }

    let wakeups: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let noted = Mutex(Noted())
    /// Bumped by every change: waiters for "something changed" compare against it.
    private let changes = Mutex<(generation: Int, waiters: [UUID: CheckedContinuation<Void, Never>])>((0, [:]))

    init() {
        (wakeups, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Takes what was noted, leaving nothing.
    func take() -> Noted {
        noted.withLock { noted in
            let copy = noted
            noted = Noted()
            return copy
        }
    }

    /// Notes a change of a cluster (any thread).
    func clusterChanged(_ cluster: String, readiness: Bool) {
        noted.withLock { noted in
            noted.any = true
            noted.clusters.insert(cluster)
            if readiness { noted.readiness.insert(cluster) }
        }
        continuation.yield()
        noteChange()
    }

    /// Notes a change of what the status shows that no cluster made (an autoscaler decided, a cron rule ran).
    func noteChange() {
        let waiters = changes.withLock { changes -> [UUID: CheckedContinuation<Void, Never>] in
            changes.generation += 1
            let waiters = changes.waiters
            changes.waiters = [:]
            return waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    func wake(authenticated: Bool = false) {
        noted.withLock { noted in
            noted.woken = true
            if authenticated { noted.authenticated = true }
        }
        continuation.yield()
    }

    func pollDue() {
        noted.withLock { $0.pollDue = true }
        continuation.yield()
    }

    func retryDue() {
        noted.withLock { $0.retryDue = true }
        continuation.yield()
    }

    func finish() { continuation.finish() }

    /// The count of changes so far.
    var generation: Int { changes.withLock { $0.generation } }

    /// Returns once a change after `generation` was noted, or after `timeout` seconds (real time).
    func changed(after generation: Int, timeout: Double) async {
        let id = UUID()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = changes.withLock { changes -> Bool in
                if changes.generation != generation { return true }
                changes.waiters[id] = continuation
                return false
            }
            if resumeNow { return continuation.resume() }
            DispatchQueue.global().asyncAfter(deadline: .now() + max(0, timeout)) { [self] in
                changes.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
            }
        }
    }
}

/// A token bucket: `capacity` at once, refilled at `perSecond` (real time).
struct TokenBucket {
    let capacity: Double
    let perSecond: Double
    var tokens: Double
    var updated = ContinuousClock.now

    init(capacity: Double, perSecond: Double) {
        self.capacity = capacity
        self.perSecond = perSecond
        self.tokens = capacity
    }

    /// Takes a token: nil when one was there, else how many seconds until there is one.
    mutating func take(now: ContinuousClock.Instant = .now) -> Double? {
        let elapsed = now - updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(capacity, tokens + seconds * perSecond)
        updated = now
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return (1 - tokens) / perSecond
    }
}
