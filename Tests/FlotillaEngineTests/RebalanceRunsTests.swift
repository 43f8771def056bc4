@testable import FlotillaEngine
import FlotillaModel
import FlotillaPlacement
import Foundation
import Testing

/// Karmada's WorkloadRebalancer: the named workloads are placed afresh once (stickiness left out of that plan), the
/// result recorded and kept across restarts, and forgotten when the rebalancer leaves the source.
@Suite struct RebalanceRunsTests {
    static let source = """
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: east}
        spec: {syncMode: Push}
        ---
        apiVersion: cluster.karmada.io/v1alpha1
        kind: Cluster
        metadata: {name: west}
        spec: {syncMode: Push}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec:
          replicas: 4
          selector: {matchLabels: {app: web}}
          template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: "web:1"}]}}
        ---
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: web, namespace: shop}
        spec:
          resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
          placement:
            replicaScheduling:
              replicaSchedulingType: Divided
              replicaDivisionPreference: Weighted
              weightPreference: {dynamicWeight: AvailableReplicas}
        ---
        apiVersion: apps.karmada.io/v1alpha1
        kind: WorkloadRebalancer
        metadata: {name: spread-again}
        spec:
          ttlSecondsAfterFinished: 60
          workloads:
            - {apiVersion: apps/v1, kind: Deployment, name: web, namespace: shop}
            - {apiVersion: apps/v1, kind: Deployment, name: gone, namespace: shop}
        """

    static let web = ResourceIdentity(group: "apps", kind: "Deployment", namespace: "shop", name: "web")
    static let states = ["east": ClusterState(availableReplicas: 10), "west": ClusterState(availableReplicas: 30)]

    static func replicas(_ plan: Plan) -> [String: Int32] {
        Dictionary(uniqueKeysWithValues: (plan.placements.first { $0.identity == web }?.clusters ?? []).map {
            ($0.name, $0.replicas)
        })
    }

    @Test func aDueRunIsPlacedAfreshOnceAndRecorded() throws {
        let manifests = ManifestLoader.load(files: [ManifestFile(path: "fleet.yaml", contents: Data(Self.source.utf8))])
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        #expect(manifests.warnings.isEmpty)
        let sticky = [Self.web: [TargetCluster(name: "east", replicas: 3), TargetCluster(name: "west", replicas: 1)]]
        // Without the rebalancer the placement stays where it is.
        let kept = Scheduler(manifests: manifests, states: Self.states, previous: sticky).plan()
        #expect(Self.replicas(kept) == ["east": 3, "west": 1])
        // Due: both workloads; placed afresh, by free capacity.
        let runs = RebalanceRuns.due(manifests.workloadRebalancers, done: [:])
        #expect(runs.map(\.workload.name) == ["web", "gone"])
        let fresh = Scheduler(manifests: manifests, states: Self.states,
                              previous: RebalanceRuns.previous(sticky, without: runs)).plan()
        #expect(Self.replicas(fresh) == ["east": 1, "west": 3])
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let records = RebalanceRuns.recorded(runs, plan: fresh, rebalancers: manifests.workloadRebalancers, done: [:],
                                             at: now)
        #expect(records.values.map(\.result).sorted() == ["Failed", "Successful"])
        #expect(records.values.contains { $0.reason == "ReferencedBindingNotFound" })
        // Done: not due again, and the record survives a restart.
        #expect(RebalanceRuns.due(manifests.workloadRebalancers, done: records).isEmpty)
        let taints = ["east": [Taint(key: "example.com/q", value: "yes", effect: .noExecute, timeAdded: "2026-12-03T10:00:00Z"),
                               Taint(key: "example.com/r", effect: .noSchedule)]]
        let state = PersistedState(source: "s", revision: "r", placements: [:], rebalanced: records, taints: taints)
        #expect(PersistedState.decode(state.encoded()) == state)
        #expect(state.encoded().contains("!taint\teast\texample.com/q\tyes\tNoExecute\t2026-12-03T10:00:00Z\n"))
        // The rebalancer leaves the source: its records are forgotten.
        #expect(RebalanceRuns.recorded([], plan: fresh, rebalancers: [], done: records, at: now).isEmpty)
    }

    @Test(arguments: [
        ("  workloads: []\n", "spec.workloads\": must name at least one workload"),
        ("  ttlSecondsAfterFinished: -1\n  workloads: [{apiVersion: apps/v1, kind: Deployment, name: a, namespace: b}]\n",
         "spec.ttlSecondsAfterFinished\": must be greater than or equal to 0"),
        ("  workloads: [{apiVersion: apps/v1, kind: Deployment, name: a}, {apiVersion: apps/v1, kind: Deployment, name: a}]\n",
         "spec.workloads[1]\": Deployment.apps a is named twice"),
    ])
    func validation(spec: String, message: String) {
        let yaml = "apiVersion: apps.karmada.io/v1alpha1\nkind: WorkloadRebalancer\nmetadata: {name: r}\nspec:\n" + spec
        let manifests = ManifestLoader.load(files: [ManifestFile(path: "r.yaml", contents: Data(yaml.utf8))])
        #expect(manifests.workloadRebalancers.isEmpty)
        #expect(manifests.errors.contains { $0.description.contains(message) }, "\(manifests.errors)")
    }
}
