import Dispatch
import Foundation
import Synchronization

/// Time as the cluster agents see it: the probe interval, the failure threshold before a cluster is NotReady, and
/// the backoff of failed syncs and of failed watches. Injected, so tests of failover and backoff advance it instead
/// of waiting.
public protocol EngineClock: Sendable {
    func now() -> Date
    /// Suspends the calling task for `seconds` of this clock's time (returns early when the task is cancelled).
    func sleep(for seconds: Double) async
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
    public func sleep(for seconds: Double) async { try? await Task.sleep(for: .seconds(max(0, seconds))) }
    public func schedule(after seconds: Double, tag: String, _ work: @escaping @Sendable () -> Void) {
        DispatchQueue.global().asyncAfter(deadline: .now() + max(0, seconds), execute: work)
    }
}

/// A clock that moves only when told (`advance(by:)`): sleepers wake and scheduled work runs as it passes their time.
public final class ManualClock: EngineClock {
    private struct Waiter {
        var deadline: Date
        /// A task suspended in `sleep(for:)`.
        var sleeper: CheckedContinuation<Void, Never>?
        var work: (@Sendable () -> Void)?
        var tag = ""
        var id = 0
    }

    private struct State {
        var now: Date
        var waiters: [Waiter] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    public init(start: Date = Date(timeIntervalSinceReferenceDate: 0)) { state = Mutex(State(now: start)) }

    public func now() -> Date { state.withLock { $0.now } }

    public func sleep(for seconds: Double) async {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let cancelled = state.withLock { state -> Bool in
                    // Cancelled before it slept (the handler ran first and found nothing to wake).
                    if Task.isCancelled { return true }
                    state.waiters.append(Waiter(deadline: state.now.addingTimeInterval(seconds),
                                                sleeper: continuation, id: id))
                    return false
                }
                if cancelled { continuation.resume() }
            }
        } onCancel: {
            let woken = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id && $0.sleeper != nil }) else {
                    return nil
                }
                return state.waiters.remove(at: index).sleeper
            }
            woken?.resume()
        }
    }

    public func schedule(after seconds: Double, tag: String, _ work: @escaping @Sendable () -> Void) {
        state.withLock { $0.waiters.append(Waiter(deadline: $0.now.addingTimeInterval(seconds), work: work, tag: tag)) }
    }

    /// Tasks suspended in `sleep(for:)` now.
    public var sleepers: Int { state.withLock { $0.waiters.filter { $0.sleeper != nil }.count } }

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
        for waiter in due.sorted(by: { $0.deadline < $1.deadline }) {
            waiter.sleeper?.resume()
            waiter.work?()
        }
    }
}
