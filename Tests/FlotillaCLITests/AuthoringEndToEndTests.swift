import FlotillaTestSupport
import Foundation
import Testing

/// `flotilla import`, `migrate` and `clone` on a fleet, as a team would use them: kubectl makes an app by hand on one
/// cluster; `import --with-deps` writes it into Git on a branch, which is pushed and merged; the daemon takes the live
/// objects over in place (same uids); `migrate` moves it and it is ready on the new cluster before it leaves the old
/// one; `clone` runs a renamed copy with another replica count; `import --spread provider` places another app on every
/// provider's clusters. No Secret value reaches a file, a commit or the output.
@Suite(.serialized) struct AuthoringEndToEndTests {
    static let secretValue = "s3cr3t-Pa55w0rd-n0t-f0r-g1t"

    static let app = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: shop-config, namespace: shop}
        data: {mode: live}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: shop-db, namespace: shop}
        stringData: {password: \(secretValue)}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: shop-api, namespace: shop, labels: {app: shop-api}}
        spec:
          replicas: 2
          selector: {matchLabels: {app: shop-api}}
          template:
            metadata: {labels: {app: shop-api}}
            spec:
              containers:
                - name: api
                  image: example/shop-api:1
                  envFrom: [{configMapRef: {name: shop-config}}]
                  env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: shop-db, key: password}}}]
                  resources: {requests: {cpu: 100m, memory: 64Mi}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: shop-api, namespace: shop}
        spec:
          selector: {app: shop-api}
          ports: [{port: 80, targetPort: 8080}]

        """

    /// Takes every free pod slot of a cluster (1,000 small replicas; what does not fit stays Pending).
    static let hog = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: hog, namespace: default}
        spec:
          replicas: 1000
          selector: {matchLabels: {app: hog}}
          template:
            metadata: {labels: {app: hog}}
            spec: {containers: [{name: hog, image: example/hog:1, resources: {requests: {cpu: 10m}}}]}

        """

    /// Runs flotilla on the fleet's working clone with its kubeconfig.
    static func flotilla(_ fleet: Fleet, _ arguments: [String]) throws -> CommandResult {
        var all = arguments + ["--status-branch", "none"]
        if arguments.first == "import" { all += ["--kubeconfig", fleet.kubeconfig] }
        let result = try runFlotilla(all, in: URL(fileURLWithPath: fleet.work))
        #expect(!result.output.contains(secretValue) && !result.errors.contains(secretValue), "a Secret value printed")
        return result
    }

    /// Merges a branch the command pushed into main, as a reviewer would, and tells the daemon.
    static func merge(_ fleet: Fleet, _ branch: String) throws {
        try Fleet.git(["fetch", "-q", "origin", branch], in: fleet.work)
        try Fleet.git(["merge", "-q", "--ff-only", "FETCH_HEAD"], in: fleet.work)
        try Fleet.git(["push", "-q", "origin", "HEAD:main"], in: fleet.work)
        try fleet.hook()
    }

    static func uid(_ fleet: Fleet, _ cluster: String, _ resource: String) -> String? {
        fleet.field(cluster, resource, "shop", ".metadata.uid")
    }

    @Test func importMigrateAndCloneAsCommits() throws {
        let fleet = try Fleet()
        try fleet.startDaemon()
        fleet.eventually("the fleet converges") { try fleet.converged() }

        // By hand, on aws-east only.
        let manifest = fleet.folder.appendingPathComponent("shop.yaml")
        try Self.app.write(to: manifest, atomically: true, encoding: .utf8)
        #expect(try fleet.kubectl("aws-east", ["create", "namespace", "shop"]).status == 0)
        #expect(try fleet.kubectl("aws-east", ["apply", "-f", manifest.path]).status == 0)
        fleet.eventually("the hand-made app is ready") {
            fleet.field("aws-east", "deployment/shop-api", "shop", ".status.readyReplicas") == "2"
        }
        let resources = ["deployment/shop-api", "service/shop-api", "configmap/shop-config", "secret/shop-db"]
        let before = Dictionary(uniqueKeysWithValues: resources.map { ($0, Self.uid(fleet, "aws-east", $0)) })
        let generation = fleet.field("aws-east", "deployment/shop-api", "shop", ".metadata.generation")

        // import --with-deps: a branch, pushed, with the files and the plan's delta.
        let imported = try Self.flotilla(fleet, ["import", "Deployment/shop-api", "-n", "shop", "--cluster", "aws-east",
                                                 "--with-deps", "--push"])
        #expect(imported.status == 0, "\(imported.errors)")
        #expect(imported.output.contains("on branch flotilla/import/shop-api"), "\(imported.output)")
        #expect(imported.output.contains("+ create Deployment.apps shop/shop-api on aws-east"), "\(imported.output)")
        #expect(imported.errors.contains("warning: Secret shop/shop-db: its values are not written to Git"))
        let files = try Fleet.git(["show", "flotilla/import/shop-api", "--stat", "--format=%B"], in: fleet.work)
        #expect(files.contains("apps/shop/shop-api.yaml") && files.contains("apps/shop/shop-api-placement.yaml"))
        try Self.merge(fleet, "flotilla/import/shop-api")

        // Adopted in place: Flotilla's label on the same objects (same uids); the Secret left as it was.
        fleet.eventually("the daemon adopts the app", timeout: 30) {
            fleet.field("aws-east", "deployment/shop-api", "shop",
                        ".metadata.labels.app\\.kubernetes\\.io/managed-by") == "flotilla"
                && fleet.field("aws-east", "service/shop-api", "shop",
                               ".metadata.labels.app\\.kubernetes\\.io/managed-by") == "flotilla"
        }
        for resource in resources { #expect(Self.uid(fleet, "aws-east", resource) == before[resource], "\(resource)") }
        #expect(fleet.field("aws-east", "secret/shop-db", "shop", ".data.password")
                == Data(Self.secretValue.utf8).base64EncodedString(), "the live Secret keeps its value")
        #expect(fleet.field("aws-east", "deployment/shop-api", "shop", ".status.readyReplicas") == "2")
        // Its pod template did not change: no rollout, no restart.
        #expect(fleet.field("aws-east", "deployment/shop-api", "shop", ".metadata.generation") == generation)

        // migrate to gcp-west, where a hog holds every free pod slot first (older workloads are placed first): the app
        // cannot become ready there, so it stays on aws-east, draining; once there is room it is ready on gcp-west
        // and only then leaves aws-east.
        let hog = fleet.folder.appendingPathComponent("hog.yaml")
        try Self.hog.write(to: hog, atomically: true, encoding: .utf8)
        #expect(try fleet.kubectl("gcp-west", ["apply", "-f", hog.path]).status == 0)
        try Fleet.git(["pull", "-q", "origin", "main"], in: fleet.work)
        let migrated = try Self.flotilla(fleet, ["migrate", "Deployment/shop-api", "-n", "shop", "--from", "aws-east",
                                                 "--to", "gcp-west", "--push"])
        #expect(migrated.status == 0, "\(migrated.errors)")
        #expect(migrated.output.contains("- delete Deployment.apps shop/shop-api on aws-east"), "\(migrated.output)")
        try Self.merge(fleet, "flotilla/migrate/shop-api")
        fleet.eventually("the app is created on gcp-west", timeout: 30) {
            fleet.field("gcp-west", "deployment/shop-api", "shop", ".metadata.name") == "shop-api"
        }
        fleet.eventually("the status shows it draining from aws-east") {
            try fleet.status().evictions?.contains {
                $0.cluster == "aws-east" && $0.reason == "PlacementChanged" && $0.draining
            } == true
        }
        let holding = Date().addingTimeInterval(2)
        while Date() < holding {
            #expect(fleet.field("aws-east", "deployment/shop-api", "shop", ".status.readyReplicas") == "2",
                    "still serving on aws-east while gcp-west has no room")
            #expect(fleet.field("gcp-west", "deployment/shop-api", "shop", ".status.readyReplicas") != "2")
            usleep(200_000)
        }
        #expect(try fleet.kubectl("gcp-west", ["delete", "-f", hog.path]).status == 0)
        fleet.eventually("it leaves aws-east once ready on gcp-west", timeout: 30) {
            fleet.field("aws-east", "deployment/shop-api", "shop", ".metadata.name") == nil
        }
        #expect(fleet.field("gcp-west", "deployment/shop-api", "shop", ".status.readyReplicas") == "2")

        // clone with a new name and another replica count, onto dc1.
        try Fleet.git(["pull", "-q", "origin", "main"], in: fleet.work)
        let cloned = try Self.flotilla(fleet, ["clone", "Deployment/shop-api", "-n", "shop", "--to", "dc1",
                                               "--name", "shop-api-canary", "--replicas", "1", "--push"])
        #expect(cloned.status == 0, "\(cloned.errors)")
        try Self.merge(fleet, "flotilla/clone/shop-api-canary")
        fleet.eventually("the copy runs on dc1", timeout: 30) {
            fleet.field("dc1", "deployment/shop-api-canary", "shop", ".status.readyReplicas") == "1"
        }
        #expect(fleet.field("dc1", "deployment/shop-api-canary", "shop", ".spec.selector.matchLabels.app")
                == "shop-api-canary")
        #expect(fleet.field("gcp-west", "deployment/shop-api", "shop", ".spec.replicas") == "2", "the original stays")

        // import --spread provider: another hand-made app, placed on every provider's clusters.
        #expect(try fleet.kubectl("aws-east", ["-n", "shop", "create", "deployment", "worker", "--image=example/worker:1",
                                               "--replicas=3"]).status == 0)
        try Fleet.git(["pull", "-q", "origin", "main"], in: fleet.work)
        let spread = try Self.flotilla(fleet, ["import", "deployment/worker", "-n", "shop", "--cluster", "aws-east",
                                               "--spread", "provider", "--push"])
        #expect(spread.status == 0, "\(spread.errors)")
        try Self.merge(fleet, "flotilla/import/worker")
        fleet.eventually("the worker runs on every provider's cluster", timeout: 30) {
            Fleet.clusters.allSatisfy { fleet.field($0, "deployment/worker", "shop", ".metadata.name") == "worker" }
        }

        // No Secret value anywhere in Git: files of every branch, and every commit message.
        let everything = try Fleet.git(["log", "--all", "-p", "--format=%B"], in: fleet.work)
        #expect(everything.contains("REPLACE-ME"))
        #expect(!everything.contains(Self.secretValue))
        #expect(!everything.contains(Data(Self.secretValue.utf8).base64EncodedString()))
        _ = fleet.stopDaemon()
    }
}
