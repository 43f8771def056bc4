import FlotillaEngine
import FlotillaModel
import FlotillaTestSupport
import Foundation
import Testing

/// The safety rules of DESIGN.md section 4, each as a user or an attacker would break them: `flotilla run` against
/// simulated clusters, observed with kubectl.
@Suite(.serialized) struct SafetyEndToEndTests {
    static let widgetCRD = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget}
          versions:
            - {name: v1alpha1, served: true, storage: false, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
            - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}

        """

    static func widget(version: String, size: Int = 1) -> String {
        """
        apiVersion: example.com/\(version)
        kind: Widget
        metadata: {name: w1, namespace: web}
        spec: {size: \(size)}
        ---
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: widgets, namespace: web}
        spec:
          resourceSelectors:
            - {apiVersion: example.com/\(version), kind: Widget}
          placement:
            clusterAffinity: {clusterNames: [aws-east]}

        """
    }

    static let crdPolicy = """
        apiVersion: policy.karmada.io/v1alpha1
        kind: ClusterPropagationPolicy
        metadata: {name: crds}
        spec:
          resourceSelectors:
            - {apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition}
          placement:
            clusterAffinity: {clusterNames: [aws-east]}

        """

    static func work(_ report: StatusReport, _ cluster: String, _ kind: String, _ name: String) -> WorkStatus? {
        report.works.first { $0.cluster == cluster && $0.kind == kind && $0.name == name }
    }

    @Test func aFailedRenderKeepsTheLastGoodWorksAndReportsThem() throws {
        let fleet = try Fleet()
        try fleet.startDaemon()
        fleet.eventually("initial convergence") { try fleet.converged() }
        let uid = fleet.field("aws-east", "deployment/web", "web", ".metadata.uid")
        #expect(uid != nil)

        // An override whose JSON-patch path does not exist on the template.
        let override = """
            apiVersion: policy.karmada.io/v1alpha1
            kind: OverridePolicy
            metadata: {name: web, namespace: web}
            spec:
              resourceSelectors:
                - {apiVersion: apps/v1, kind: Deployment, name: web}
              overrideRules:
                - targetCluster: {clusterNames: [aws-east]}
                  overriders:
                    plaintext:
                      - {path: /spec/template/spec/nothere/0/image, operator: replace, value: "x:1"}

            """
        try fleet.commit(["policies/web-override.yaml": override], message: "an override that cannot apply")
        try fleet.hook()
        fleet.eventually("the work reported Failed with the override's error") {
            let report = try fleet.status()
            guard report.revision == fleet.head, let web = Self.work(report, "aws-east", "Deployment", "web") else {
                return false
            }
            return web.sync == .failed && (web.lastError ?? "").contains("last good work")
                && web.errorCode == "RenderFailed" && web.retryable == false
        }
        #expect(fleet.field("aws-east", "deployment/web", "web", ".metadata.uid") == uid)
        #expect(fleet.field("gcp-west", "deployment/web", "web", ".spec.replicas") == "1")

        // More replicas than the clusters can hold, Aggregated: "not enough" keeps what runs.
        let aggregated = Fleet.webPolicy().replacingOccurrences(of: """
                  replicaDivisionPreference: Weighted
                  weightPreference:
                    staticWeightList:
                      - targetCluster: {clusterNames: [aws-east]}
                        weight: 2
                      - targetCluster: {clusterNames: [gcp-west]}
                        weight: 1
            """, with: "      replicaDivisionPreference: Aggregated\n")
        #expect(aggregated.contains("Aggregated"))
        try fleet.commit(["policies/web-override.yaml": nil, "policies/web.yaml": aggregated,
                          "apps/web.yaml": Fleet.web(replicas: 100_000)], message: "far too many replicas")
        try fleet.hook()
        fleet.eventually("placement failure reported, works kept in both clusters") {
            let report = try fleet.status()
            guard report.revision == fleet.head else { return false }
            let placement = report.placements.first { $0.kind == "Deployment" && $0.name == "web" }
            return placement?.error != nil
                && Self.work(report, "aws-east", "Deployment", "web")?.sync == .failed
                && Self.work(report, "gcp-west", "Deployment", "web")?.sync == .failed
        }
        #expect(fleet.field("aws-east", "deployment/web", "web", ".metadata.uid") == uid)
        #expect(fleet.field("aws-east", "deployment/web", "web", ".spec.replicas") == "2")
        #expect(fleet.field("gcp-west", "deployment/web", "web", ".spec.replicas") == "1")
        #expect(fleet.stopDaemon() == 0)
    }

    @Test func anObjectSomeoneTookOverIsReleasedNotTakenBack() throws {
        let fleet = try Fleet()
        try fleet.startDaemon()
        fleet.eventually("initial convergence") { try fleet.converged() }
        let label = ".metadata.labels.app\\.kubernetes\\.io/managed-by"
        let taken = try fleet.kubectl("aws-east", ["-n", "web", "label", "deployment/web", "app.kubernetes.io/managed-by-"])
        #expect(taken.status == 0, "\(taken.errors)")
        fleet.eventually("released and reported") {
            let web = Self.work(try fleet.status(), "aws-east", "Deployment", "web")
            return (web?.lastError ?? "").contains("released")
        }
        // A later change to the template is not forced onto it either.
        try fleet.commit(["apps/web.yaml": Fleet.web(image: "nginx:9")], message: "web 9")
        try fleet.hook()
        fleet.eventually("gcp-west updated") {
            fleet.field("gcp-west", "deployment/web", "web", ".spec.template.spec.containers[0].image") == "nginx:9"
        }
        Thread.sleep(forTimeInterval: 1)
        #expect(fleet.field("aws-east", "deployment/web", "web", label) == "")
        #expect(fleet.field("aws-east", "deployment/web", "web", ".spec.template.spec.containers[0].image") == "nginx:1.0")
        let report = try fleet.status()
        #expect((Self.work(report, "aws-east", "Deployment", "web")?.lastError ?? "").contains("released"))
        #expect(Self.work(report, "aws-east", "Deployment", "web")?.errorCode == "Released")
        #expect(!report.openDrift.contains { $0.cluster == "aws-east" && $0.name == "web" && $0.kind == "Deployment" })
        #expect(!report.healedDrift.contains { $0.cluster == "aws-east" && $0.name == "web" && $0.kind == "Deployment" })
        let inventory = fleet.field("aws-east", "configmap/flotilla-inventory", "flotilla-system", ".data.objects") ?? ""
        #expect(!inventory.contains("Deployment web web"))
        #expect(fleet.stopDaemon() == 0)
    }

    @Test func aNamespaceIsPrunedOnlyWhenNothingElseLivesInIt() throws {
        let fleet = try Fleet()
        try fleet.startDaemon()
        fleet.eventually("initial convergence") { try fleet.converged() }
        let namespaceUID = fleet.field("aws-east", "namespace/api", "default", ".metadata.uid")
        let deploymentUID = fleet.field("aws-east", "deployment/api", "api", ".metadata.uid")
        #expect(namespaceUID != nil && deploymentUID != nil)
        // Someone else's ConfigMap in the api namespace of dc1 (which runs nothing of Flotilla's there).
        #expect(try fleet.kubectl("dc1", ["-n", "api", "create", "configmap", "theirs", "--from-literal=a=b"]).status == 0)
        // The Namespace manifest leaves the source; the api Deployment and ConfigMap stay.
        let withoutNamespace = Fleet.api.components(separatedBy: "---\n").dropFirst().joined(separator: "---\n")
        try fleet.commit(["apps/api.yaml": withoutNamespace], message: "namespace manifest removed")
        try fleet.hook()
        fleet.eventually("gcp-west, where nothing else lives in api, loses the namespace") {
            fleet.field("gcp-west", "namespace/api", "default", ".metadata.name") == nil
        }
        fleet.eventually("aws-east and dc1 keep it and say so") {
            let clusters = try fleet.status().clusters
            let kept = { (name: String) in clusters.first { $0.name == name }?.kept?.joined(separator: "\n") ?? "" }
            return kept("aws-east").contains("Namespace api") && kept("dc1").contains("ConfigMap theirs")
        }
        #expect(fleet.field("aws-east", "namespace/api", "default", ".metadata.uid") == namespaceUID)
        #expect(fleet.field("aws-east", "deployment/api", "api", ".metadata.uid") == deploymentUID)
        #expect(fleet.field("dc1", "configmap/theirs", "api", ".data.a") == "b")
        #expect(fleet.stopDaemon() == 0)
    }

    @Test func customResourcesConvergeWithTheirCRDAndAnUnservableKindFailsOnlyItself() throws {
        let fleet = try Fleet()
        try fleet.startDaemon()
        fleet.eventually("initial convergence") { try fleet.converged() }
        // A CRD and a resource of it in one commit, and a kind nobody serves (a typo), on the same cluster.
        let typo = """
            apiVersion: v1
            kind: ConfigMapp
            metadata: {name: typo, namespace: web}
            data: {a: b}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: typo, namespace: web}
            spec:
              resourceSelectors:
                - {apiVersion: v1, kind: ConfigMapp}
              placement:
                clusterAffinity: {clusterNames: [aws-east]}

            """
        try fleet.commit(["crds/widgets.yaml": Self.widgetCRD, "policies/crds.yaml": Self.crdPolicy,
                          "apps/widget.yaml": Self.widget(version: "v1alpha1"), "apps/typo.yaml": typo],
                         message: "CRD, custom resource and a typo")
        try fleet.hook()
        fleet.eventually("the custom resource is there", timeout: 30) {
            fleet.field("aws-east", "widgets.example.com/w1", "web", ".spec.size") == "1"
        }
        // API enablement comes from each cluster's discovery, as Karmada's scheduler has it: no cluster serves the
        // kind, so the template is not placed, and says why.
        fleet.eventually("the typo fails alone, with why") {
            let typo = try fleet.status().placements.first { $0.kind == "ConfigMapp" && $0.name == "typo" }
            return typo?.clusters.isEmpty == true && (typo?.error ?? "").contains("did not have the API resource")
        }
        // An unrelated change on that cluster is not held by the typo.
        try fleet.commit(["apps/web.yaml": Fleet.web(image: "nginx:2")], message: "web 2")
        try fleet.hook()
        fleet.eventually("web 2 in aws-east") {
            fleet.field("aws-east", "deployment/web", "web", ".spec.template.spec.containers[0].image") == "nginx:2"
        }
        // v1alpha1 → v1 is the same object, updated in place.
        let uid = fleet.field("aws-east", "widgets.example.com/w1", "web", ".metadata.uid")
        #expect(uid != nil)
        try fleet.commit(["apps/widget.yaml": Self.widget(version: "v1", size: 2)], message: "widgets v1")
        try fleet.hook()
        fleet.eventually("the widget updated") {
            fleet.field("aws-east", "widgets.example.com/w1", "web", ".spec.size") == "2"
        }
        #expect(fleet.field("aws-east", "widgets.example.com/w1", "web", ".metadata.uid") == uid)
        fleet.eventually("the inventory holds it under v1") {
            let inventory = fleet.field("aws-east", "configmap/flotilla-inventory", "flotilla-system", ".data.objects") ?? ""
            return inventory.contains("example.com/v1 Widget web w1") && !inventory.contains("v1alpha1")
        }
        // A CRD whose resources remain is not pruned with them gone from the source only partly: drop the CRD alone.
        try fleet.commit(["crds/widgets.yaml": nil], message: "CRD removed, its resource kept")
        try fleet.hook()
        fleet.eventually("the CRD is kept and reported") {
            let kept = try fleet.status().clusters.first { $0.name == "aws-east" }?.kept?.joined() ?? ""
            return kept.contains("CustomResourceDefinition") && kept.contains("Widget w1")
        }
        #expect(fleet.field("aws-east", "widgets.example.com/w1", "web", ".spec.size") == "2")
        #expect(fleet.stopDaemon() == 0)
    }

    @Test func statusCommitsOnTheSourceBranchAreNeverReconciled() throws {
        let fleet = try Fleet()
        try fleet.startDaemon(["--status-branch", "main", "--status-prefix", "flotilla-status", "--interval", "1s"])
        fleet.eventually("initial convergence") { try fleet.converged() }
        fleet.eventually("a status commit on main") {
            (try? Fleet.git(["log", "-1", "--format=%s", "main"], in: fleet.source))?.hasPrefix("status:") == true
        }
        Thread.sleep(forTimeInterval: 3)
        let count = { Int((try? Fleet.git(["rev-list", "--count", "main"], in: fleet.source))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? -1 }
        let before = count()
        Thread.sleep(forTimeInterval: 4)
        #expect(count() == before, "status commits keep coming: each one was taken for a new revision")
        let report = try fleet.status()
        #expect(report.revision != nil && report.sourceErrors.isEmpty)
        #expect(fleet.stopDaemon() == 0)
    }

    @Test func aRestartOnABrokenHeadKeepsTheLastGoodRevisionInForce() throws {
        let fleet = try Fleet()
        try fleet.startDaemon()
        fleet.eventually("initial convergence") { try fleet.converged() }
        let good = fleet.head
        #expect(fleet.stopDaemon() == 0)
        try fleet.commit(["apps/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n"], message: "broken")
        try fleet.startDaemon()
        fleet.eventually("the last good revision in force, the error reported") {
            let report = try fleet.status()
            return report.revision == good && report.sourceErrors.contains { $0.contains("apps/broken.yaml:") }
        }
        #expect(try fleet.http("GET", "/readyz").0 == 200)
        // Healing goes on.
        #expect(try fleet.kubectl("aws-east", ["-n", "web", "scale", "deployment/web", "--replicas=9"]).status == 0)
        fleet.eventually("healed") { fleet.field("aws-east", "deployment/web", "web", ".spec.replicas") == "2" }
        #expect(fleet.stopDaemon() == 0)
    }

    @Test func deadHungAndNodelessClustersHoldNothingElse() throws {
        let fleet = try Fleet()
        try fleet.admin("gcp-west", "down")
        try fleet.admin("dc1", "hang")
        try fleet.admin("aws-east", "forbid=nodes")
        let started = Date()
        try fleet.startDaemon()
        // The status endpoint answers at once, and the healthy cluster converges without waiting for the others.
        #expect(try fleet.http("GET", "/api/v1/status").0 == 200)
        fleet.eventually("aws-east converged", timeout: 20) {
            let web = Self.work(try fleet.status(), "aws-east", "Deployment", "api")
            return web?.sync == .synced && web?.health == .healthy
        }
        #expect(Date().timeIntervalSince(started) < 20)
        let aws = try fleet.status().clusters.first { $0.name == "aws-east" }
        #expect(aws?.ready == true)
        #expect(aws?.capacity?.contains("nodes cannot be listed") == true)
        // SIGTERM with a hung cluster: out within 10 s, cleanly.
        let stopping = Date()
        #expect(fleet.stopDaemon() == 0)
        #expect(Date().timeIntervalSince(stopping) <= 10)
        try fleet.admin("dc1", "up")
    }

    @Test func twoInstancesShareClustersAndEachTouchesOnlyItsOwn() throws {
        let fleet = try Fleet()
        try fleet.startDaemon()
        fleet.eventually("instance flotilla converged") { try fleet.converged() }
        // Team B: a repository of its own, the same clusters, its own instance name.
        let teamRepository = try GitWorkingCopy(in: fleet.folder, name: "b", author: ("B", "b@example.com"))
        let source = teamRepository.bare
        try teamRepository.commit([
            "clusters/aws-east.yaml": Fleet.clusterFile("aws-east", cloud: "aws", env: "prod"),
            "apps/b.yaml": """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: b-config, namespace: web}
                data: {team: b}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, namespace: web}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: b}}
                  template:
                    metadata: {labels: {app: b}}
                    spec: {containers: [{name: b, image: "team-b:1"}]}
                ---
                apiVersion: policy.karmada.io/v1alpha1
                kind: PropagationPolicy
                metadata: {name: b, namespace: web}
                spec:
                  resourceSelectors:
                    - {apiVersion: v1, kind: ConfigMap, name: b-config}
                    - {apiVersion: apps/v1, kind: Deployment, name: web}
                  placement:
                    clusterAffinity: {clusterNames: [aws-east]}

                """,
        ], message: "team b")
        let port = freePort()
        let teamB = try ServerProcess([flotillaBinary.path, "run", "--repo", source, "--ref", "main",
                                       "--kubeconfig", fleet.kubeconfig, "--listen", "127.0.0.1:\(port)",
                                       "--status-branch", "", "--instance", "team-b", "--probe-interval", "0.3s",
                                       "--cache-dir", fleet.folder.appendingPathComponent("cache-b").path],
                                      port: port, logFile: fleet.folder.appendingPathComponent("b.log").path)
        defer { kill(teamB.process.processIdentifier, SIGTERM) }
        fleet.eventually("team b's ConfigMap is there, labelled as team b's") {
            fleet.field("aws-east", "configmap/b-config", "web", ".metadata.labels.app\\.kubernetes\\.io/managed-by")
                == "team-b"
        }
        fleet.eventually("team b reports the Deployment of instance flotilla as a collision") {
            let result = try runProcess(flotillaBinary, ["status", "--server", "http://127.0.0.1:\(port)", "-o", "json"])
            let report = try StatusReport.decoder().decode(StatusReport.self, from: Data(result.output.utf8))
            let web = Self.work(report, "aws-east", "Deployment", "web")
            return (web?.lastError ?? "").contains("collision") && web?.errorCode == "Collision" && web?.retryable == false
        }
        #expect(fleet.field("aws-east", "deployment/web", "web", ".spec.template.spec.containers[0].image") == "nginx:1.0")
        let inventoryB = fleet.field("aws-east", "configmap/team-b-inventory", "flotilla-system", ".data.objects") ?? ""
        #expect(inventoryB.contains("v1 ConfigMap web b-config") && !inventoryB.contains("Deployment"))
        // Instance flotilla prunes what it no longer wants, and nothing of team b's.
        try fleet.commit(["apps/api.yaml": nil, "policies/api.yaml": nil], message: "drop api")
        try fleet.hook()
        fleet.eventually("api pruned") { fleet.field("aws-east", "deployment/api", "api", ".spec.replicas") == nil }
        #expect(fleet.field("aws-east", "configmap/b-config", "web", ".data.team") == "b")
        #expect(!(fleet.field("aws-east", "configmap/flotilla-inventory", "flotilla-system", ".data.objects") ?? "")
            .contains("b-config"))
        #expect(fleet.stopDaemon() == 0)
    }

    @Test func whatTheServerNormalisesIsNotDrift() throws {
        let app = """
            apiVersion: v1
            kind: Secret
            metadata: {name: creds, namespace: web}
            stringData: {password: hunter2}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: sized, namespace: web}
            spec:
              replicas: 1
              selector: {matchLabels: {app: sized}}
              template:
                metadata: {labels: {app: sized}}
                spec:
                  containers:
                    - name: app
                      image: "app:1"
                      resources:
                        requests: {cpu: 1000m, memory: 1024Mi}
                        limits: {cpu: 2, memory: 2Gi}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: sized, namespace: web}
            spec:
              resourceSelectors:
                - {apiVersion: v1, kind: Secret, name: creds}
                - {apiVersion: apps/v1, kind: Deployment, name: sized}
              placement:
                clusterAffinity: {clusterNames: [aws-east]}

            """
        var files = Fleet.baseFiles
        files["apps/sized.yaml"] = app
        let fleet = try Fleet(files: files)
        try fleet.startDaemon()
        fleet.eventually("converged") { try fleet.converged() }
        // The server holds them in its own form ...
        let containers = ".spec.template.spec.containers[0].resources"
        #expect(fleet.field("aws-east", "deployment/sized", "web", "\(containers).requests.cpu") == "1")
        #expect(fleet.field("aws-east", "deployment/sized", "web", "\(containers).requests.memory") == "1Gi")
        #expect(fleet.field("aws-east", "deployment/sized", "web", "\(containers).limits.cpu") == "2")
        #expect(fleet.field("aws-east", "secret/creds", "web", ".data.password") == "aHVudGVyMg==")
        #expect(fleet.field("aws-east", "secret/creds", "web", ".stringData") == "")
        // ... which is no drift, now or after a while.
        Thread.sleep(forTimeInterval: 1.5)
        let report = try fleet.status()
        #expect(report.openDrift.isEmpty, "\(report.openDrift)")
        #expect(report.healedDrift.isEmpty, "\(report.healedDrift)")
        #expect(try fleet.converged())
        // A real change to the Secret still is drift, healed, its values never shown.
        #expect(try fleet.kubectl("aws-east", ["-n", "web", "patch", "secret/creds", "-p", #"{"data":{"password":"eA=="}}"#])
            .status == 0)
        fleet.eventually("healed") { fleet.field("aws-east", "secret/creds", "web", ".data.password") == "aHVudGVyMg==" }
        fleet.eventually("recorded, redacted") {
            let healed = try fleet.status().healedDrift
            return healed.contains { $0.name == "creds" && $0.fields.allSatisfy { $0.live == .string("(redacted)") } }
        }
        let body = try fleet.http("GET", "/api/v1/status").1
        #expect(!body.contains("hunter2") && !body.contains("aHVudGVyMg=="))
        #expect(fleet.stopDaemon() == 0)
    }
}
