import Dispatch
import Foundation
import Synchronization

/// Time as the cluster agents see it: the probe interval, the failure threshold before a cluster is NotReady, and
/// the backoff of failed syncs. Injected, so tests of failover and backoff advance it instead of waiting. Agents
/// run on threads of their own, so `sleep` blocks the calling thread (never the cooperative pool).
public protocol EngineClock: Sendable {
    func now() -> Date
    /// Blocks the calling thread for `seconds` of this clock's time.
    func sleep(_ seconds: Double)
    /// Runs `work` once `seconds` of this clock's time have passed; `tag` names the timer (tests look for it).
    func schedule(after seconds: Double, tag: String, _ work: @escaping @Sendable () -> Void)
}

extension EngineClock {
    /// Runs `work` once `seconds` of this clock's time have passed.
    func schedule(after seconds: Double, _ work: @escaping @Sendable () -> Void) {
        schedule(after: seconds, tag: "", work)
    }
}

/// The real clock.
public struct WallClock: EngineClock {
    public init() {}

    public func now() -> Date { Date() }
    public func sleep(_ seconds: Double) { Thread.sleep(forTimeInterval: max(0, seconds)) }
    public func schedule(after seconds: Double, tag: String, _ work: @escaping @Sendable () -> Void) {
        DispatchQueue.global().asyncAfter(deadline: .now() + max(0, seconds), execute: work)
    }
}

/// A clock that moves only when told (`advance(by:)`): sleepers wake and scheduled work runs as it passes their time.
public final class ManualClock: EngineClock {
    private struct Waiter {
        var deadline: Date
        var semaphore: DispatchSemaphore?
        var work: (@Sendable () -> Void)?
        var tag = ""
    }

    private struct State {
        var now: Date
        var waiters: [Waiter] = []
    }

    private let state: Mutex<State>

    public init(start: Date = Date(timeIntervalSinceReferenceDate: 0)) { state = Mutex(State(now: start)) }

    public func now() -> Date { state.withLock { $0.now } }

    public func sleep(_ seconds: Double) {
        let semaphore = DispatchSemaphore(value: 0)
        state.withLock { $0.waiters.append(Waiter(deadline: $0.now.addingTimeInterval(seconds), semaphore: semaphore)) }
        semaphore.wait()
    }

    public func schedule(after seconds: Double, tag: String, _ work: @escaping @Sendable () -> Void) {
        state.withLock { $0.waiters.append(Waiter(deadline: $0.now.addingTimeInterval(seconds), work: work, tag: tag)) }
    }

    /// Threads blocked in `sleep` now.
    public var sleepers: Int { state.withLock { $0.waiters.filter { $0.semaphore != nil }.count } }

    /// How long until each piece of scheduled work with this tag runs, sorted.
    public func scheduled(_ tag: String) -> [Double] {
        state.withLock { state in
            state.waiters.filter { $0.work != nil && $0.tag == tag }.map { $0.deadline.timeIntervalSince(state.now) }.sorted()
        }
    }

    /// Moves time forward: wakes the sleepers and runs the work whose time has come.
    public func advance(by seconds: Double) {
        let due = state.withLock { state -> [Waiter] in
            state.now = state.now.addingTimeInterval(seconds)
            let now = state.now
            let due = state.waiters.filter { $0.deadline <= now }
            state.waiters.removeAll { $0.deadline <= now }
            return due
        }
        for waiter in due {
            waiter.semaphore?.signal()
            waiter.work?()
        }
    }
}
