import Foundation
import Testing

/// `flotilla explain` on sample-repo: golden files (`RECORD_GOLDEN=1` rewrites them and fails), agreement with
/// `plan` for every template, and the errors a user meets.
@Suite struct ExplainCommandTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// A cluster state with capacity (the estimator's arithmetic) and a NotReady cluster.
    static func stateFile() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-explain-\(UUID()).yaml")
        try """
        clusters:
          ali-hangzhou:
            allocatable: {cpu: "8", memory: 32Gi, pods: "110"}
            allocated: {cpu: "2", memory: 8Gi, pods: "20"}
          hw-shanghai:
            allocatable: {cpu: "16", memory: 64Gi, pods: "110"}
            allocated: {cpu: "4", memory: 8Gi, pods: "10"}
          onprem-dc1:
            ready: false
        """.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func check(_ output: String, against file: String) throws {
        let url = golden.appendingPathComponent(file)
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try output.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded \(file); run again without RECORD_GOLDEN")
            return
        }
        #expect(output == (try String(contentsOf: url, encoding: .utf8)))
    }

    @Test(arguments: [("text", "explain-web.txt"), ("markdown", "explain-web.md"), ("json", "explain-web.json")])
    func staticWeightsAndOverridesMatchTheGoldenFile(format: String, file: String) throws {
        let arguments = ["explain", "sample-repo", "Deployment/web-frontend", "-n", "web", "--format", format,
                         "--status-branch", "none"]
        let result = try runFlotilla(arguments)
        #expect(result.status == 0, "\(result.errors)")
        try Self.check(result.output, against: file)
        #expect(try runFlotilla(arguments).output == result.output, "byte for byte the same twice")
    }

    @Test func capacityArithmeticAndDynamicWeightsMatchTheGoldenFile() throws {
        let state = try Self.stateFile()
        defer { try? FileManager.default.removeItem(at: state) }
        let result = try runFlotilla(["explain", "sample-repo", "deployments.apps/orders-api", "--cluster-state",
                                      state.path, "--status-branch", "none"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("cpu: (8000m allocatable − 2000m allocated − 0m allocating) / 500m requested = 12"))
        #expect(result.output.contains("TaintToleration: FAIL — cluster(s) had untolerated taint "
                                       + "{cluster.karmada.io/not-ready=:NoExecute}"))
        try Self.check(result.output, against: "explain-orders-api.txt")
    }

    /// For every template of the sample the clusters and replicas `explain` gives are the plan's.
    @Test func everyTemplateIsExplainedAsThePlanPlacesIt() throws {
        let plan = try runFlotilla(["plan", "sample-repo", "--format", "json", "--status-branch", "none"])
        #expect(plan.status == 0, "\(plan.errors)")
        let document = try JSONSerialization.jsonObject(with: Data(plan.output.utf8)) as? [String: Any]
        let placements = document?["placements"] as? [[String: Any]] ?? []
        #expect(placements.count > 10)
        for placement in placements {
            let template = placement["template"] as? [String: Any] ?? [:]
            guard let kind = template["kind"] as? String, let name = template["name"] as? String,
                  kind != "FederatedResourceQuota" else { continue }
            var arguments = ["explain", "sample-repo", "\(kind)/\(name)", "--format", "json", "--status-branch", "none"]
            if let namespace = template["namespace"] as? String { arguments += ["-n", namespace] }
            let result = try runFlotilla(arguments)
            #expect(result.status == 0, "\(kind)/\(name): \(result.errors)")
            let explained = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
            let selected = (explained?["clusters"] as? [[String: Any]] ?? []).filter { $0["selected"] as? Bool == true }
                .map { "\($0["name"] ?? "")=\($0["replicas"] ?? "-")" }.sorted()
            let planned = (placement["clusters"] as? [[String: Any]] ?? [])
                .map { "\($0["name"] ?? "")=\($0["replicas"] ?? "-")" }.sorted()
            #expect(selected == planned, "\(kind)/\(name)")
        }
    }

    @Test func aTemplateThatIsNotThereOrIsAmbiguousIsAClearError() throws {
        let missing = try runFlotilla(["explain", "sample-repo", "Deployment/nope", "--status-branch", "none"])
        #expect(missing.status != 0)
        #expect(missing.errors.contains("no template Deployment/nope in the source"))
        let wrongNamespace = try runFlotilla(["explain", "sample-repo", "Deployment/web-frontend", "-n", "shop",
                                              "--status-branch", "none"])
        #expect(wrongNamespace.errors.contains("no template Deployment/web-frontend in namespace shop"))
        let unnamed = try runFlotilla(["explain", "sample-repo", "web-frontend", "--status-branch", "none"])
        #expect(unnamed.errors.contains("KIND/NAME"))
        // A Namespace is cluster-scoped and goes everywhere without a policy.
        let namespace = try runFlotilla(["explain", "sample-repo", "namespace/web", "--status-branch", "none"])
        #expect(namespace.status == 0, "\(namespace.errors)")
        #expect(namespace.output.contains("Placed by: no policy selects it: namespaces propagate to every cluster"))
    }
}
