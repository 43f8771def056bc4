import Dispatch
import FlotillaDiff
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging
import Synchronization

/// Counts requests by verb and status code, for `flotilla_apply_requests_total`.
final class CountingTransport: KubeTransport {
    let base: any KubeTransport
    let cluster: String
    let onRequest: @Sendable (String, String, String) -> Void

    init(base: any KubeTransport, cluster: String, onRequest: @escaping @Sendable (String, String, String) -> Void) {
        self.base = base
        self.cluster = cluster
        self.onRequest = onRequest
    }

    func perform(_ request: KubeRequest) throws(KubeError) -> KubeResponse {
        do {
            let response = try base.perform(request)
            onRequest(cluster, request.method, "\(response.status)")
            return response
        } catch {
            onRequest(cluster, request.method, "error")
            throw error
        }
    }
}
