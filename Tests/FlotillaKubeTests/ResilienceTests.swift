import Foundation
import Synchronization
import Testing
@testable import FlotillaKube

@Suite struct ResilienceTests {
    final class Sleeps: Sendable {
        let values = Mutex<[Double]>([])
        func record(_ seconds: Double) { values.withLock { $0.append(seconds) } }
        var all: [Double] { values.withLock { $0 } }
    }

    @Test func throttlingIsRetriedAfterRetryAfterThenSucceeds() throws {
        let calls = Mutex(0)
        let base = ScriptedTransport { _ in
            let call = calls.withLock { value -> Int in value += 1; return value }
            return call < 3 ? (429, "Too many requests, please try again later.") : (200, "{}")
        }
        let sleeps = Sleeps()
        // Retry-After arrives as a header in real servers; here the body is plain text, so the backoff applies.
        let transport = ResilientTransport(base, retry: RetryPolicy(maxAttempts: 5, baseDelay: 0.5, maxDelay: 8),
                                           qps: 1000, burst: 1000, now: { 0 }, sleep: sleeps.record, random: { 0.5 })
        let response = try transport.perform(KubeRequest(path: "/version"))
        #expect(response.status == 200)
        #expect(calls.withLock { $0 } == 3)
        #expect(sleeps.all.filter { $0 > 0 } == [0.25, 0.5])
    }

    @Test func retryAfterIsHonoured() {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: 1, maxDelay: 30)
        #expect(policy.delay(after: .tooManyRequests(message: "", retryAfter: 7), attempt: 0, random: 0.1) == 7)
        #expect(policy.delay(after: .server(code: 503, message: "", retryAfter: nil), attempt: 3, random: 1) == 8)
        #expect(policy.delay(after: .server(code: 503, message: "", retryAfter: 300), attempt: 0, random: 1) == 30)
    }

    @Test func nonRetryableErrorsAreNotRetried() {
        let calls = Mutex(0)
        let base = ScriptedTransport { _ in
            calls.withLock { $0 += 1 }
            return (404, "{\"kind\":\"Status\",\"message\":\"not found\",\"reason\":\"NotFound\",\"code\":404}")
        }
        let transport = ResilientTransport(base, now: { 0 }, sleep: { _ in }, random: { 0 })
        let response = try? transport.perform(KubeRequest(path: "/x"))
        #expect(response?.status == 404)  // returned to the caller to decode, not retried
        #expect(calls.withLock { $0 } == 1)
    }

    @Test func retriesAreBoundedAndTheLastErrorSurfaces() {
        let base = ScriptedTransport { _ in (503, "unavailable") }
        let transport = ResilientTransport(base, retry: RetryPolicy(maxAttempts: 3), now: { 0 }, sleep: { _ in },
                                           random: { 0 })
        #expect(throws: KubeError.server(code: 503, message: "unavailable", retryAfter: nil)) {
            try transport.perform(KubeRequest(path: "/x"))
        }
        #expect(base.paths.count == 3)
    }

    @Test func transportsSharingALimiterShareItsBudget() throws {
        // One cluster, two connections: together they get the burst, then wait, as one client would.
        let limiter = RateLimiter(qps: 10, burst: 2, now: 0)
        let sleeps = Sleeps()
        let transports = (0..<2).map { _ in
            ResilientTransport(ScriptedTransport { _ in (200, "{}") }, qps: 1000, burst: 1000, limiter: limiter,
                               now: { 0 }, sleep: sleeps.record, random: { 0 })
        }
        for transport in transports + transports { _ = try transport.perform(KubeRequest(path: "/version")) }
        let waits = sleeps.all.map { ($0 * 1000).rounded() / 1000 }
        #expect(waits == [0, 0, 0.1, 0.2], "\(waits)")
    }

    @Test func theRateLimiterSpacesRequestsAfterTheBurst() {
        let limiter = RateLimiter(qps: 10, burst: 2, now: 0)
        #expect(limiter.reserve(now: 0) == 0)
        #expect(limiter.reserve(now: 0) == 0)
        #expect(abs(limiter.reserve(now: 0) - 0.1) < 1e-9)
        #expect(limiter.reserve(now: 10) == 0)  // refilled
    }
}
