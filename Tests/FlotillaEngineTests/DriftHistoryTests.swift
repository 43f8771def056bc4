@testable import FlotillaEngine
import FlotillaDiff
import FlotillaModel
import FlotillaPlacement
import FlotillaSim
import FlotillaTestSupport
import Foundation
import Testing

/// The drift history on the status branch: every drift, healed or not, a page and a JSON-lines file a month,
/// bounded, carried over a restart, Secret values redacted.
@Suite(.serialized) struct DriftHistoryTests {
    static func record(_ object: String, at seconds: Double, healed: Double? = nil, cluster: String = "a") -> DriftRecord {
        DriftRecord(cluster: cluster, object: object, apiVersion: "apps/v1", kind: "Deployment", namespace: "shop",
                    name: object, change: "modified",
                    fields: [FieldDrift(path: "spec.replicas", desired: .int(2), live: .int(9))], manager: "kubectl-edit",
                    detectedAt: Date(timeIntervalSince1970: seconds), healedAt: healed.map { Date(timeIntervalSince1970: $0) })
    }

    // 2026-12-01T00:00:00Z and a month before.
    static let december = 1_796_083_200.0
    static let november = december - 30 * 86_400

    @Test func aDriftIsRecordedOnceAndUpdatedWhenHealed() throws {
        var history = DriftHistory()
        let added = history.record([Self.record("web", at: Self.december + 60)])
        let again = history.record([Self.record("web", at: Self.december + 60)])
        let healed = history.record([Self.record("web", at: Self.december + 60, healed: Self.december + 61)])
        // A later report of it as open does not undo the heal.
        let reopened = history.record([Self.record("web", at: Self.december + 60)])
        #expect(added && !again && healed && !reopened)
        let files = history.files(prefix: "status")
        #expect(files.keys.sorted() == ["status/drift/2026-12.jsonl", "status/drift/2026-12.md"])
        let page = String(decoding: try #require(files["status/drift/2026-12.md"]), as: UTF8.self)
        #expect(page.contains("### 2026-12-01T00:01:00Z a: web\n\n- change: modified\n- by field manager: `kubectl-edit`\n"
                              + "- `spec.replicas`: `2` → `9`\n- healed: 2026-12-01T00:01:01Z\n"))
    }

    @Test func monthsAndEntriesAreBoundedNewestFirst() throws {
        var history = DriftHistory()
        history.months = 1
        history.perMonth = 2
        _ = history.record([Self.record("old", at: Self.november), Self.record("x", at: Self.december + 1),
                            Self.record("y", at: Self.december + 2), Self.record("z", at: Self.december + 3)])
        let files = history.files(prefix: "status")
        #expect(files.keys.sorted() == ["status/drift/2026-12.jsonl", "status/drift/2026-12.md"])
        let page = String(decoding: try #require(files["status/drift/2026-12.md"]), as: UTF8.self)
        #expect(page.contains("1 older entries of this month were dropped."))
        let z = try #require(page.range(of: "a: z")), y = try #require(page.range(of: "a: y"))
        #expect(z.lowerBound < y.lowerBound && !page.contains("a: x\n"))
    }

    @Test func theJSONLinesBringTheHistoryBackByteForByte() {
        var history = DriftHistory()
        _ = history.record([Self.record("web", at: Self.december + 5, healed: Self.december + 6),
                            Self.record("api", at: Self.november + 5, cluster: "b")])
        let files = history.files(prefix: "status")
        var restored = DriftHistory()
        restored.restore(Dictionary(uniqueKeysWithValues: files.filter { $0.key.hasSuffix(".jsonl") }
            .map { (String($0.key.dropFirst("status/drift/".count)), $0.value) }))
        #expect(restored.files(prefix: "status") == files)
    }

    static let secret = "hunter2-Qz81"

    static var repositoryFiles: [String: String] {
        var files = InMemoryEngineTests.files
        files["apps/secret.yaml"] = """
            apiVersion: v1
            kind: Secret
            metadata: {name: token, namespace: shop}
            stringData: {token: original}
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: token, namespace: shop}
            spec:
              resourceSelectors: [{apiVersion: v1, kind: Secret, name: token}]
              placement: {clusterAffinity: {clusterNames: [a]}}
            """
        return files
    }

    static func history(_ repository: TestRepository) -> String {
        let month = DriftHistory.month(Date())
        return (try? GitWorkingCopy.git(["show", "flotilla/status:status/drift/\(month).md"], in: repository.bare)) ?? ""
    }

    @Test func healedDriftIsInTheHistoryOnTheStatusBranchAndSurvivesARestart() async throws {
        let repository = try TestRepository(Self.repositoryFiles)
        let sims = SimConnector(["a", "b"])
        let controllers = sims.runControllers()
        defer { controllers.cancel() }
        func engine(_ cache: String) throws -> Engine {
            try InMemoryEngineTests.engine(repository, sims, cache: repository.folder.appendingPathComponent(cache).path) {
                $0.statusBranch = "flotilla/status"
            }
        }
        let first = try engine("cache-1")
        try await InMemoryEngineTests.whileRunning(first) {
            #expect(await InMemoryEngineTests.eventually(60) { await InMemoryEngineTests.converged(first) })
            var live = try sims.client("a").get(apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "cart")
            live["spec"]?["replicas"] = .int(9)
            live["metadata"]?["managedFields"] = nil
            _ = try sims.client("a").update(live, fieldManager: "kubectl-edit")
            var secret = try sims.client("a").get(apiVersion: "v1", kind: "Secret", namespace: "shop", name: "token")
            secret["data"] = .object(["token": .string(Data(Self.secret.utf8).base64EncodedString())])
            secret["metadata"]?["managedFields"] = nil
            _ = try sims.client("a").update(secret, fieldManager: "kubectl-edit")
            #expect(await InMemoryEngineTests.eventually(60) {
                let page = Self.history(repository)
                return page.contains("a: Deployment.apps shop/cart") && page.contains("a: Secret shop/token")
                    && !page.contains("healed: no (open)")
            })
        }
        // What `flotilla plan` plans with: the clusters' state of the daemon's last plan, as `--cluster-state` reads it.
        let recorded = try GitWorkingCopy.git(["show", "flotilla/status:status/cluster-state.json"], in: repository.bare)
        let clusters = try JSONDecoder().decode(ClusterStateFile.self, from: Data(recorded.utf8)).clusters
        #expect(clusters.keys.sorted() == ["a", "b"] && clusters["a"]?.ready == true)
        let page = Self.history(repository)
        #expect(page.contains("- by field manager: `kubectl-edit`\n- `spec.replicas`: `2` → `9`\n- healed: 20"))
        #expect(!page.contains(Self.secret) && !page.contains(Data(Self.secret.utf8).base64EncodedString()))
        // A new machine (empty cache): the history goes on from the status branch's, nothing lost.
        let second = try engine("cache-2")
        try await InMemoryEngineTests.whileRunning(second) {
            #expect(await InMemoryEngineTests.eventually(60) { await InMemoryEngineTests.converged(second) })
            var live = try sims.client("a").get(apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "cart")
            live["spec"]?["replicas"] = .int(7)
            live["metadata"]?["managedFields"] = nil
            _ = try sims.client("a").update(live, fieldManager: "someone-else")
            #expect(await InMemoryEngineTests.eventually(60) { Self.history(repository).contains("`someone-else`") })
        }
        let after = Self.history(repository)
        #expect(after.contains("`spec.replicas`: `2` → `9`") && after.contains("`spec.replicas`: `2` → `7`"))
        #expect(after.contains("a: Secret shop/token"))
        let json = (try? GitWorkingCopy.git(["show", "flotilla/status:status/drift/\(DriftHistory.month(Date())).jsonl"],
                                             in: repository.bare)) ?? ""
        #expect(!json.contains(Self.secret) && json.split(separator: "\n").count == 3)
    }
}
