import Dispatch
import FlotillaModel
import Foundation
import Synchronization

/// What an informer reports.
public enum InformerEvent: Sendable {
    /// A complete list of the kind (at start and after every relist): the handler replaces what it knew.
    case synced([JSONValue])
    case upserted(JSONValue)
    case deleted(JSONValue)
    /// Listing or watching failed; the informer retries with backoff.
    case failed(KubeError)
}

/// Keeps a kind of one cluster in view as Kubernetes' informers do: list (paged), then watch from the list's
/// resourceVersion with bookmarks, resume after a stream ends, relist after 410 Gone. Runs on a thread of its own,
/// because every call it makes blocks; the handler is called on that thread.
public final class Informer: Sendable {
    public let apiVersion: String
    public let kind: String
    /// Only objects matching this label selector are listed and watched (nil: all). An object that stops matching is
    /// reported deleted, as the API server sends it.
    public let labelSelector: String?
    private let client: KubeClient
    private let handler: @Sendable (InformerEvent) -> Void
    private let stopped = Atomic<Bool>(false)
    private let syncedOnce = Atomic<Bool>(false)
    private let watchSeconds: Int
    /// Signalled to cut a backoff short (`retryNow`), or when it is over.
    private let wakeUp = DispatchSemaphore(value: 0)
    /// Runs the closure after that many seconds: the backoff's timer (the engine's clock, so tests advance it).
    private let schedule: @Sendable (Double, @escaping @Sendable () -> Void) -> Void
    /// Counts backoffs: a timer wakes only the backoff it was set for.
    private let backoffs = Atomic<Int>(0)

    /// `client` must stream (a `KubeClient` over a `CurlTransport` of its own: a watch holds its connection).
    /// `schedule` times the backoff after a failure (by default, the wall clock).
    public init(client: KubeClient, apiVersion: String, kind: String, labelSelector: String? = nil,
                watchSeconds: Int = 240,
                schedule: @escaping @Sendable (Double, @escaping @Sendable () -> Void) -> Void = { seconds, work in
                    DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: work)
                },
                handler: @escaping @Sendable (InformerEvent) -> Void) {
        self.schedule = schedule
        self.client = client
        self.labelSelector = labelSelector
        self.apiVersion = apiVersion
        self.kind = kind
        self.watchSeconds = watchSeconds
        self.handler = handler
    }

    /// True once the first list has been delivered.
    public var hasSynced: Bool { syncedOnce.load(ordering: .acquiring) }

    public func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "informer \(kind)"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops after the current call returns (a watch ends at its next event or timeout).
    public func stop() {
        stopped.store(true, ordering: .releasing)
        wakeUp.signal()
    }

    /// Ends a backoff after a failure at once (a CRD serving the kind has just become Established).
    public func retryNow() { wakeUp.signal() }

    private var isStopped: Bool { stopped.load(ordering: .acquiring) }

    private func loop() {
        var resourceVersion: String?
        var failures = 0
        while !isStopped {
            do throws(KubeError) {
                if resourceVersion == nil {
                    let listed = try client.list(apiVersion: apiVersion, kind: kind, labelSelector: labelSelector)
                    // Items of a list carry no apiVersion and kind: put them back.
                    let items = listed.items.map { item -> JSONValue in
                        var item = item
                        item["apiVersion"] = .string(apiVersion)
                        item["kind"] = .string(kind)
                        return item
                    }
                    handler(.synced(items))
                    syncedOnce.store(true, ordering: .releasing)
                    resourceVersion = listed.resourceVersion
                }
                var expired = false
                var failure: KubeError?
                let last = try client.watch(apiVersion: apiVersion, kind: kind, labelSelector: labelSelector,
                                            resourceVersion: resourceVersion,
                                            timeoutSeconds: watchSeconds) { [self] event in
                    switch event {
                    case .added(let object), .modified(let object): handler(.upserted(object))
                    case .deleted(let object): handler(.deleted(object))
                    case .bookmark: break
                    case .error(let error, let gone):
                        expired = gone
                        if !gone { failure = error }
                        return false
                    }
                    return !isStopped
                }
                // An ERROR event other than 410 (the server failed under the watch) is a failure, as client-go's
                // reflector takes it: backoff, then a relist (never a tight loop of re-watches).
                if let failure { throw failure }
                if expired { resourceVersion = nil } else if let last { resourceVersion = last }
                failures = 0
            } catch {
                if case .gone = error { resourceVersion = nil; continue }
                if isStopped { return }
                handler(.failed(error))
                // As client-go's reflector does: after a failed list or watch (a silent watch that timed out
                // included), the next round lists again, so what happened meanwhile is seen.
                resourceVersion = nil
                failures += 1
                let delay = min(10.0, 0.25 * pow(2.0, Double(min(failures, 6)))) * Double.random(in: 0.8...1.2)
                backOff(delay)
            }
        }
    }

    /// Blocks the informer's thread for `seconds` of the scheduler's time, or until `retryNow` or `stop`.
    private func backOff(_ seconds: Double) {
        // (A `retryNow` that came while listing cuts it short: the kind may just have become served.)
        if isStopped { return }
        let backoff = backoffs.add(1, ordering: .acquiringAndReleasing).newValue
        schedule(seconds) { [self] in
            if backoffs.load(ordering: .acquiring) == backoff { wakeUp.signal() }
        }
        wakeUp.wait()
        backoffs.add(1, ordering: .acquiringAndReleasing)
    }
}
