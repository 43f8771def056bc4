import FlotillaTestSupport
import Foundation
import Testing

/// `flotilla plan` plans as the daemon does: with what the daemon recorded on its status branch (placement, the
/// replicas its autoscalers set, the clusters' state), and with `--base` it names the clusters whose deletions the
/// daemon's prune guard would hold, and whether the head commit's `Flotilla-Allow-Prune` trailer lets them through.
@Suite struct PlanFromStatusTests {
    /// A repository holding sample-repo on `main`, and a status branch as the daemon writes it: orders-api placed
    /// 3 + 1 and autoscaled to 6 by its FederatedHPA, onprem-dc2 not ready.
    static func makeRepository() throws -> URL {
        let root = try PlanBaseTests.makeRepository()
        try gitCommand(["checkout", "-q", "-b", "flotilla/status"], in: root)
        let status = root.appendingPathComponent("status")
        try FileManager.default.createDirectory(at: status, withIntermediateDirectories: true)
        try """
        # flotilla state v1
        source\thttps://git.example.com/fleet.git
        revision\t
        Deployment.apps shop/orders-api\tali-hangzhou=3,hw-shanghai=1
        !autoscaled\tDeployment.apps shop/orders-api\t6\tFederatedHPA shop/orders-api

        """.write(to: status.appendingPathComponent("state.txt"), atomically: true, encoding: .utf8)
        try """
        {"clusters": {"ali-hangzhou": {"ready": true, "availableReplicas": 100},
                      "hw-shanghai": {"ready": true, "availableReplicas": 10},
                      "onprem-dc1": {"ready": true}, "onprem-dc2": {"ready": false}}}
        """.write(to: status.appendingPathComponent("cluster-state.json"), atomically: true, encoding: .utf8)
        try gitCommand(["add", "status"], in: root)
        try gitCommand(["commit", "-q", "-m", "status"], in: root)
        try gitCommand(["checkout", "-q", "main"], in: root)
        return root
    }

    /// The clusters and replicas of a Deployment in a plan JSON, as `cluster=replicas`.
    static func placement(_ json: String, _ name: String) throws -> [String] {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let placements = try #require(document["placements"] as? [[String: Any]])
        let placement = try #require(placements.first { placement in
            let template = placement["template"] as? [String: Any]
            return template?["kind"] as? String == "Deployment" && template?["name"] as? String == name
        })
        return (placement["clusters"] as? [[String: Any]] ?? []).map { "\($0["name"] ?? "")=\($0["replicas"] ?? "")" }
    }

    @Test func thePlanIsTheDaemonsByDefault() throws {
        let root = try Self.makeRepository()
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try runFlotilla(["plan", "sample-repo", "--format", "json"], in: root)
        #expect(result.status == 0, "\(result.errors)")
        // Autoscaled to 6, sticky on 3 + 1: the two new replicas go where there is room.
        #expect(try Self.placement(result.output, "orders-api") == ["ali-hangzhou=5", "hw-shanghai=1"])
        // A cluster the daemon saw NotReady gets no new placement.
        #expect(try Self.placement(result.output, "ledger") == ["onprem-dc1=2"])
        #expect(result.errors.contains("note: planning as the daemon does, with what it recorded on flotilla/status at "))
        #expect(result.errors.contains("placement, autoscaled replicas, evictions, taints, cluster state"))
    }

    @Test(arguments: [["--previous", "none", "--cluster-state", "none"], ["--status-branch", "none"]])
    func theRecordedStateCanBeLeftOut(_ options: [String]) throws {
        let root = try Self.makeRepository()
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try runFlotilla(["plan", "sample-repo", "--format", "json"] + options, in: root)
        #expect(result.status == 0, "\(result.errors)")
        #expect(try Self.placement(result.output, "ledger") == ["onprem-dc1=2", "onprem-dc2=2"])
        let ordersAPI = try Self.placement(result.output, "orders-api")
        if options.contains("--status-branch") {
            #expect(ordersAPI == ["ali-hangzhou=2", "hw-shanghai=2"])
            #expect(!result.errors.contains("note:"))
        } else {
            // Still the autoscaled replicas (the daemon runs with them), placed afresh.
            #expect(ordersAPI.count == 2 && !ordersAPI.contains("ali-hangzhou=5"))
            #expect(result.errors.contains("autoscaled replicas, evictions, taints\n"))
        }
    }

    @Test func deletionsTheGuardWouldHoldAreNamedUntilTheTrailerAllowsThem() throws {
        let root = try Self.makeRepository()
        defer { try? FileManager.default.removeItem(at: root) }
        try gitCommand(["rm", "-r", "-q", "sample-repo/apps/ledger", "sample-repo/policies/ledger.yaml"], in: root)
        try gitCommand(["commit", "-q", "-m", "Drop the ledger"], in: root)
        let arguments = ["plan", "sample-repo", "--base", "HEAD~1", "--cluster-state", "none", "--exit-code"]
        let held = try runFlotilla(arguments, in: root)
        #expect(held.status == 3, "a held prune exits 3: \(held.errors)")
        #expect(held.output.contains("""
            Prune guard:
              onprem-dc2: the change deletes 4 of 7 works (57%); the daemon's prune guard would hold it until a \
            commit carries `Flotilla-Allow-Prune: onprem-dc2`
            """))
        #expect(!held.output.contains("onprem-dc1: the change"), "onprem-dc1 keeps the checkout app")
        #expect(held.errors.contains("warning: onprem-dc2: the change deletes 4 of 7 works"))
        // A higher guard lets it through.
        #expect(try runFlotilla(arguments + ["--prune-guard", "60"], in: root).status == 1)
        // The trailer, as the daemon reads it, releases the cluster.
        try gitCommand(["commit", "-q", "--amend", "-m", "Drop the ledger\n\nFlotilla-Allow-Prune: onprem-dc2"], in: root)
        let allowed = try runFlotilla(arguments + ["--format", "json"], in: root)
        #expect(allowed.status == 1, "changes, none held: \(allowed.errors)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(allowed.output.utf8)) as? [String: Any])
        let guardEntries = try #require(document["pruneGuard"] as? [[String: Any]])
        #expect(guardEntries.count == 1)
        #expect(guardEntries.first?["cluster"] as? String == "onprem-dc2")
        #expect(guardEntries.first?["allowed"] as? Bool == true)
        #expect(guardEntries.first?["deleting"] as? Int == 4 && guardEntries.first?["owned"] as? Int == 7)
    }
}
