import Foundation
import Synchronization

/// Retries with jittered exponential backoff, for retryable errors only (throttling, server errors, transport
/// failures), honouring the server's Retry-After.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double

    public init(maxAttempts: Int = 5, baseDelay: Double = 0.2, maxDelay: Double = 10) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait before attempt `attempt + 1` after `error`: Retry-After when given, else base · 2^attempt with
    /// full jitter (`random` in [0, 1)), capped.
    public func delay(after error: KubeError, attempt: Int, random: Double) -> Double {
        if let retryAfter = error.retryAfter { return min(retryAfter, maxDelay) }
        let exponential = min(maxDelay, baseDelay * pow(2, Double(attempt)))
        return exponential * random
    }
}

/// A token bucket: at most `qps` requests per second on average, bursts of `burst`.
public final class RateLimiter: Sendable {
    private struct State {
        var tokens: Double
        var last: Double
    }

    private let qps: Double
    private let burst: Double
    private let state: Mutex<State>

    public init(qps: Double, burst: Int, now: Double) {
        self.qps = qps
        self.burst = Double(burst)
        self.state = Mutex(State(tokens: Double(burst), last: now))
    }

    /// Takes a token at time `now`; returns how long to wait before sending (0 when a token was free).
    public func reserve(now: Double) -> Double {
        state.withLock { state in
            state.tokens = min(burst, state.tokens + (now - state.last) * qps)
            state.last = now
            state.tokens -= 1
            return state.tokens >= 0 ? 0 : -state.tokens / qps
        }
    }
}

/// A transport that limits the rate of requests and retries retryable failures with backoff. Time and sleeping
/// come in from outside, so tests run without waiting.
public final class ResilientTransport: KubeTransport {
    private let base: any KubeTransport
    private let retry: RetryPolicy
    private let limiter: RateLimiter
    private let now: @Sendable () -> Double
    private let sleep: @Sendable (Double) -> Void
    private let random: @Sendable () -> Double

    /// `limiter`, when given, is shared with other transports (one limit per cluster); otherwise this transport
    /// gets its own of `qps` and `burst`.
    public init(_ base: any KubeTransport, retry: RetryPolicy = RetryPolicy(), qps: Double = 50, burst: Int = 100,
                limiter: RateLimiter? = nil,
                now: @escaping @Sendable () -> Double = { Date().timeIntervalSinceReferenceDate },
                sleep: @escaping @Sendable (Double) -> Void = { if $0 > 0 { Thread.sleep(forTimeInterval: $0) } },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.base = base
        self.retry = retry
        self.limiter = limiter ?? RateLimiter(qps: qps, burst: burst, now: now())
        self.now = now
        self.sleep = sleep
        self.random = random
    }

    public func perform(_ request: KubeRequest) throws(KubeError) -> KubeResponse {
        var attempt = 0
        while true {
            sleep(limiter.reserve(now: now()))
            let outcome: Result<KubeResponse, KubeError>
            do throws(KubeError) {
                let response = try base.perform(request)
                if response.status == 429 || (500...599).contains(response.status) {
                    outcome = .failure(KubeError.decode(code: response.status, body: response.body,
                                                        retryAfterHeader: response.headers["retry-after"]))
                } else {
                    return response
                }
            } catch {
                outcome = .failure(error)
            }
            guard case .failure(let error) = outcome, error.isRetryable, attempt + 1 < retry.maxAttempts else {
                return try outcome.get()
            }
            sleep(retry.delay(after: error, attempt: attempt, random: random()))
            attempt += 1
        }
    }
}
