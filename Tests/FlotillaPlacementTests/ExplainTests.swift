import FlotillaModel
import Foundation
import Testing
@testable import FlotillaPlacement

/// `Scheduler.explain` against Karmada's own cases (Fixtures/karmada, Apache-2.0): the policy it calls chosen is
/// the one Karmada's detector picks, its division gives Karmada's replicas, and the text is golden
/// (`Golden/explain-karmada.txt`, re-recorded with `RECORD_GOLDEN=1`). Then its parts on hand-made cases.
@Suite struct ExplainTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/explain-karmada.txt")

    static func manifests(_ documents: [JSONValue]) -> Manifests {
        let text = documents.map { $0.canonicalJSON() }.joined(separator: "\n---\n")
        return ManifestLoader.load(files: [ManifestFile(path: "case.yaml", contents: Data(text.utf8))])
    }

    static func cluster(_ name: String, labels: [String: String] = [:]) -> JSONValue {
        .object(["apiVersion": .string("cluster.karmada.io/v1alpha1"), "kind": .string("Cluster"),
                 "metadata": .object(["name": .string(name),
                                      "labels": .object(labels.mapValues(JSONValue.string))]),
                 "spec": .object(["syncMode": .string("Push")])])
    }

    /// The policy-choice cases: the chosen policy is Karmada's, every other matching one says why it lost.
    static let policyOps: Set<String> = ["getHighestPriorityPropagationPolicy",
                                         "getHighestPriorityClusterPropagationPolicy"]

    /// A replica-division case as a source, cluster state and previous placement.
    static func divisionCase(_ vector: ConformanceVector) -> Scheduler? {
        let spec = vector.input["bindingSpec"]
        guard vector.expected["error"]?.boolValue != true, vector.expected["alternatives"] == nil,
              let candidates = vector.input["candidates"]?.arrayValue, !candidates.isEmpty,
              candidates.allSatisfy({ $0["overflowOrder"] == nil && $0["cluster"] == nil }) else { return nil }
        var placement = spec?["placement"] ?? vector.input["placement"] ?? .object([:])
        if placement["clusterAffinities"] != nil { return nil }
        placement["clusterAffinity"] = nil
        let replicas = spec?["replicas"]?.intValue ?? 0
        guard replicas > 0 else { return nil }
        let names = candidates.compactMap { $0["name"]?.stringValue }
        let uid = spec?["resource"]?["uid"]?.stringValue ?? ""
        let text = names.map { Self.clusters([$0]) }.joined() + Self.deployment(replicas: Int(replicas), uid: uid)
            + """
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: web, namespace: demo}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
              placement: \(placement.canonicalJSON())
            """
        let manifests = Self.source(text)
        guard manifests.errors.isEmpty else { return nil }
        var states: [String: ClusterState] = [:]
        for candidate in candidates {
            var state = ClusterState()
            state.availableReplicas = candidate["allocatableReplicas"]?.intValue ?? Int64(Int32.max)
            states[candidate["name"]?.stringValue ?? ""] = state
        }
        return Scheduler(manifests: manifests, states: states,
                         previous: [Self.web: Decode.targetClusters(spec?["clusters"])], source: "case")
    }

    static let divisionOps: Set<String> = ["assignByStaticWeightStrategy", "assignByDynamicStrategy",
                                           "dynamicScaleUp", "assignByDuplicatedStrategy"]

    /// Every policy-choice and division case, explained, in the fixture's order.
    static func karmadaExplanations() throws -> String {
        var out = ""
        for vector in ConformanceVector.load("resource_selector_policy_priority", ops: policyOps) {
            let resource = try #require(vector.input["resource"])
            var documents = [cluster("member1")] + (vector.input["policies"]?.arrayValue ?? [])
            documents.append(resource)
            let manifests = Self.manifests(documents)
            let template = try #require(manifests.templates.first { $0.kind == resource["kind"]?.stringValue })
            let explanation = try #require(Scheduler(manifests: manifests, source: "case").explain(template.identity))
            let chosen = explanation.policies.first(where: \.chosen)?.policy.name
            #expect(chosen == vector.expected["policyName"]?.stringValue, "\(vector.name)")
            out += "== \(vector.op): \(vector.name)\n" + ExplanationRendering.text(explanation) + "\n"
        }
        for vector in ConformanceVector.load("replica_assignment", ops: divisionOps) {
            guard let scheduler = divisionCase(vector) else { continue }
            let explanation = try #require(scheduler.explain(Self.web))
            let expected = Decode.targetClusters(vector.expected["targetClusters"]).filter { $0.replicas > 0 }
            let shares = (explanation.division?.shares ?? []).filter { $0.replicas > 0 }
                .map { TargetCluster(name: $0.cluster, replicas: $0.replicas) }
            #expect(Set(shares) == Set(expected), "\(vector.name): \(shares) against Karmada's \(expected)")
            let selected = explanation.clusters.filter(\.selected).map { TargetCluster(name: $0.cluster,
                                                                                       replicas: $0.replicas ?? 0) }
            #expect(Set(selected) == Set(expected), "\(vector.name)")
            out += "== \(vector.op): \(vector.name)\n" + ExplanationRendering.text(explanation) + "\n"
        }
        return out
    }

    @Test func karmadasCasesAreExplainedAsKarmadaDecides() throws {
        let text = try Self.karmadaExplanations()
        #expect(text.components(separatedBy: "\n== ").count >= 30, "too few cases explained")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.golden.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            try text.write(to: Self.golden, atomically: true, encoding: .utf8)
            Issue.record("recorded \(Self.golden.lastPathComponent); run again without RECORD_GOLDEN")
            return
        }
        #expect(text == (try String(contentsOf: Self.golden, encoding: .utf8)))
        #expect(try Self.karmadaExplanations() == text, "byte for byte the same twice")
    }

    // MARK: Parts

    static func source(_ yaml: String) -> Manifests {
        ManifestLoader.load(files: [ManifestFile(path: "test.yaml", contents: Data(yaml.utf8))])
    }

    static let web = ResourceIdentity(group: "apps", kind: "Deployment", namespace: "demo", name: "web")

    static func clusters(_ names: [String]) -> String {
        names.map { "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: \($0)}\n"
            + "spec: {syncMode: Push}\n---\n" }.joined()
    }

    static func deployment(replicas: Int, uid: String = "") -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: demo, uid: "\(uid)"}
        spec:
          replicas: \(replicas)
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: nginx:1.27}]}
        ---

        """
    }

    static let dividedPolicy = """
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: web, namespace: demo}
        spec:
          resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
          placement:
            replicaScheduling: {replicaSchedulingType: Divided, replicaDivisionPreference: Weighted}

        """

    @Test func aTieThatDecidesAReplicaIsNamedWithTheRuleThatBrokeIt() throws {
        // Three replicas over two clusters of equal weight: the third is a tie.
        let odd = try #require((0..<100).map { "uid-\($0)" }.first { Webster.fnv1a32($0) % 2 == 1 })
        let manifests = Self.source(Self.clusters(["a", "b"]) + Self.deployment(replicas: 3, uid: odd)
                                    + Self.dividedPolicy)
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        let explanation = try #require(Scheduler(manifests: manifests).explain(Self.web))
        let division = try #require(explanation.division)
        #expect(division.shares.map(\.replicas) == [1, 2])  // names descending: b wins the tie
        #expect(division.shares.map(\.ideal) == ["1.50", "1.50"])
        #expect(division.tieBreak == "replica 3 tied between a, b: b got it — fewer replicas first, then name "
                + "descending (the FNV-1a hash of the template's UID is odd)")
        // Four replicas: no tie decides anything.
        let even = Self.source(Self.clusters(["a", "b"]) + Self.deployment(replicas: 4, uid: odd) + Self.dividedPolicy)
        #expect(try #require(Scheduler(manifests: even).explain(Self.web)).division?.tieBreak == nil)
    }

    @Test func everyFilterIsJudgedAndTheFirstFailureIsThePlansReason() throws {
        let manifests = Self.source("""
            apiVersion: cluster.karmada.io/v1alpha1
            kind: Cluster
            metadata: {name: tainted, labels: {env: prod}}
            spec: {syncMode: Push, taints: [{key: maintenance, value: "yes", effect: NoSchedule}]}
            ---
            apiVersion: cluster.karmada.io/v1alpha1
            kind: Cluster
            metadata: {name: dev, labels: {env: dev}}
            spec: {syncMode: Push}
            ---
            apiVersion: cluster.karmada.io/v1alpha1
            kind: Cluster
            metadata: {name: prod, labels: {env: prod}}
            spec: {syncMode: Push}
            ---
            \(Self.deployment(replicas: 2))apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: web, namespace: demo}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
              placement:
                clusterAffinity: {labelSelector: {matchLabels: {env: prod}}}
            """)
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        var states: [String: ClusterState] = [:]
        var noApps = ClusterState()
        noApps.apiEnablements = ["v1/ConfigMap"]
        states["tainted"] = noApps
        var scheduler = Scheduler(manifests: manifests, states: states)
        scheduler.evicted = [Self.web: ["prod"]]
        let explanation = try #require(scheduler.explain(Self.web))
        let byName = Dictionary(uniqueKeysWithValues: explanation.clusters.map { ($0.cluster, $0) })
        let tainted = try #require(byName["tainted"])
        #expect(tainted.filters.filter { !$0.passed }.map(\.filter) == ["APIEnablement", "TaintToleration"])
        #expect(tainted.outcome == ["cluster(s) did not have the API resource"])
        let dev = try #require(byName["dev"])
        #expect(dev.filters.first { $0.filter == "ClusterAffinity" }?.detail == "its labels do not match the labelSelector")
        let prod = try #require(byName["prod"])
        #expect(prod.filters.first { !$0.passed }?.filter == "ClusterEviction")
        #expect(explanation.error != nil, "no cluster is left")
        #expect(explanation.division == nil)
        #expect(explanation.policies.map(\.verdict) == ["chosen: the only policy that selects it (kind-only match)"])
    }

    @Test func theLosersSayWhyTheyLost() throws {
        let policy = { (name: String, priority: Int, selector: String) in
            """
            apiVersion: policy.karmada.io/v1alpha1
            kind: PropagationPolicy
            metadata: {name: \(name), namespace: demo}
            spec:
              priority: \(priority)
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment\(selector)}]
            ---

            """
        }
        let manifests = Self.source(Self.clusters(["a"]) + Self.deployment(replicas: 1)
                                    + policy("by-kind", 0, "") + policy("by-name", 0, ", name: web")
                                    + policy("also-by-name", 0, ", name: web") + policy("urgent", 5, "")
                                    + policy("other", 9, ", name: api")
                                    + """
                                    apiVersion: policy.karmada.io/v1alpha1
                                    kind: ClusterPropagationPolicy
                                    metadata: {name: everything}
                                    spec:
                                      priority: 100
                                      resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
                                    """)
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        let explanation = try #require(Scheduler(manifests: manifests).explain(Self.web))
        #expect(explanation.policies.map(\.policy.name) == ["urgent", "also-by-name", "by-name", "by-kind",
                                                           "everything", "other"])
        #expect(explanation.policies.map(\.verdict) == [
            "chosen: explicit priority 5, kind-only match, then name order",
            "loses: explicit priority 0 < 5 of PropagationPolicy urgent",
            "loses: explicit priority 0 < 5 of PropagationPolicy urgent",
            "loses: explicit priority 0 < 5 of PropagationPolicy urgent",
            "loses: a PropagationPolicy of the template's namespace (urgent) comes before every "
                + "ClusterPropagationPolicy",
            "does not select it: no resource selector matches",
        ])
        #expect(explanation.placedBy == "PropagationPolicy demo/urgent (explicit priority 5, kind-only match)")
    }

    @Test func overridesNameTheFieldsTheyChange() throws {
        let manifests = Self.source(Self.clusters(["a"]) + Self.deployment(replicas: 1) + Self.dividedPolicy + """
            ---
            apiVersion: policy.karmada.io/v1alpha1
            kind: OverridePolicy
            metadata: {name: registry, namespace: demo}
            spec:
              resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
              overrideRules:
                - targetCluster: {clusterNames: [a]}
                  overriders:
                    imageOverrider: [{component: Registry, operator: replace, value: registry.a.example}]
                    labelsOverrider: [{operator: add, value: {tier: front}}]
            """)
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        let explanation = try #require(Scheduler(manifests: manifests).explain(Self.web))
        let steps = try #require(explanation.clusters.first?.overrides)
        #expect(steps == [OverrideStep(rule: "OverridePolicy demo/registry rule 0",
                                       overriders: ["imageOverrider", "labelsOverrider"],
                                       fields: ["metadata.labels", "spec.template.spec.containers[0].image"])])
    }
}
