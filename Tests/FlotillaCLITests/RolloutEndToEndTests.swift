import FlotillaEngine
import FlotillaTestSupport
import Foundation
import Testing

/// Health-gated promotion on four simulated clusters (dev, test, two prod), driven from Git as a team would: an image
/// change reaches dev first, test only after dev baked and `flotilla approve test` pushed its tag, prod one cluster
/// at a time; a restart in the middle (its cache folder lost) resumes the rollout from the status branch; a commit
/// that breaks dev halts it with test and prod untouched; with `onFailure: rollback` dev returns to the last good
/// revision and a revert branch is pushed.
@Suite(.serialized) struct RolloutEndToEndTests {
    static let clusters = ["dev1", "test1", "prod1", "prod2"]

    static func app(image: String, cpu: String = "100m") -> String {
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: app, namespace: shop, labels: {app: app}}
        spec:
          replicas: 1
          selector: {matchLabels: {app: app}}
          template:
            metadata: {labels: {app: app}}
            spec:
              containers:
                - name: app
                  image: "example/app:\(image)"
                  resources: {requests: {cpu: "\(cpu)", memory: 64Mi}}

        """
    }

    static let policy = """
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: app, namespace: shop}
        spec:
          resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: app}]
          placement:
            clusterAffinity: {clusterNames: [dev1, test1, prod1, prod2]}
            replicaScheduling: {replicaSchedulingType: Duplicated}

        """

    static func rollout(onFailure: String) -> String {
        """
        apiVersion: flotilla.dev/v1alpha1
        kind: RolloutPolicy
        metadata: {name: environments}
        spec:
          resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
          stages:
            - name: dev
              clusterSelector: {matchLabels: {env: dev}}
              bakeSeconds: 2
            - name: test
              clusterSelector: {matchLabels: {env: test}}
              approval: manual
            - name: prod
              clusterSelector: {matchLabels: {env: prod}}
              maxUnavailableClusters: 1
          progressDeadlineSeconds: 6
          onFailure: \(onFailure)

        """
    }

    static func image(_ fleet: Fleet, _ cluster: String) -> String? {
        fleet.field(cluster, "deployment/app", "shop", ".spec.template.spec.containers[0].image")
    }

    static func images(_ fleet: Fleet) -> [String] { clusters.map { image(fleet, $0) ?? "-" } }

    static func stage(_ fleet: Fleet, _ name: String) -> StatusReport.Rollout.Stage? {
        (try? fleet.status())?.rollouts?.first { $0.name == "environments" }?.stages.first { $0.name == name }
    }

    @Test func anImageChangeIsPromotedStageByStageHaltsWhenBrokenAndRollsBack() throws {
        var files: [String: String] = [
            "clusters/dev1.yaml": Fleet.clusterFile("dev1", cloud: "aws", env: "dev"),
            "clusters/test1.yaml": Fleet.clusterFile("test1", cloud: "aws", env: "test"),
            "clusters/prod1.yaml": Fleet.clusterFile("prod1", cloud: "aws", env: "prod"),
            "clusters/prod2.yaml": Fleet.clusterFile("prod2", cloud: "gcp", env: "prod"),
            "apps/app.yaml": Self.app(image: "1"),
            "policies/app.yaml": Self.policy,
            "policies/rollout.yaml": Self.rollout(onFailure: "halt"),
        ]
        // Workloads take a second to become ready: a batch of prod is seen before the next one starts.
        let fleet = try Fleet(files: files, readyDelay: "1", clusters: Self.clusters)
        try fleet.startDaemon()
        // The first revision is not staged: every cluster gets it.
        #expect(fleet.eventually("v1 everywhere") { Self.images(fleet).allSatisfy { $0 == "example/app:1" } })
        #expect(fleet.eventually("all stages succeeded") {
            ["dev", "test", "prod"].allSatisfy { Self.stage(fleet, $0)?.state == "Succeeded" }
        })

        // v2: dev first; test waits for dev's bake and an approval.
        try fleet.commit(["apps/app.yaml": Self.app(image: "2")], message: "app 2")
        let v2 = fleet.head
        try fleet.hook()
        #expect(fleet.eventually("v2 on dev") { Self.image(fleet, "dev1") == "example/app:2" })
        #expect(Self.images(fleet).dropFirst().allSatisfy { $0 == "example/app:1" }, "\(Self.images(fleet))")
        #expect(fleet.eventually("test awaits approval", timeout: 30) { Self.stage(fleet, "test")?.state == "AwaitingApproval" })
        #expect(Self.stage(fleet, "dev")?.state == "Succeeded")
        #expect(Self.stage(fleet, "test")?.message?.contains("flotilla/approve/test/\(v2.prefix(7))") == true)
        Thread.sleep(forTimeInterval: 1)
        #expect(Self.images(fleet).dropFirst().allSatisfy { $0 == "example/app:1" }, "promoted without approval")
        // The status branch has the rollout.
        #expect(fleet.eventually("status/rollouts on the status branch") {
            let text = (try? Fleet.git(["--git-dir", fleet.source, "show", "flotilla/status:status/rollouts/environments.yaml"],
                                       in: fleet.work)) ?? ""
            return text.contains("state: AwaitingApproval") && text.contains(v2)
        })

        // Approve with the CLI (a tag pushed to the remote); prod follows one cluster at a time.
        let approval = try runFlotilla(["approve", "test"], in: URL(fileURLWithPath: fleet.work))
        #expect(approval.status == 0, "\(approval.errors)")
        #expect(approval.output.contains("flotilla/approve/test/\(v2.prefix(7))"))
        #expect(try Fleet.git(["--git-dir", fleet.source, "tag", "--list", "flotilla/approve/*"], in: fleet.work)
                    .contains("flotilla/approve/test/\(v2.prefix(7))"))
        try fleet.hook()
        #expect(fleet.eventually("v2 on test") { Self.image(fleet, "test1") == "example/app:2" })
        var firstProd: [String] = []
        #expect(fleet.eventually("a prod cluster updated") {
            firstProd = [Self.image(fleet, "prod1") ?? "", Self.image(fleet, "prod2") ?? ""]
            return firstProd.contains("example/app:2")
        })
        #expect(firstProd == ["example/app:2", "example/app:1"], "prod is updated one cluster at a time")
        #expect(fleet.eventually("v2 everywhere") { Self.images(fleet).allSatisfy { $0 == "example/app:2" } })
        #expect(fleet.eventually("prod succeeded") { Self.stage(fleet, "prod")?.state == "Succeeded" })
        // The same progress in the metrics, on the status page and in `flotilla status`.
        #expect(fleet.eventually("the stage metric") {
            let (_, metrics) = try fleet.http("GET", "/metrics")
            return metrics.contains(#"flotilla_rollout_stage{rollout="environments",stage="prod",state="Succeeded"} 1"#)
        })
        let (_, page) = try fleet.http("GET", "/")
        #expect(page.contains("<h2>Rollouts</h2>") && page.contains("environments"))
        let table = try runFlotilla(["status", "--server", "http://127.0.0.1:\(fleet.daemonPort)"])
        #expect(table.output.contains("ROLLOUT"), "\(table.output)")
        #expect(table.output.split(separator: "\n").contains { line in
            ["environments", "prod", "Succeeded", "prod1,prod2"].allSatisfy { line.contains($0) }
        }, "\(table.output)")

        // v3, then a restart in the middle: the rollout resumes where it was (test still waits, nothing skips ahead).
        try fleet.commit(["apps/app.yaml": Self.app(image: "3")], message: "app 3")
        let v3 = fleet.head
        try fleet.hook()
        #expect(fleet.eventually("test awaits approval of v3", timeout: 30) {
            Self.stage(fleet, "test")?.state == "AwaitingApproval" && Self.image(fleet, "dev1") == "example/app:3"
        })
        #expect(fleet.stopDaemon() == 0)
        // The cache folder is lost too: the progress comes back from the status branch's state.txt.
        try FileManager.default.removeItem(at: fleet.folder.appendingPathComponent("cache"))
        try fleet.startDaemon()
        #expect(fleet.eventually("the daemon is back") { (try? fleet.status())?.revision == v3 })
        Thread.sleep(forTimeInterval: 2)
        #expect(Self.images(fleet) == ["example/app:3", "example/app:2", "example/app:2", "example/app:2"])
        #expect(Self.stage(fleet, "test")?.state == "AwaitingApproval")
        let approved = try runFlotilla(["approve", "test", "--revision", String(v3.prefix(10))],
                                       in: URL(fileURLWithPath: fleet.work))
        #expect(approved.status == 0, "\(approved.errors)")
        try fleet.hook()
        #expect(fleet.eventually("v3 everywhere", timeout: 30) { Self.images(fleet).allSatisfy { $0 == "example/app:3" } })

        // v4 cannot become healthy (500 CPUs): dev fails by the deadline and the rollout halts there.
        try fleet.commit(["apps/app.yaml": Self.app(image: "4", cpu: "500")], message: "app 4, too big")
        try fleet.hook()
        #expect(fleet.eventually("dev failed", timeout: 30) { Self.stage(fleet, "dev")?.state == "Failed" })
        Thread.sleep(forTimeInterval: 1)
        #expect(Self.images(fleet) == ["example/app:4", "example/app:3", "example/app:3", "example/app:3"])
        #expect(Self.stage(fleet, "test")?.state == "Waiting")

        // The same broken app with onFailure: rollback: dev goes back to v3, the revision it last passed with, and a
        // revert branch is pushed for the team.
        files = ["policies/rollout.yaml": Self.rollout(onFailure: "rollback")]
        try fleet.commit(files, message: "roll back failed stages")
        let v5 = fleet.head
        try fleet.hook()
        #expect(fleet.eventually("dev rolled back to v3", timeout: 30) { Self.image(fleet, "dev1") == "example/app:3" })
        #expect(Self.stage(fleet, "dev")?.state == "Failed")
        #expect((try? fleet.status())?.rollouts?.first?.rolledBack == "dev")
        #expect(Self.images(fleet) == ["example/app:3", "example/app:3", "example/app:3", "example/app:3"])
        let branch = "flotilla/revert/\(v5.prefix(7))"
        #expect(fleet.eventually("the revert branch is pushed") {
            let tree = try? Fleet.git(["--git-dir", fleet.source, "rev-parse", "\(branch)^{tree}"], in: fleet.work)
            let good = try? Fleet.git(["--git-dir", fleet.source, "rev-parse", "\(v3)^{tree}"], in: fleet.work)
            return tree != nil && tree == good
        })
        #expect(try Fleet.git(["--git-dir", fleet.source, "rev-parse", "\(branch)^"], in: fleet.work)
                    .trimmingCharacters(in: .whitespacesAndNewlines) == v5)
        #expect(fleet.stopDaemon() == 0)
    }
}
