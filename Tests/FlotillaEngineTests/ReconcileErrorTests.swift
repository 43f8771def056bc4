@testable import FlotillaEngine
import FlotillaKube
import Testing

/// Whether a failure is retried on the normal backoff is decided from its typed cause, not from its text.
struct ReconcileErrorTests {
    static let key = ObjectKey(apiVersion: "apps/v1", kind: "Deployment", namespace: "web", name: "web")

    @Test(arguments: [
        (ReconcileError.Cause.apply(.server(code: 503, message: "busy", retryAfter: nil)), true, "ApplyFailed"),
        (.apply(.tooManyRequests(message: "slow down", retryAfter: 2)), true, "ApplyFailed"),
        (.apply(.transport(cluster: "a", reason: "timeout")), true, "ApplyFailed"),
        (.apply(.conflict(message: "stale", causes: [])), true, "ApplyFailed"),
        (.apply(.invalid(message: "spec.replicas: must be >= 0", causes: [])), false, "ApplyFailed"),
        (.apply(.forbidden(message: "no")), false, "ApplyFailed"),
        (.skipped(.collision), false, "Collision"),
        (.skipped(.released), false, "Released"),
        (.skipped(.kindUnavailable("not served")), false, "KindUnavailable"),
        (.render("override failed"), false, "RenderFailed"),
        (.inventory(reading: true, .forbidden(message: "no")), true, "Inventory"),
        (.namespace("web", .forbidden(message: "quota")), true, "Namespace"),
        (.notReady("unreachable"), true, "NotReady"),
        (.noConnection("no kubeconfig context"), false, "NoConnection"),
        (.pruneIncomplete(count: 2), true, "PruneIncomplete"),
    ])
    func retryabilityAndCodeComeFromTheCause(cause: ReconcileError.Cause, retryable: Bool, code: String) {
        let error = ReconcileError(cluster: "a", object: Self.key, cause: cause)
        #expect(error.isRetryable == retryable)
        #expect(error.code == code)
        #expect(!error.description.isEmpty)
    }

    @Test func theDescriptionSaysWhatFailed() {
        let error = ReconcileError(cluster: "a", object: Self.key,
                                   cause: .apply(.invalid(message: "spec.replicas: Invalid value", causes: [])))
        #expect(error.description.hasPrefix("apply failed: "))
        #expect(error.description.contains("spec.replicas"))
        #expect(ReconcileError(cluster: "a", cause: .inventory(reading: false, .forbidden(message: "denied")))
            .description.hasPrefix("cannot write the inventory"))
    }
}

/// The webhook's rate limit: a burst, then a steady rate.
struct TokenBucketTests {
    @Test func aBurstThenOneASecond() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(capacity: 5, perSecond: 1)
        bucket.updated = start
        for _ in 0..<5 { #expect(bucket.take(now: start) == nil) }
        let wait = bucket.take(now: start)
        #expect(wait != nil && abs(wait! - 1) < 0.01)
        #expect(bucket.take(now: start + .milliseconds(1_100)) == nil)
        #expect(bucket.take(now: start + .milliseconds(1_200)) != nil)
    }
}
