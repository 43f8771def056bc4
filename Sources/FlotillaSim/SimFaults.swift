import Foundation
import Synchronization

/// Faults injected into one simulated cluster, for tests of failover and resilience.
public struct SimFaults: Sendable, Equatable {
    /// The API port refuses connections.
    public var down = false
    /// Requests are accepted but never answered.
    public var hang = false
    /// Added latency per request, in milliseconds.
    public var latencyMilliseconds = 0
    /// Every n-th request fails with 500 (0: never).
    public var errorEvery = 0
    /// Resources (plural names, `nodes`) every request for which is answered 403 Forbidden, as to a service account
    /// without that grant.
    public var forbidden: Set<String> = []
    /// Watches are answered 200 and then say nothing, ever (no events, no bookmarks, no end): a dead proxy or a
    /// stalled connection. Other requests are served.
    public var silentWatches = false
    /// Every n-th request is answered 429 Too Many Requests with `Retry-After: 1`, as API Priority and Fairness
    /// answers (0: never).
    public var throttleEvery = 0
    /// Connections are accepted and nothing is ever answered again, not even on watches already open (a black-holed
    /// route): only the client's own timeouts end its calls.
    public var blackhole = false
    /// Every watch, open or new, gets an ERROR event (500, as when etcd fails under it) and ends.
    public var watchError = false
    /// Every request is answered 401 Unauthorized (the credentials were revoked or rotated).
    public var unauthorized = false

    public init(down: Bool = false, hang: Bool = false, latencyMilliseconds: Int = 0, errorEvery: Int = 0,
                forbidden: Set<String> = [], silentWatches: Bool = false, throttleEvery: Int = 0,
                blackhole: Bool = false, watchError: Bool = false, unauthorized: Bool = false) {
        self.blackhole = blackhole
        self.watchError = watchError
        self.unauthorized = unauthorized
        self.forbidden = forbidden
        self.throttleEvery = throttleEvery
        self.silentWatches = silentWatches
        self.down = down
        self.hang = hang
        self.latencyMilliseconds = latencyMilliseconds
        self.errorEvery = errorEvery
    }

    /// Parses `down`, `up`, `hang`, `blackhole`, `slow=MS`, `errors=N` (every N-th request fails), `throttle=N`,
    /// `forbid=R1+R2` (requests for these resources answer 403), `silent-watches`, `watch-error`, `auth=401`,
    /// comma-separated.
    public init(parsing text: String) throws {
        self.init()
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            switch (pieces[0], pieces.count > 1 ? Int(pieces[1]) : nil) {
            case ("down", nil): down = true
            case ("up", nil), ("none", nil): self = SimFaults()
            case ("hang", nil): hang = true
            case ("slow", let ms?): latencyMilliseconds = ms
            case ("errors", let every?): errorEvery = every
            case ("silent-watches", nil): silentWatches = true
            case ("throttle", let every?): throttleEvery = every
            case ("blackhole", nil): blackhole = true
            case ("watch-error", nil): watchError = true
            case ("auth", 401): unauthorized = true
            case ("forbid", nil) where pieces.count > 1:
                forbidden.formUnion(pieces[1].split(separator: "+").map(String.init))
            default: throw SimFaultError(text: part)
            }
        }
    }
}

/// A fault description that does not parse.
public struct SimFaultError: Error, CustomStringConvertible {
    public var text: String
    public var description: String { "unknown fault \"\(text)\": use down, up, hang, blackhole, slow=MS, errors=N, throttle=N, silent-watches, watch-error, auth=401 or "
        + "forbid=RESOURCE[+RESOURCE]" }
}

/// The faults of a cluster, changeable while it runs.
public final class SimFaultSwitch: Sendable {
    private let faults: Mutex<SimFaults>
    private let requests = Atomic<Int>(0)

    public init(_ faults: SimFaults = SimFaults()) { self.faults = Mutex(faults) }

    public var current: SimFaults { faults.withLock { $0 } }
    public func set(_ new: SimFaults) { faults.withLock { $0 = new } }

    private let throttled = Atomic<Int>(0)

    /// Whether this request should be answered 429.
    func throttlesNext() -> Bool {
        let every = current.throttleEvery
        guard every > 0 else { return false }
        return throttled.wrappingAdd(1, ordering: .relaxed).newValue % every == 0
    }

    /// Whether this request should fail with a 500.
    func failsNext() -> Bool {
        let every = current.errorEvery
        guard every > 0 else { return false }
        return requests.wrappingAdd(1, ordering: .relaxed).newValue % every == 0
    }
}
