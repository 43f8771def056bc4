import FlotillaEngine
import FlotillaModel
import FlotillaTestSupport
import Foundation
import Testing

/// `flotilla run` against simulated clusters, observed with kubectl.
@Suite(.serialized) struct ReconcilerEndToEndTests {
    @Test func convergesHealsMovesPrunesAndSurvivesBrokenCommitsDownClustersAndRestarts() throws {
        let fleet = try Fleet()
        try fleet.startDaemon()

        // 1. Initial convergence matches `flotilla plan`.
        fleet.eventually("initial convergence") { try fleet.converged() }
        let plan = try runProcess(flotillaBinary, ["plan", fleet.work, "--format", "json"])
        #expect(plan.status == 0, "\(plan.errors)")
        let planned = try JSONSerialization.jsonObject(with: Data(plan.output.utf8)) as? [String: Any]
        let placements = planned?["placements"] as? [[String: Any]] ?? []
        var checked = 0
        for placement in placements {
            let template = placement["template"] as? [String: Any] ?? [:]
            guard template["kind"] as? String == "Deployment", let name = template["name"] as? String,
                  let namespace = template["namespace"] as? String else { continue }
            let targets = (placement["clusters"] as? [[String: Any]] ?? []).reduce(into: [String: Int]()) {
                $0[$1["name"] as? String ?? ""] = $1["replicas"] as? Int
            }
            for cluster in Fleet.clusters {
                let live = fleet.field(cluster, "deployment/\(name)", namespace, ".spec.replicas")
                if let replicas = targets[cluster] {
                    #expect(live == "\(replicas)", "\(cluster) \(namespace)/\(name)")
                } else {
                    #expect(live == nil, "\(cluster) should not run \(namespace)/\(name)")
                }
                checked += 1
            }
        }
        #expect(checked == 6)
        #expect(fleet.field("aws-east", "deployment/web", "web", ".spec.replicas") == "2")
        #expect(fleet.field("gcp-west", "deployment/web", "web", ".spec.replicas") == "1")
        // Ownership and the inventory.
        #expect(fleet.field("aws-east", "deployment/web", "web", ".metadata.labels.app\\.kubernetes\\.io/managed-by") == "flotilla")
        let inventory = fleet.field("aws-east", "configmap/flotilla-inventory", "flotilla-system", ".data.objects") ?? ""
        #expect(inventory.contains("apps/v1 Deployment web web"))
        #expect(inventory.contains("apps/v1 Deployment api api"))

        // 2. A commit changing an image reaches every target cluster, after the webhook.
        try fleet.commit(["apps/web.yaml": Fleet.web(image: "nginx:1.1")], message: "web 1.1")
        try fleet.hook()
        fleet.eventually("image 1.1 in both prod clusters", timeout: 10) {
            fleet.field("aws-east", "deployment/web", "web", ".spec.template.spec.containers[0].image") == "nginx:1.1"
                && fleet.field("gcp-west", "deployment/web", "web", ".spec.template.spec.containers[0].image") == "nginx:1.1"
        }
        fleet.eventually("converged on the new revision") {
            let report = try fleet.status()
            return try report.revision == fleet.head && fleet.converged()
        }

        // 3. Drift: an edit and a deletion by someone else are healed within seconds, and recorded with the manager.
        let scaled = try fleet.kubectl("aws-east", ["-n", "web", "scale", "deployment/web", "--replicas=7"])
        #expect(scaled.status == 0, "\(scaled.errors)")
        let deleted = try fleet.kubectl("aws-east", ["-n", "api", "delete", "configmap/api-config"])
        #expect(deleted.status == 0, "\(deleted.errors)")
        fleet.eventually("replicas healed back to 2", timeout: 10) {
            fleet.field("aws-east", "deployment/web", "web", ".spec.replicas") == "2"
        }
        fleet.eventually("deleted ConfigMap re-created", timeout: 10) {
            fleet.field("aws-east", "configmap/api-config", "api", ".data.level") == "info"
        }
        fleet.eventually("drift recorded as healed") {
            let healed = try fleet.status().healedDrift
            return healed.contains { $0.object == "Deployment.apps web/web" && $0.fields.map(\.path) == ["spec.replicas"] }
                && healed.contains { $0.object == "ConfigMap api/api-config" && $0.change == "deleted" }
        }
        let metrics = try fleet.http("GET", "/metrics").1
        #expect(metrics.contains("flotilla_drift_total{cluster=\"aws-east\"}"))
        #expect(metrics.contains("flotilla_commit_to_converged_seconds_count"))

        // 4. Moving an app between clouds creates it in the new cluster and prunes it from the old.
        try fleet.commit(["policies/api.yaml": Fleet.apiPolicy(cluster: "gcp-west")], message: "api to gcp")
        try fleet.hook()
        fleet.eventually("api moved to gcp-west", timeout: 10) {
            fleet.field("gcp-west", "deployment/api", "api", ".spec.replicas") == "2"
                && fleet.field("aws-east", "deployment/api", "api", ".spec.replicas") == nil
                && fleet.field("aws-east", "configmap/api-config", "api", ".data.level") == nil
        }
        fleet.eventually("the old cluster's inventory forgets the api") {
            let inventory = fleet.field("aws-east", "configmap/flotilla-inventory", "flotilla-system", ".data.objects") ?? ""
            return !inventory.contains("Deployment api api") && inventory.contains("Deployment web web")
        }

        // 5. A broken commit leaves the previous state running and reports the error with file:line.
        let good = fleet.head
        try fleet.commit(["apps/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n"], message: "broken")
        try fleet.hook()
        fleet.eventually("the error is reported") {
            let report = try fleet.status()
            return report.revision == good && report.sourceErrors.contains { $0.contains("apps/broken.yaml:") }
        }
        #expect(fleet.field("gcp-west", "deployment/api", "api", ".spec.replicas") == "2")
        try fleet.commit(["apps/broken.yaml": nil], message: "fix")
        try fleet.hook()
        fleet.eventually("the fix is in force") {
            let report = try fleet.status()
            return report.revision == fleet.head && report.sourceErrors.isEmpty
        }

        // 6. A cluster taken down does not stop the others.
        try fleet.admin("gcp-west", "down")
        try fleet.commit(["apps/web.yaml": Fleet.web(image: "nginx:1.2")], message: "web 1.2")
        try fleet.hook()
        fleet.eventually("aws-east updated while gcp-west is down", timeout: 10) {
            fleet.field("aws-east", "deployment/web", "web", ".spec.template.spec.containers[0].image") == "nginx:1.2"
        }
        fleet.eventually("gcp-west reported NotReady and web's replicas moved to aws-east", timeout: 15) {
            let report = try fleet.status()
            return report.clusters.first { $0.name == "gcp-west" }?.ready == false
                && fleet.field("aws-east", "deployment/web", "web", ".spec.replicas") == "3"
        }
        try fleet.admin("gcp-west", "up")
        fleet.eventually("gcp-west back and converged", timeout: 20) {
            let report = try fleet.status()
            return try report.clusters.allSatisfy(\.ready) && fleet.converged()
                && fleet.field("gcp-west", "deployment/web", "web", ".spec.template.spec.containers[0].image") == "nginx:1.2"
        }

        // 7. The status branch receives a commit whose files describe what kubectl sees.
        fleet.eventually("status branch describes the fleet") {
            let file = try Fleet.git(["--git-dir", fleet.source, "show", "flotilla/status:status/resources/api/Deployment.api.yaml"],
                                     in: fleet.folder.path)
            return file.contains("gcp-west:\n    sync: Synced\n    health: Healthy\n    replicas: {desired: 2, ready: 2}")
                && !file.contains("aws-east:")
        }
        let log = try Fleet.git(["--git-dir", fleet.source, "log", "-1", "--format=%s%n%b", "flotilla/status"], in: fleet.folder.path)
        #expect(log.hasPrefix("status: "))
        #expect(log.contains("Flotilla-Revision: \(fleet.head)"))
        let summary = try Fleet.git(["--git-dir", fleet.source, "show", "flotilla/status:status/summary.md"], in: fleet.folder.path)
        #expect(summary.contains("| gcp-west | Ready |"))

        // 8. `flotilla diff`: nothing while converged; SIGTERM exits 0; an edit made while the daemon is away shows.
        let clean = try runProcess(flotillaBinary, ["diff", "--repo", fleet.source, "--ref", "main", "--kubeconfig", fleet.kubeconfig,
                                                   "--cache-dir", fleet.folder.appendingPathComponent("diff-cache").path])
        #expect(clean.status == 0, "\(clean.output)\(clean.errors)")
        #expect(fleet.stopDaemon() == 0)
        #expect(try fleet.kubectl("gcp-west", ["-n", "api", "label", "configmap/api-config", "extra=1"]).status == 0)
        #expect(try fleet.kubectl("gcp-west", ["-n", "api", "patch", "configmap/api-config", "-p", #"{"data":{"level":"debug"}}"#]).status == 0)
        let drifted = try runProcess(flotillaBinary, ["diff", "--repo", fleet.source, "--ref", "main", "--kubeconfig", fleet.kubeconfig,
                                                     "--cache-dir", fleet.folder.appendingPathComponent("diff-cache").path])
        #expect(drifted.status == 1)
        #expect(drifted.output.contains("gcp-west: ConfigMap api/api-config: 1 field(s) differ"), "\(drifted.output)")
        #expect(drifted.output.contains("data.level: want \"info\", have \"debug\""))

        // 9. A restarted daemon heals what changed while it was away, and prunes nothing it should keep.
        try fleet.startDaemon()
        fleet.eventually("healed after restart") {
            try fleet.field("gcp-west", "configmap/api-config", "api", ".data.level") == "info" && fleet.converged()
        }
        #expect(fleet.field("gcp-west", "configmap/api-config", "api", ".metadata.labels.extra") == "1",
                "a label someone else added is theirs: not Flotilla's to remove")
        #expect(fleet.field("aws-east", "deployment/web", "web", ".spec.replicas") == "2")
        #expect(fleet.stopDaemon() == 0)
    }

    @Test func massDeletionGuardHoldsARevisionThatEmptiesTheSource() throws {
        let fleet = try Fleet()
        try fleet.startDaemon()
        fleet.eventually("initial convergence") { try fleet.converged() }
        // Every app removed: the guard holds the revision, nothing is deleted.
        try fleet.commit(["apps/web.yaml": nil, "apps/api.yaml": nil, "policies/web.yaml": nil, "policies/api.yaml": nil],
                         message: "remove everything")
        try fleet.hook()
        fleet.eventually("held and reported") {
            let report = try fleet.status()
            return report.revision == fleet.head
                && report.clusters.first { $0.name == "aws-east" }?.held?.contains("held: the revision would delete all") == true
        }
        #expect(fleet.field("aws-east", "deployment/web", "web", ".spec.replicas") == "2")
        #expect(fleet.field("aws-east", "deployment/api", "api", ".spec.replicas") == "2")
        // Removing one app of two in a cluster (more than half of its objects) is held too; within the guard it goes.
        try fleet.commit(Fleet.baseFiles.mapValues { Optional($0) }, message: "restore")
        try fleet.hook()
        fleet.eventually("restored") { try fleet.status().revision == fleet.head && fleet.converged() }
        try fleet.commit(["apps/api.yaml": nil, "policies/api.yaml": nil], message: "drop api")
        try fleet.hook()
        fleet.eventually("api pruned from aws-east (3 of 6 objects: within a 50% guard)") {
            fleet.field("aws-east", "deployment/api", "api", ".spec.replicas") == nil
        }
        #expect(fleet.field("aws-east", "deployment/web", "web", ".spec.replicas") == "2")
        #expect(fleet.stopDaemon() == 0)
    }

    @Test func sigtermMidSyncFinishesWritesAndARestartConverges() throws {
        let fleet = try Fleet()
        try fleet.admin("aws-east", "slow=150")
        try fleet.startDaemon()
        fleet.eventually("the slow cluster's sync under way") {
            fleet.field("aws-east", "configmap/flotilla-inventory", "flotilla-system", ".data.objects") != nil
        }
        let stopped = Date()
        #expect(fleet.stopDaemon() == 0)
        #expect(Date().timeIntervalSince(stopped) < 15)
        try fleet.admin("aws-east", "up")
        // Whatever was written is in the inventory: nothing untracked, nothing half-known.
        let inventory = fleet.field("aws-east", "configmap/flotilla-inventory", "flotilla-system", ".data.objects") ?? ""
        for line in inventory.split(separator: "\n") {
            let parts = line.split(separator: " ")
            #expect(parts.count == 4, "\(line)")
        }
        try fleet.startDaemon()
        fleet.eventually("converged after the restart") { try fleet.converged() }
        let final = fleet.field("aws-east", "configmap/flotilla-inventory", "flotilla-system", ".data.objects") ?? ""
        #expect(final.split(separator: "\n").sorted() == [
            "apps/v1 Deployment api api", "apps/v1 Deployment web web", "v1 ConfigMap api api-config",
            "v1 Namespace - api", "v1 Namespace - web", "v1 Service web web",
        ])
        // Idle: nothing changed, so a webhook and a few seconds later no cluster has seen a single write or list.
        let before = try Self.requestCounts(fleet)
        try fleet.hook()
        Thread.sleep(forTimeInterval: 2)
        #expect(try Self.requestCounts(fleet) == before)
        #expect(fleet.stopDaemon() == 0)
    }

    /// `flotilla_apply_requests_total` lines.
    static func requestCounts(_ fleet: Fleet) throws -> [String] {
        try fleet.http("GET", "/metrics").1.split(separator: "\n")
            .filter { $0.hasPrefix("flotilla_apply_requests_total{") }.map(String.init).sorted()
    }

    @Test func neverTakesOverAnObjectItDoesNotOwn() throws {
        let fleet = try Fleet()
        // Someone created web/web in aws-east by hand before Flotilla came.
        #expect(try fleet.kubectl("aws-east", ["create", "namespace", "web"]).status == 0)
        let created = try fleet.kubectl("aws-east", ["-n", "web", "create", "deployment", "web", "--image=theirs:1", "--replicas=5"])
        #expect(created.status == 0, "\(created.errors)")
        try fleet.startDaemon()
        fleet.eventually("collision reported") {
            try fleet.status().works.contains {
                $0.cluster == "aws-east" && $0.kind == "Deployment" && $0.name == "web" && $0.sync == .failed
                    && ($0.lastError ?? "").contains("collision")
            }
        }
        #expect(fleet.field("aws-east", "deployment/web", "web", ".spec.template.spec.containers[0].image") == "theirs:1")
        #expect(fleet.field("aws-east", "deployment/web", "web", ".spec.replicas") == "5")
        // The other cluster is converged all the same.
        #expect(fleet.field("gcp-west", "deployment/web", "web", ".spec.replicas") == "1")
        #expect(fleet.stopDaemon() == 0)
    }

    /// The webhook without a secret: a body over the limit is refused unread, a flood of pushes coalesces into a burst
    /// of five fetches and then about one a second, and a forged `after` cannot write a line of its own into the log.
    @Test func webhookFloodsAndForgedPayloadsAreContained() throws {
        let fleet = try Fleet()
        try fleet.startDaemon()
        fleet.eventually("initial convergence") { try fleet.converged() }
        let big = fleet.folder.appendingPathComponent("big.json").path
        try String(repeating: "x", count: 3 << 20).write(toFile: big, atomically: true, encoding: .utf8)
        #expect(try fleet.http("POST", "/hooks/git", body: "@" + big).0 == 413)

        func fetches() throws -> Double {
            let metrics = try fleet.http("GET", "/metrics").1
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("flotilla_git_fetch_duration_seconds_count") }
            return Double(line?.split(separator: " ").last ?? "") ?? -1
        }
        let before = try fetches()
        let started = Date()
        // 60 pushes as fast as curl can make them (several per request: one curl, many URLs).
        var arguments = ["curl", "-s", "-o", "/dev/null", "-X", "POST"]
        for _ in 0..<60 {
            arguments += ["--data-binary", #"{"ref":"refs/heads/main"}"#, "http://127.0.0.1:\(fleet.daemonPort)/hooks/git"]
        }
        _ = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), arguments)
        Thread.sleep(forTimeInterval: 1.5)
        let elapsed = Date().timeIntervalSince(started)
        let made = try fetches() - before
        // A burst of five, then about one a second.
        #expect(made >= 1 && made <= elapsed + 6, "\(made) fetches in \(elapsed) s")

        let forged = #"{"ref":"refs/heads/main","after":"abc\nlevel=critical forged=yes"}"#
        #expect(try fleet.http("POST", "/hooks/git", body: forged).0 == 202)
        Thread.sleep(forTimeInterval: 1.2)
        let log = (try? String(contentsOfFile: fleet.daemonLog, encoding: .utf8)) ?? ""
        #expect(!log.split(separator: "\n").contains { $0.hasPrefix("level=critical") })
        #expect(log.contains("abc?level?critical?forged?yes"))
        #expect(fleet.stopDaemon() == 0)
    }

    @Test func webhookChecksGitHubSignaturesAndGitLabTokens() throws {
        let fleet = try Fleet()
        let secretFile = fleet.folder.appendingPathComponent("hook-secret").path
        try "s3cret\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        try fleet.startDaemon(["--webhook-secret-file", secretFile])
        let body = #"{"ref":"refs/heads/main","after":"abc"}"#
        #expect(try fleet.http("POST", "/hooks/git", body: body, headers: ["X-GitHub-Event: push"]).0 == 401)
        // Refused before reading: no signature or token, whatever the size.
        let big = fleet.folder.appendingPathComponent("big.json").path
        try String(repeating: "x", count: 512 << 10).write(toFile: big, atomically: true, encoding: .utf8)
        let (refused, why) = try fleet.http("POST", "/hooks/git", body: "@" + big)
        #expect(refused == 401 && why.contains("no signature or token"))
        #expect(try fleet.http("POST", "/hooks/git", body: body,
                               headers: ["X-Hub-Signature-256: sha256=" + String(repeating: "0", count: 64)]).0 == 401)
        // HMAC-SHA256 of the body with the secret, computed by openssl.
        let mac = try runProcess(URL(fileURLWithPath: "/bin/sh"),
                                 ["-c", "printf '%s' '\(body)' | openssl dgst -sha256 -hmac s3cret -r | cut -d' ' -f1"])
        let signature = mac.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(signature.count == 64)
        #expect(try fleet.http("POST", "/hooks/git", body: body, headers: ["X-Hub-Signature-256: sha256=\(signature)"]).0 == 202)
        #expect(try fleet.http("POST", "/hooks/git", body: body, headers: ["X-Gitlab-Token: s3cret", "X-Gitlab-Event: Push Hook"]).0 == 202)
        #expect(try fleet.http("POST", "/hooks/git", body: body, headers: ["X-Gitlab-Token: wrong"]).0 == 401)
        // A push to another branch is accepted but ignored.
        let other = #"{"ref":"refs/heads/feature"}"#
        let (code, text) = try fleet.http("POST", "/hooks/git", body: other, headers: ["X-Gitlab-Token: s3cret"])
        #expect(code == 202 && text.contains("ignored"))
        #expect(try fleet.http("GET", "/healthz").0 == 200)
        fleet.eventually("ready once the first revision is applied") { try fleet.http("GET", "/readyz").0 == 200 }
        let page = try fleet.http("GET", "/").1
        #expect(page.contains("<h1>Flotilla</h1>") && page.contains("aws-east"))
        #expect(fleet.stopDaemon() == 0)
    }

    @Test func badConfigurationIsAClearErrorWithFileAndLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-config-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("flotilla.yaml").path
        try "repo: /nowhere\nintervall: 5s\n".write(toFile: config, atomically: true, encoding: .utf8)
        let unknown = try runProcess(flotillaBinary, ["run", "--config", config])
        #expect(unknown.status == 1)
        #expect(unknown.errors.contains("flotilla.yaml:2: unknown setting \"intervall\""), "\(unknown.errors)")
        try "repo: /nowhere\ninterval: soon\n".write(toFile: config, atomically: true, encoding: .utf8)
        let duration = try runProcess(flotillaBinary, ["run", "--config", config])
        #expect(duration.status == 1)
        #expect(duration.errors.contains("flotilla.yaml:2: interval: \"soon\" is not a duration"), "\(duration.errors)")
        let guardValue = try runProcess(flotillaBinary, ["run", "--repo", "/nowhere", "--prune-guard", "150"])
        #expect(guardValue.status == 1 && guardValue.errors.contains("between 0 and 100"))
        try "repo: /nowhere\nclusterApiQps: lots\n".write(toFile: config, atomically: true, encoding: .utf8)
        let qps = try runProcess(flotillaBinary, ["run", "--config", config])
        #expect(qps.status == 1 && qps.errors.contains("flotilla.yaml:2: clusterApiQps must be a positive number"), "\(qps.errors)")
    }
}

