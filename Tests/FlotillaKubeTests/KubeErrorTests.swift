import Foundation
import Testing
@testable import FlotillaKube

/// Status bodies as the real API server writes them (KUBE-API.md section 4).
@Suite struct KubeErrorTests {
    @Test func notFoundAndAlreadyExists() {
        let notFound = KubeError.decode(code: 404, body: Data("""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \\"nginx\\" not found","reason":"NotFound","details":{"name":"nginx","group":"apps","kind":"deployments"},"code":404}
            """.utf8), retryAfterHeader: nil)
        #expect(notFound == .notFound(message: "deployments.apps \"nginx\" not found"))
        #expect(!notFound.isRetryable)
        let exists = KubeError.decode(code: 409, body: Data("""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"cfg\\" already exists","reason":"AlreadyExists","details":{"name":"cfg","kind":"configmaps"},"code":409}
            """.utf8), retryAfterHeader: nil)
        #expect(exists == .alreadyExists(message: "configmaps \"cfg\" already exists"))
    }

    @Test func serverSideApplyConflictKeepsTheCauses() {
        let error = KubeError.decode(code: 409, body: Data("""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Apply failed with 1 conflict: conflict with \\"kubectl-client-side-apply\\" using apps/v1: .spec.replicas","reason":"Conflict","details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \\"kubectl-client-side-apply\\" using apps/v1","field":".spec.replicas"}]},"code":409}
            """.utf8), retryAfterHeader: nil)
        guard case .conflict(_, let causes) = error else {
            Issue.record("expected a conflict, got \(error)")
            return
        }
        #expect(causes == [StatusCause(reason: "FieldManagerConflict",
                                       message: "conflict with \"kubectl-client-side-apply\" using apps/v1",
                                       field: ".spec.replicas")])
    }

    @Test func invalidGoneAndThrottling() {
        let invalid = KubeError.decode(code: 422, body: Data("""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Deployment.apps \\"web\\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0","reason":"Invalid","details":{"name":"web","group":"apps","kind":"Deployment","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"}]},"code":422}
            """.utf8), retryAfterHeader: nil)
        #expect(invalid.shortDescription == "invalid")
        let gone = KubeError.decode(code: 410, body: Data("""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.","reason":"Expired","code":410}
            """.utf8), retryAfterHeader: nil)
        #expect(gone.shortDescription == "gone")
        // Priority and Fairness answers 429 in plain text with a Retry-After header.
        let throttled = KubeError.decode(code: 429, body: Data("Too many requests, please try again later.\n".utf8),
                                         retryAfterHeader: "3")
        #expect(throttled == .tooManyRequests(message: "Too many requests, please try again later.", retryAfter: 3))
        #expect(throttled.isRetryable)
        #expect(throttled.retryAfter == 3)
        let eviction = KubeError.decode(code: 429, body: Data("""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Cannot evict","reason":"TooManyRequests","details":{"retryAfterSeconds":1},"code":429}
            """.utf8), retryAfterHeader: nil)
        #expect(eviction.retryAfter == 1)
        let server = KubeError.decode(code: 503, body: Data("<html>bad gateway</html>".utf8), retryAfterHeader: nil)
        #expect(server == .server(code: 503, message: "<html>bad gateway</html>", retryAfter: nil))
        #expect(server.isRetryable)
    }
}
