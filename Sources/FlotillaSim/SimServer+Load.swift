import Foundation
import Hummingbird

extension SimServer {
    /// The admin endpoint's `/clusters/<name>/load`: `POST` a body `NAMESPACE/NAME cpu=800m memory=256Mi` (or
    /// `NAMESPACE/NAME none`) to set a workload's per-pod load; `GET` lists the loads set, one per line.
    static func loadAdmin(_ cluster: SimCluster, request: inout Request) async throws -> Response {
        func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
            Response(status: status, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        if request.method == .post {
            let body = String(buffer: try await request.collectBody(upTo: 4096))
            let words = body.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let workload = words.first, workload.split(separator: "/").count == 2 else {
                return text(.badRequest, "expected NAMESPACE/NAME followed by cpu=QUANTITY and/or memory=QUANTITY\n")
            }
            do throws(SimLoadError) {
                cluster.setLoad(try SimLoad(parsing: words.dropFirst().joined(separator: " ")), workload: workload)
            } catch {
                return text(.badRequest, "\(error)\n")
            }
        }
        return text(.ok, cluster.loads.map { "\($0.workload) \($0.load.description)\n" }.joined())
    }
}
