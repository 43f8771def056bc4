import FlotillaDiff
@testable import FlotillaEngine
import FlotillaModel
@testable import FlotillaServer
import Foundation
import Testing

private func json(_ text: String) -> JSONValue {
    JSONValue(foundation: try! JSONSerialization.jsonObject(with: Data(text.utf8)))
}

@Suite struct LiveComparisonTests {
    @Test func serverDefaultsStatusAndMetadataAreNotDrift() {
        let desired = json(#"{"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"a","image":"x:1"}]}}}}"#)
        let live = json(#"{"metadata":{"uid":"u","resourceVersion":"9"},"status":{"readyReplicas":2},"spec":{"replicas":2.0,"strategy":{},"template":{"spec":{"containers":[{"name":"a","image":"x:1","terminationMessagePath":"/dev/termination-log"}]}}}}"#)
        #expect(LiveComparison.differences(desired: desired, live: live).isEmpty)
    }

    @Test func changedRemovedAndResizedFieldsAreDrift() {
        let desired = json(#"{"spec":{"replicas":2,"ports":[{"port":80}],"template":{"spec":{"containers":[{"name":"a","image":"x:1"}]}}},"data":{"k":"v"}}"#)
        let live = json(#"{"spec":{"replicas":5,"ports":[{"port":80},{"port":81}],"template":{"spec":{"containers":[{"name":"a","image":"x:2"}]}}}}"#)
        let found = LiveComparison.differences(desired: desired, live: live)
        #expect(found.map(\.path) == ["data", "spec.ports", "spec.replicas", "spec.template.spec.containers[0].image"])
        #expect(found[2].desired == .int(2) && found[2].live == .int(5))
        #expect(found[0].live == nil)
    }

    @Test(arguments: [
        ("1000m", "1", true), ("1", "1", true), ("0.5", "500m", true), ("1024Mi", "1Gi", true), ("1Gi", "1Gi", true),
        ("1500Mi", "1500Mi", true), ("128974848", "128974848", true), ("1G", "1G", true), ("100m", "200m", false),
    ])
    func quantitiesAsTheServerStoresThemAreNotDrift(_ desired: String, _ stored: String, _ same: Bool) {
        #expect(Quantity(desired).canonical == (same ? stored : Quantity(desired).canonical))
        let wanted = json(#"{"spec":{"containers":[{"resources":{"requests":{"cpu":"\#(desired)"}}}]}}"#)
        let live = json(#"{"spec":{"containers":[{"resources":{"requests":{"cpu":"\#(stored)"}}}]}}"#)
        #expect(LiveComparison.differences(desired: wanted, live: live).isEmpty == same)
        // Outside quantity fields, strings compare as strings.
        #expect(LiveComparison.differences(desired: json(#"{"data":{"cpu":"1000m"}}"#),
                                           live: json(#"{"data":{"cpu":"1"}}"#)).count == 1)
    }

    @Test func aNumberInAQuantityFieldEqualsItsStoredString() {
        let wanted = json(#"{"spec":{"hard":{"pods":10,"cpu":2}}}"#)
        let live = json(#"{"spec":{"hard":{"pods":"10","cpu":"2"}}}"#)
        #expect(LiveComparison.differences(desired: wanted, live: live).isEmpty)
    }

    @Test func aSecretsStringDataComparesAsTheDataTheServerKeeps() {
        let secret = json(#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"stringData":{"k":"v"}}"#)
        let work = DesiredWork(object: secret, template: ResourceIdentity(group: "", kind: "Secret", namespace: nil,
                                                                          name: "s"), delegatedPaths: [])
        let live = { (data: String) in
            json(#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","uid":"u"},"type":"Opaque","data":{"k":"\#(data)"}}"#)
        }
        #expect(work.differences(from: live("dg==")).isEmpty)
        #expect(work.differences(from: live("eA==")).map(\.path) == ["data.k"])
    }

    @Test func ignoredPathsAreSkipped() {
        let desired = json(#"{"spec":{"replicas":2,"paused":false}}"#)
        let live = json(#"{"spec":{"replicas":9,"paused":true}}"#)
        #expect(LiveComparison.differences(desired: desired, live: live, ignoring: ["spec.replicas"]).map(\.path) == ["spec.paused"])
    }
}

@Suite struct HealthCheckTests {
    @Test(arguments: [
        (#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"generation":2},"spec":{"replicas":3},"status":{"observedGeneration":2,"replicas":3,"updatedReplicas":3,"readyReplicas":3,"availableReplicas":3}}"#, HealthStatus.healthy),
        (#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"generation":3},"spec":{"replicas":3},"status":{"observedGeneration":2,"replicas":3,"updatedReplicas":3,"readyReplicas":3,"availableReplicas":3}}"#, .progressing),
        (#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"generation":2},"spec":{"replicas":3},"status":{"observedGeneration":2,"updatedReplicas":3,"readyReplicas":1,"availableReplicas":1}}"#, .progressing),
        (#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"generation":1},"spec":{"replicas":3,"paused":true}}"#, .suspended),
        (#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"generation":1},"spec":{"replicas":3},"status":{"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded"}]}}"#, .degraded),
        (#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","status":{"phase":"Pending"}}"#, .progressing),
        (#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","status":{"phase":"Bound"}}"#, .healthy),
        (#"{"apiVersion":"v1","kind":"Service","spec":{"type":"LoadBalancer"},"status":{}}"#, .progressing),
        (#"{"apiVersion":"batch/v1","kind":"Job","status":{"conditions":[{"type":"Failed","status":"True"}]}}"#, .degraded),
        (#"{"apiVersion":"v1","kind":"ConfigMap"}"#, .healthy),
        // Karmada's interpreter for DaemonSets, Ingresses, Pods and PodDisruptionBudgets (KARMADA.md E.5).
        (#"{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"generation":2},"status":{"observedGeneration":2,"desiredNumberScheduled":3,"updatedNumberScheduled":3,"numberAvailable":3}}"#, .healthy),
        (#"{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"generation":2},"status":{"observedGeneration":2,"desiredNumberScheduled":3,"updatedNumberScheduled":3,"numberAvailable":2}}"#, .progressing),
        (#"{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"generation":3},"status":{"observedGeneration":2,"desiredNumberScheduled":3,"updatedNumberScheduled":3,"numberAvailable":3}}"#, .progressing),
        (#"{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","status":{"loadBalancer":{"ingress":[{"ip":"10.0.0.1"}]}}}"#, .healthy),
        (#"{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","status":{"loadBalancer":{}}}"#, .progressing),
        (#"{"apiVersion":"v1","kind":"Pod","status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}"#, .healthy),
        (#"{"apiVersion":"v1","kind":"Pod","status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"}]}}"#, .progressing),
        (#"{"apiVersion":"v1","kind":"Pod","status":{"phase":"Succeeded"}}"#, .healthy),
        (#"{"apiVersion":"v1","kind":"Pod","status":{"phase":"Failed"}}"#, .degraded),
        (#"{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","status":{"currentHealthy":2,"desiredHealthy":2}}"#, .healthy),
        (#"{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","status":{"currentHealthy":1,"desiredHealthy":2}}"#, .degraded),
    ])
    func assess(_ object: String, _ expected: HealthStatus) {
        #expect(HealthCheck.assess(json(object)).status == expected)
    }

    @Test func missingObjectsAndWorstWinsAggregation() {
        #expect(HealthCheck.assess(nil).status == .missing)
        #expect(HealthStatus.aggregate([.healthy, .suspended, .progressing]) == .progressing)
        #expect(HealthStatus.aggregate([.healthy, .missing, .degraded]) == .degraded)
        #expect(HealthStatus.aggregate([.degraded, .unknown]) == .unknown)
        #expect(HealthStatus.aggregate([]) == .healthy)
    }
}

@Suite struct ObjectKeyTests {
    @Test func applyOrderFollowsTheDesign() {
        let keys = [("apps/v1", "Deployment"), ("v1", "Service"), ("v1", "Secret"), ("v1", "ConfigMap"), ("v1", "Namespace"),
                    ("networking.k8s.io/v1", "Ingress"), ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
                    ("v1", "PersistentVolumeClaim"), ("rbac.authorization.k8s.io/v1", "Role"), ("v1", "ServiceAccount")]
            .map { ObjectKey(apiVersion: $0.0, kind: $0.1, namespace: "n", name: "x") }
        #expect(keys.sorted().map(\.kind) == ["Namespace", "CustomResourceDefinition", "ServiceAccount", "Role", "ConfigMap",
                                             "Secret", "PersistentVolumeClaim", "Service", "Deployment", "Ingress"])
    }

    @Test func inventoryLinesRoundTrip() {
        let key = ObjectKey(apiVersion: "apps/v1", kind: "Deployment", namespace: "web", name: "front")
        #expect(key.inventoryLine == "apps/v1 Deployment web front")
        #expect(ObjectKey(inventoryLine: Substring(key.inventoryLine)) == key)
        let cluster = ObjectKey(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "web")
        #expect(ObjectKey(inventoryLine: Substring(cluster.inventoryLine)) == cluster)
        #expect(ObjectKey(inventoryLine: "too few") == nil)
    }

    @Test func desiredWorksCompareWithoutTheSourceAnnotationAndDelegatedReplicas() {
        let first = DesiredWork(object: json(#"{"metadata":{"annotations":{"flotilla.dev/source":".@a"}},"spec":{"replicas":2}}"#),
                                template: ResourceIdentity(group: "apps", kind: "Deployment", namespace: "n", name: "x"),
                                delegatedPaths: ["spec.replicas"])
        let second = DesiredWork(object: json(#"{"metadata":{"annotations":{"flotilla.dev/source":".@b"}},"spec":{"replicas":7}}"#),
                                 template: first.template, delegatedPaths: ["spec.replicas"])
        #expect(first.comparable == second.comparable)
        #expect(first.comparable.value(at: ["spec", "replicas"]) == nil)
    }
}

@Suite struct WebhookTests {
    // HMAC-SHA256("It's a Secret to Everybody", "Hello, World!"), GitHub's documented example.
    let body = Data("Hello, World!".utf8)
    let signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    @Test func gitHubSignature() {
        #expect(Webhook.verify(headers: ["x-hub-signature-256": signature], body: body,
                               secret: "It's a Secret to Everybody") == .success)
        #expect(Webhook.verify(headers: ["x-hub-signature-256": signature], body: Data("Hello, World?".utf8),
                               secret: "It's a Secret to Everybody") == .failure("signature mismatch"))
        #expect(Webhook.verify(headers: ["x-hub-signature-256": "sha1=00"], body: body, secret: "s")
                == .failure("malformed X-Hub-Signature-256"))
        #expect(Webhook.verify(headers: [:], body: body, secret: nil) == .success)
        guard case .failure = Webhook.verify(headers: [:], body: body, secret: "s") else {
            Issue.record("an unsigned request passed with a secret set")
            return
        }
    }

    @Test func payloads() {
        let github = Webhook.parse(headers: ["x-github-event": "push"],
                                   body: Data(#"{"ref":"refs/heads/main","after":"abc"}"#.utf8))
        #expect(github == Webhook.Push(provider: "github", ref: "refs/heads/main", after: "abc"))
        let gitlab = Webhook.parse(headers: ["x-gitlab-event": "Push Hook"],
                                   body: Data(#"{"ref":"refs/heads/dev","checkout_sha":"def"}"#.utf8))
        #expect(gitlab == Webhook.Push(provider: "gitlab", ref: "refs/heads/dev", after: "def"))
        #expect(Webhook.parse(headers: [:], body: Data("not json".utf8)).ref == nil)
    }
}

@Suite struct StatusFilesTests {
    static func report() -> StatusReport {
        let work = WorkStatus(cluster: "a", apiVersion: "v1", kind: "Secret", namespace: "n", name: "s", template: "Secret n/s",
                              sync: .synced, health: .healthy, message: nil, desiredReplicas: nil, readyReplicas: nil,
                              appliedRevision: "abc", lastError: nil)
        let drift = DriftRecord(cluster: "a", object: "Secret n/s", apiVersion: "v1", kind: "Secret", namespace: "n", name: "s",
                                change: "modified", fields: [FieldDrift(path: "data.password", desired: .string("(redacted)"),
                                                                        live: .string("(redacted)"))],
                                manager: "kubectl-edit", detectedAt: Date(timeIntervalSince1970: 0), healedAt: nil)
        let cluster = ClusterStatus(name: "a", ready: true, reason: nil, kubernetesVersion: "v1.31.0", nodes: 3,
                                    allocatable: ["cpu": "24", "memory": "96Gi"], lastTransition: Date(timeIntervalSince1970: 0),
                                    lastProbe: Date(), lastError: nil, held: nil, works: 1, synced: 1, healthy: 1)
        return StatusReport(revision: "abc", latestSeen: "abc", sourcePath: "", sourceErrors: [], ready: true,
                            clusters: [cluster],
                            placements: [.init(template: "Secret n/s", apiVersion: "v1", kind: "Secret", namespace: "n", name: "s",
                                               policy: "PropagationPolicy n/p", clusters: [.init(name: "a", replicas: nil)], error: nil)],
                            works: [work], openDrift: [drift], healedDrift: [], statusCommits: 0, lastPushError: nil)
    }

    @Test func filesAreDeterministicAndCarryNoProbeTimes() {
        var report = Self.report()
        let first = StatusFiles.render(report)
        report.clusters[0].lastProbe = Date().addingTimeInterval(60)
        #expect(StatusFiles.render(report) == first)
        #expect(first.keys.sorted() == ["status/clusters/a.yaml", "status/drift.md", "status/resources/n/Secret.s.yaml",
                                        "status/summary.md"])
        let cluster = String(decoding: first["status/clusters/a.yaml"]!, as: UTF8.self)
        #expect(cluster.contains("kubernetesVersion: \"v1.31.0\"\nnodes: 3\ncapacity:\n  cpu: \"24\"\n  memory: \"96Gi\"\n"))
        let resource = String(decoding: first["status/resources/n/Secret.s.yaml"]!, as: UTF8.self)
        #expect(resource.contains("  a:\n    sync: Synced\n    health: Healthy\n    appliedRevision: \"abc\"\n"))
        let drift = String(decoding: first["status/drift.md"]!, as: UTF8.self)
        #expect(drift.contains("`data.password`: `\"(redacted)\"` → `\"(redacted)\"`"))
        #expect(drift.contains("by field manager: `kubectl-edit`"))
        let summary = String(decoding: first["status/summary.md"]!, as: UTF8.self)
        #expect(summary.contains("| a | Ready | v1.31.0 | 3 | 1 | 1 | 1 |  |"))
    }

    @Test func reportRoundTripsThroughJSON() throws {
        let report = Self.report()
        let decoded = try StatusReport.decoder().decode(StatusReport.self, from: report.json())
        #expect(decoded.works == report.works)
        #expect(decoded.openDrift == report.openDrift)
    }
}
