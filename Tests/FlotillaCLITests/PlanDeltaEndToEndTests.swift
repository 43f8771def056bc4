import FlotillaTestSupport
import Foundation
import Testing

/// `flotilla plan --base` against a repository the daemon has written its status branch to: the delta it prints is
/// what the daemon then does to the clusters, seen through kubectl — every created work is there with the planned
/// replicas, every deleted one is gone, every updated one has the planned replicas, and nothing else moved.
@Suite(.serialized) struct PlanDeltaEndToEndTests {
    struct Change: Hashable {
        var cluster: String
        var kind: String
        var namespace: String
        var name: String
        var action: String
        var replicas: Int?
    }

    static func changes(_ json: String) throws -> [Change] {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return (document["changes"] as? [[String: Any]] ?? []).compactMap { change in
            let template = change["template"] as? [String: Any] ?? [:]
            let action = change["action"] as? String ?? ""
            guard action != "unchanged" else { return nil }
            return Change(cluster: change["cluster"] as? String ?? "", kind: template["kind"] as? String ?? "",
                          namespace: template["namespace"] as? String ?? "", name: template["name"] as? String ?? "",
                          action: action, replicas: (change["replicas"] as? [String: Any])?["after"] as? Int)
        }.sorted { ($0.cluster, $0.kind, $0.name) < ($1.cluster, $1.kind, $1.name) }
    }

    /// The works the daemon reports, as `cluster kind namespace/name`.
    static func works(_ fleet: Fleet) throws -> Set<String> {
        Set(try fleet.status().works.map { "\($0.cluster) \($0.kind) \($0.namespace ?? "")/\($0.name)" })
    }

    static let apiAutoscaler = """
        apiVersion: autoscaling.karmada.io/v1alpha1
        kind: FederatedHPA
        metadata: {name: api, namespace: api}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
          minReplicas: 3
          maxReplicas: 5
          metrics:
            - type: Resource
              resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}

        """

    @Test func thePlannedDeltaIsWhatTheDaemonThenDoes() throws {
        let fleet = try Fleet()
        // The api's FederatedHPA holds it at its minimum, 3, not the template's 2: only the daemon knows that.
        try fleet.commit(["apps/api-hpa.yaml": Self.apiAutoscaler], message: "Autoscale the api")
        try fleet.startDaemon(["--autoscaler-sync-period", "1s"])
        fleet.eventually("the fleet converges") { try fleet.converged() }
        fleet.eventually("the status branch records the placement and the autoscaled replicas", timeout: 30) {
            let state = try? Fleet.git(["show", "flotilla/status:status/state.txt"], in: fleet.source)
            return state?.contains("Deployment.apps web/web\t") == true
                && state?.contains("!autoscaled\tDeployment.apps api/api\t3\t") == true
        }
        let before = try Self.works(fleet)
        #expect(fleet.stopDaemon() == 0)
        let base = fleet.head
        try fleet.commit(["apps/web.yaml": Fleet.web(replicas: 7), "policies/api.yaml": Fleet.apiPolicy(cluster: "gcp-west")],
                         message: "Scale web to 7, move the api to gcp-west")
        let plan = try runFlotilla(["plan", fleet.source, "--ref", "main", "--base", base, "--format", "json",
                                    "--exit-code", "--cache-dir", fleet.folder.appendingPathComponent("plan-cache").path])
        #expect(plan.status == 1, "changes, none held: \(plan.errors)")
        #expect(plan.errors.contains("note: planning as the daemon does, with what it recorded on flotilla/status"))
        let changes = try Self.changes(plan.output)
        #expect(changes == [
            Change(cluster: "aws-east", kind: "ConfigMap", namespace: "api", name: "api-config", action: "delete"),
            Change(cluster: "aws-east", kind: "Deployment", namespace: "api", name: "api", action: "delete"),
            Change(cluster: "aws-east", kind: "Deployment", namespace: "web", name: "web", action: "update", replicas: 5),
            Change(cluster: "gcp-west", kind: "ConfigMap", namespace: "api", name: "api-config", action: "create"),
            Change(cluster: "gcp-west", kind: "Deployment", namespace: "api", name: "api", action: "create",
                   replicas: 3),
            Change(cluster: "gcp-west", kind: "Deployment", namespace: "web", name: "web", action: "update", replicas: 2),
        ])

        try fleet.startDaemon(["--autoscaler-sync-period", "1s"])
        let head = fleet.head
        fleet.eventually("the daemon applies the change", timeout: 30) {
            let report = try fleet.status()
            let converged = try fleet.converged()
            return report.revision == head && converged
                && fleet.field("aws-east", "deployment/api", "api", ".metadata.name") == nil
        }
        for change in changes {
            let resource = "\(change.kind.lowercased())/\(change.name)"
            let live = fleet.field(change.cluster, resource, change.namespace, ".metadata.name")
            if change.action == "delete" {
                #expect(live == nil, "\(change) is gone")
            } else {
                #expect(live == change.name, "\(change) is there")
            }
            if let replicas = change.replicas {
                #expect(fleet.field(change.cluster, resource, change.namespace, ".spec.replicas") == "\(replicas)",
                        "\(change)")
            }
        }
        // Nothing the plan did not name was added or removed.
        let after = try Self.works(fleet)
        let named = { (action: String) in
            Set(changes.filter { $0.action == action }.map { "\($0.cluster) \($0.kind) \($0.namespace)/\($0.name)" })
        }
        #expect(after.subtracting(before) == named("create"))
        #expect(before.subtracting(after) == named("delete"))
        _ = fleet.stopDaemon()
    }
}