/// The manifests in `deploy/` stay valid: kubectl applies them to a simulated cluster.
@Suite struct DeployManifestTests {
    static let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func kubectlAppliesTheHostClusterManifests() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-deploy-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let kubeconfig = folder.appendingPathComponent("kubeconfig").path
        let port = freePort()
        let sim = try ServerProcess([flotillaBinary.path, "sim", "--cluster", "host=\(port)", "--kubeconfig-out", kubeconfig],
                                    port: port)
        defer { _ = sim }
        let manifests = Self.projectRoot.appendingPathComponent("deploy/kubernetes").path
        let kubectl = ["kubectl", "--kubeconfig", kubeconfig, "--context", "host"]
        let applied = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), kubectl + ["apply", "-f", manifests])
        #expect(applied.status == 0, "\(applied.errors)")
        for line in ["namespace/flotilla-system created", "serviceaccount/flotilla created",
                     "role.rbac.authorization.k8s.io/flotilla created", "rolebinding.rbac.authorization.k8s.io/flotilla created",
                     "configmap/flotilla-config created", "deployment.apps/flotilla created", "service/flotilla created",
                     "networkpolicy.networking.k8s.io/flotilla created"] {
            #expect(applied.output.contains(line), "\(applied.output)")
        }
        let args = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                  kubectl + ["-n", "flotilla-system", "get", "deployment/flotilla", "-o",
                                             "jsonpath={.spec.template.spec.containers[0].args}"])
        #expect(args.output.contains("\"run\",\"--config\""))
        // Applying again changes nothing.
        let again = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), kubectl + ["apply", "-f", manifests])
        #expect(again.status == 0 && again.output.contains("deployment.apps/flotilla unchanged"), "\(again.output)\(again.errors)")
    }

    @Test func theExampleConfigurationsParse() throws {
        let config = Self.projectRoot.appendingPathComponent("deploy/systemd/flotilla.yaml").path
        let result = try runProcess(flotillaBinary, ["run", "--config", config, "--check-config"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("repo: https://git.example.com/platform/fleet.git\n"))
        #expect(result.output.contains("pruneGuard: 50.0%\n"))
        #expect(result.output.contains("clusterApiQps: 500.0\nclusterApiBurst: 1000\nconcurrentApplies: 4\n"))
        let flags = try runProcess(flotillaBinary, ["run", "--config", config, "--cluster-api-qps", "1000",
                                                    "--concurrent-applies", "8", "--check-config"])
        #expect(flags.output.contains("clusterApiQps: 1000.0\nclusterApiBurst: 1000\nconcurrentApplies: 8\n"), "\(flags.output)")
        // The one inside the host cluster's ConfigMap too (its secret files are given by the test).
        let manifests = try String(contentsOf: Self.projectRoot.appendingPathComponent("deploy/kubernetes/flotilla.yaml"),
                                   encoding: .utf8)
        let start = try #require(manifests.range(of: "  flotilla.yaml: |\n"))
        let body = manifests[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { $0.hasPrefix("    ") }.map { $0.dropFirst(4) }.joined(separator: "\n")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-cfg-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "hook\n".write(to: folder.appendingPathComponent("webhook-secret"), atomically: true, encoding: .utf8)
        try "token\n".write(to: folder.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        let rewritten = body.replacingOccurrences(of: "/etc/flotilla/git", with: folder.path)
        try rewritten.write(to: folder.appendingPathComponent("flotilla.yaml"), atomically: true, encoding: .utf8)
        let host = try runProcess(flotillaBinary, ["run", "--config", folder.appendingPathComponent("flotilla.yaml").path,
                                                   "--check-config"])
        #expect(host.status == 0, "\(host.errors)")
        #expect(host.output.contains("webhookSecret: set\n") && !host.output.contains("token\n"))
    }
}

/// `flotilla up` on the sample repository: the quick start, end to end.
@Suite struct UpCommandTests {
    @Test func upConvergesTheSampleAndAutoscaledReplicasAreLeftAlone() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-up-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let sample = DeployManifestTests.projectRoot.appendingPathComponent("sample-repo").path
        // `up` uses the port before it (the admin endpoint) and one per cluster after it: all must be free.
        let port = freeConsecutivePorts(6) + 1
        let log = folder.appendingPathComponent("up.log").path
        let up = try ServerProcess([flotillaBinary.path, "up", "--repo", sample, "--port", "\(port)",
                                    "--work-dir", folder.appendingPathComponent("up").path, "--ready-delay", "0.2",
                                    "--metric-resolution", "1"],
                                   port: port, logFile: log)
        let kubeconfig = folder.appendingPathComponent("up/kubeconfig").path
        func kubectl(_ cluster: String, _ arguments: [String]) throws -> CommandResult {
            try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                           ["kubectl", "--kubeconfig", kubeconfig, "--context", cluster] + arguments)
        }
        func replicas(_ cluster: String, _ namespace: String, _ name: String) -> String? {
            try? kubectl(cluster, ["-n", namespace, "get", "deployment/\(name)", "-o", "jsonpath={.spec.replicas}"]).output
        }
        func waitFor(_ what: String, _ condition: () throws -> Bool) {
            if waitUntil(timeout: 30, every: 0.1, condition) { return }
            Issue.record("timed out: \(what)\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
        waitFor("placement printed") {
            let text = try String(contentsOfFile: log, encoding: .utf8)
            return text.contains("Placed revision") && text.contains("Status page:   http://127.0.0.1:\(port)/")
        }
        let printed = try String(contentsOfFile: log, encoding: .utf8)
        #expect(printed.contains("Deployment.apps web/web-frontend → ali-hangzhou×2, hw-shanghai×4"), "\(printed)")
        waitFor("every work synced and healthy") {
            let status = try runProcess(flotillaBinary, ["status", "--server", "http://127.0.0.1:\(port)", "-o", "json"])
            let report = try StatusReport.decoder().decode(StatusReport.self, from: Data(status.output.utf8))
            return report.works.count > 20 && report.works.allSatisfy { $0.sync == .synced && $0.health == .healthy }
        }
        let table = try runProcess(flotillaBinary, ["status", "--server", "http://127.0.0.1:\(port)"])
        #expect(table.status == 0)
        #expect(table.output.split(separator: "\n").contains { $0.hasPrefix("hw-shanghai ") && $0.contains(" True ") },
                "\(table.output)")
        #expect(replicas("hw-shanghai", "web", "web-frontend") == "4")

        // orders-api is scaled by a FederatedHPA: Flotilla's autoscaler owns its replicas, as Karmada's does, so a
        // hand-made scale in a member cluster is drift and is healed like any other.
        let before = replicas("hw-shanghai", "shop", "orders-api")
        #expect(try kubectl("hw-shanghai", ["-n", "shop", "scale", "deployment/orders-api", "--replicas=7"]).status == 0)
        #expect(try kubectl("hw-shanghai", ["-n", "web", "scale", "deployment/web-frontend", "--replicas=9"]).status == 0)
        waitFor("web-frontend healed") { replicas("hw-shanghai", "web", "web-frontend") == "4" }
        waitFor("orders-api healed") { replicas("hw-shanghai", "shop", "orders-api") == before }
        #expect(before != "7")
        // The autoscaler's status: at 50% CPU against a 70% target it would shrink, but not below its minimum of 4.
        waitFor("the autoscaler reports") {
            let status = try runProcess(flotillaBinary, ["status", "--server", "http://127.0.0.1:\(port)", "-o", "json"])
            let report = try StatusReport.decoder().decode(StatusReport.self, from: Data(status.output.utf8))
            guard let hpa = report.autoscalers.first(where: { $0.name == "orders-api" }) else { return false }
            return hpa.replicas == 4 && hpa.minReplicas == 4 && hpa.maxReplicas == 20 && hpa.withinBounds
                && hpa.desiredReplicas == 4
                && hpa.currentMetrics?.first?.averageUtilization == 50
                && hpa.conditions?.contains { $0.reason == "TooFewReplicas" } == true
        }

        // The status branch is in the local repository `up` made.
        waitFor("status branch") {
            let log = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                     ["git", "--git-dir", folder.appendingPathComponent("up/source.git").path, "log", "--oneline",
                                      "flotilla/status"])
            return log.status == 0 && log.output.contains("status: ")
        }
        kill(up.process.processIdentifier, SIGINT)
        let status = exitStatus(of: up.process)
        let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(30)
            .joined(separator: "\n")
        #expect(status == 0, "flotilla up ended with \(status) on SIGINT:\n\(tail)")
        // A status branch or drift folder not written yet is not a failed fetch to report every poll.
        #expect(!((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("fetch failed"), "\(tail)")
    }
}
