import Dispatch
import Synchronization

/// A serial queue of its own for calls that block (libcurl under `KubeClient`), awaited from a task: the waiting
/// task is suspended, never the cooperative pool's thread. One lane per concern of a cluster (its syncs and heals,
/// its probes), so one slow cluster holds only its own lanes.
final class BlockingLane: Sendable {
    let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    /// Runs `work` on the lane and returns its result; nil when the waiting task is cancelled first (the work still
    /// finishes on the lane, and `drained` waits for it).
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T? {
        let slot = Slot<T>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
                slot.fill(continuation)
                if Task.isCancelled { slot.resume(nil) }
                queue.async { slot.resume(work()) }
            }
        } onCancel: {
            slot.resume(nil)
        }
    }

    /// Waits until what the lane runs now is done, or `timeout` seconds.
    func drained(timeout: Double) async {
        let once = ResumeOnce()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resume: @Sendable () -> Void = { if once.claim() { continuation.resume() } }
            queue.async(execute: resume)
            DispatchQueue.global().asyncAfter(deadline: .now() + max(0, timeout), execute: resume)
        }
    }

    /// A continuation resumed once, by whichever comes first: the result, or the cancellation.
    private final class Slot<T: Sendable>: Sendable {
        private let continuation = Mutex<CheckedContinuation<T?, Never>?>(nil)

        func fill(_ waiting: CheckedContinuation<T?, Never>) { continuation.withLock { $0 = waiting } }

        func resume(_ value: T?) { continuation.withLock { $0.take() }?.resume(returning: value) }
    }
}
