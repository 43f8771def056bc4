import Foundation
import Testing

/// Golden files for `flotilla plan` on sample-repo. `RECORD_GOLDEN=1` rewrites them and fails, so a new baseline is
/// never accepted silently.
@Suite struct PlanCommandTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    @Test(arguments: [("text", "plan-sample.txt"), ("markdown", "plan-sample.md"), ("json", "plan-sample.json")])
    func planMatchesTheGoldenFile(format: String, file: String) throws {
        let result = try runFlotilla(["plan", "sample-repo", "--format", format])
        #expect(result.status == 0, "\(result.errors)")
        let url = Self.golden.appendingPathComponent(file)
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try result.output.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded \(file); run again without RECORD_GOLDEN")
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(result.output == expected)
        // Run twice: byte-identical.
        #expect(try runFlotilla(["plan", "sample-repo", "--format", format]).output == result.output)
    }

    @Test func clusterStateMovesReplicasOffANotReadyCluster() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-state-\(UUID()).yaml")
        defer { try? FileManager.default.removeItem(at: state) }
        try """
        clusters:
          hw-shanghai:
            ready: false
          ali-hangzhou:
            availableReplicas: 12
        """.write(to: state, atomically: true, encoding: .utf8)
        let result = try runFlotilla(["plan", "sample-repo", "--cluster-state", state.path, "--format", "json"])
        #expect(result.status == 0, "\(result.errors)")
        let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        let placements = json?["placements"] as? [[String: Any]] ?? []
        let web = placements.first { ($0["template"] as? [String: Any])?["name"] as? String == "web-frontend"
            && ($0["template"] as? [String: Any])?["kind"] as? String == "Deployment" }
        let clusters = web?["clusters"] as? [[String: Any]]
        #expect(clusters?.count == 1)
        #expect(clusters?.first?["name"] as? String == "ali-hangzhou")
        #expect(clusters?.first?["replicas"] as? Int == 6)
    }

    @Test func aPreviousPlanKeepsReplicasWhereTheyWere() throws {
        let previous = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-prev-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: previous) }
        try """
        {"placements": [{"template": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "orders-api"},
                         "clusters": [{"name": "hw-shanghai", "replicas": 3}, {"name": "ali-hangzhou", "replicas": 1}]}]}
        """.write(to: previous, atomically: true, encoding: .utf8)
        let result = try runFlotilla(["plan", "sample-repo", "--previous", previous.path])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("+ hw-shanghai   3 replicas"))
        #expect(result.output.contains("+ ali-hangzhou  1 replica "))
    }

    @Test func anInvalidSourceIsAnErrorWithFileAndLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-bad-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n"
            .write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let result = try runFlotilla(["plan", folder.path, "--exit-code"])
        #expect(result.status == 2)
        #expect(result.errors.hasPrefix("\(folder.path)/bad.yaml:4:1: syntax error"))
    }

    /// A FederatedResourceQuota's overall limit the plan goes over: reported in every format, and `--exit-code`
    /// fails with 2 as for a template that cannot be placed.
    @Test func aPlanOverAFederatedResourceQuotaIsReported() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-quota-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func write(replicas: Int) throws {
            try """
                apiVersion: cluster.karmada.io/v1alpha1
                kind: Cluster
                metadata: {name: east}
                spec: {syncMode: Push}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: api, namespace: team}
                spec:
                  replicas: \(replicas)
                  selector: {matchLabels: {app: api}}
                  template:
                    metadata: {labels: {app: api}}
                    spec: {containers: [{name: api, image: "api:1", resources: {requests: {cpu: "1"}}}]}
                ---
                apiVersion: policy.karmada.io/v1alpha1
                kind: PropagationPolicy
                metadata: {name: api, namespace: team}
                spec:
                  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
                  placement: {clusterAffinity: {clusterNames: [east]}}
                ---
                apiVersion: policy.karmada.io/v1alpha1
                kind: FederatedResourceQuota
                metadata: {name: quota, namespace: team}
                spec: {overall: {cpu: "4"}}
                """.write(to: folder.appendingPathComponent("team.yaml"), atomically: true, encoding: .utf8)
        }
        try write(replicas: 4)
        #expect(try runFlotilla(["plan", folder.path, "--exit-code"]).status == 0)
        try write(replicas: 6)
        let message = "FederatedResourceQuota team/quota: cpu: the plan requests 6, the overall quota allows 4"
        let text = try runFlotilla(["plan", folder.path, "--exit-code"])
        #expect(text.status == 2 && text.output.contains("Over quota:\n  \(message)"), "\(text.output)")
        #expect(text.errors.contains("warning: \(message)"))
        let json = try runFlotilla(["plan", folder.path, "--format", "json"])
        let document = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        let violations = document?["quotaViolations"] as? [[String: Any]]
        #expect(violations?.first?["message"] as? String == message && violations?.first?["used"] as? Int == 6000)
    }
}
