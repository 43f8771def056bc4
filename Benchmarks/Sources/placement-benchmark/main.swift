import FlotillaModel
import FlotillaPlacement
import Foundation

// Placement of N templates over M clusters (DESIGN.md section 11: 10,000 over 100 in under 1 s, release build).
// A synthetic repository: M clusters over 4 providers and 8 regions, labelled env=prod|dev, and N Deployments in
// 50 namespaces, each namespace with a PropagationPolicy of a different strategy (static weights, dynamic weights,
// Aggregated, Duplicated) and a ClusterOverridePolicy rewriting image registries per provider.
let arguments = CommandLine.arguments
let templates = arguments.count > 1 ? Int(arguments[1]) ?? 10_000 : 10_000
let clusterCount = arguments.count > 2 ? Int(arguments[2]) ?? 100 : 100
let rounds = arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5

var yaml = ""
let providers = ["huaweicloud", "alibabacloud", "aws", "private"]
for index in 0..<clusterCount {
    yaml += """
    apiVersion: cluster.karmada.io/v1alpha1
    kind: Cluster
    metadata: {name: member-\(index), labels: {env: \(index % 3 == 0 ? "dev" : "prod")}}
    spec: {syncMode: Push, provider: \(providers[index % 4]), region: region-\(index % 8), zones: [zone-\(index % 16)]}
    ---

    """
}
let strategies = [
    "replicaScheduling: {replicaSchedulingType: Divided, replicaDivisionPreference: Weighted, weightPreference: {staticWeightList: [{targetCluster: {labelSelector: {matchLabels: {env: prod}}}, weight: 2}, {targetCluster: {labelSelector: {matchLabels: {env: dev}}}, weight: 1}]}}",
    "replicaScheduling: {replicaSchedulingType: Divided, replicaDivisionPreference: Weighted, weightPreference: {dynamicWeight: AvailableReplicas}}",
    "replicaScheduling: {replicaSchedulingType: Divided, replicaDivisionPreference: Aggregated}",
    "replicaScheduling: {replicaSchedulingType: Duplicated}\n    clusterAffinity: {labelSelector: {matchLabels: {env: prod}}}\n    spreadConstraints: [{spreadByField: cluster, minGroups: 1, maxGroups: 5}]",
]
for namespace in 0..<50 {
    yaml += """
    apiVersion: policy.karmada.io/v1alpha1
    kind: PropagationPolicy
    metadata: {name: policy, namespace: ns-\(namespace)}
    spec:
      resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
      placement:
        \(strategies[namespace % 4])
    ---

    """
}
yaml += """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: registries}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
  overrideRules:
    - targetCluster: {fieldSelector: {matchExpressions: [{key: provider, operator: In, values: [huaweicloud]}]}}
      overriders: {imageOverrider: [{component: Registry, operator: replace, value: swr.example.com}]}
---

"""
for index in 0..<templates {
    yaml += """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: app-\(index), namespace: ns-\(index % 50), labels: {app: app-\(index)}}
    spec:
      replicas: \(1 + index % 12)
      template:
        spec:
          containers: [{name: app, image: library/app:\(index % 7), resources: {requests: {cpu: 100m, memory: 128Mi}}}]
    ---

    """
}

let loadStart = ContinuousClock.now
let manifests = ManifestLoader.load(files: [ManifestFile(path: "bench.yaml", contents: Data(yaml.utf8))])
let loadTime = ContinuousClock.now - loadStart
precondition(manifests.errors.isEmpty, "\(manifests.errors.prefix(3))")
var states: [String: ClusterState] = [:]
for index in 0..<clusterCount {
    states["member-\(index)"] = ClusterState(ready: index % 17 != 0, allocatable: ["cpu": Quantity("64"), "memory": Quantity("256Gi"), "pods": Quantity("500")])
}
print("loaded \(manifests.templates.count) templates, \(manifests.clusters.count) clusters in \(loadTime)")
/// Runs the scheduler `rounds` times, prints min/median/max and returns (median, max) in seconds.
@MainActor func measure(_ label: String, rendersWorks: Bool) -> (median: Double, max: Double) {
    var timings: [Duration] = []
    var targets = 0
    var works = 0
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        let plan = Scheduler(manifests: manifests, states: states, source: "bench@0", rendersWorks: rendersWorks)
            .plan(revision: "0")
        timings.append(ContinuousClock.now - start)
        targets = plan.placements.reduce(0) { $0 + $1.clusters.count }
        works = plan.placements.reduce(0) { $0 + $1.works.count }
    }
    timings.sort()
    print("\(label): \(templates) templates over \(clusterCount) clusters, \(targets) placements, \(works) works")
    print("  min \(timings.first!)  median \(timings[timings.count / 2])  max \(timings.last!)  (\(rounds) rounds)")
    func seconds(_ duration: Duration) -> Double {
        ((Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) * 1000).rounded() / 1000
    }
    return (seconds(timings[timings.count / 2]), seconds(timings.last!))
}

// Placement (DESIGN.md section 3: target clusters and replicas per template, with reasons) is what the target is
// about; rendering the works (template + replicas + overrides + ownership) is measured separately.
let placement = measure("placement", rendersWorks: false)
let rendered = measure("placement and works", rendersWorks: true)
if arguments.contains("--json") {
    // One machine-readable line, last, for Benchmarks/scripts/bench.py.
    print(JSONValue.object([
        "templates": .int(Int64(templates)), "clusters": .int(Int64(clusterCount)), "rounds": .int(Int64(rounds)),
        "placement_median_s": .double(placement.median), "placement_max_s": .double(placement.max),
        "rendered_median_s": .double(rendered.median),
    ]).canonicalJSON())
}
