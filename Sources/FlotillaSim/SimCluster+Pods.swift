import FlotillaModel
import Foundation

/// The pods of the simulated workloads, as the ReplicaSet and StatefulSet controllers would make them: one per
/// desired replica, Running and Ready for the replicas that fit the nodes' capacity (the workload's ready replicas),
/// Pending and Unschedulable for the rest, spread over the nodes. They are derived from the workloads when read
/// (`kubectl get pods`, a client's list or get), named as their PodMetrics are, and are not watched or written. A
/// ready pod started `readyDelay` before it became Ready, and its Ready condition carries that transition's time, so
/// an autoscaler sees new pods initialise as a real cluster shows them.
extension SimCluster {
    /// The workload pods in `namespace` (nil: all), sorted by namespace and name.
    func workloadPods(namespace: String?) -> [JSONValue] {
        let (workloads, nodes, readySince) = state.withLock { state in
            (state.objects.filter { Self.workloadKinds.contains($0.key.resource)
                && (namespace == nil || $0.key.namespace == namespace) }.sorted { $0.key < $1.key },
             state.objects.keys.filter { $0.resource == "/nodes" }.map(\.name).sorted(), state.readySince)
        }
        var pods: [JSONValue] = []
        for (key, workload) in workloads {
            let desired = Int(workload.value(at: ["status", "replicas"])?.intValue
                ?? workload.value(at: ["spec", "replicas"])?.intValue ?? 1)
            let ready = Int(workload.value(at: ["status", "readyReplicas"])?.intValue ?? 0)
            let since = readySince[workload.value(at: ["metadata", "uid"])?.stringValue ?? ""] ?? []
            for index in 0..<max(0, desired) {
                pods.append(Self.pod(of: workload, key: key, index: index, ready: index < ready,
                                     node: nodes.isEmpty ? nil : nodes[index % nodes.count],
                                     readyAt: index < since.count ? since[index] : nil,
                                     startDelay: topology.readyDelay))
            }
        }
        return pods
    }

    /// The pod name of a workload's replica `index` (the PodMetrics use it too).
    static func podName(_ key: Key, index: Int) -> String {
        key.resource == "apps/statefulsets" ? "\(key.name)-\(index)" : "\(key.name)-\(podHash(key.name))-\(index)"
    }

    static func pod(of workload: JSONValue, key: Key, index: Int, ready: Bool, node: String?, readyAt: Date? = nil,
                    startDelay: Double = 0) -> JSONValue {
        let name = podName(key, index: index)
        var labels = workload.value(at: ["spec", "template", "metadata", "labels"])?.objectValue ?? [:]
        if key.resource == "apps/deployments" { labels["pod-template-hash"] = .string(podHash(key.name)) }
        let kind = workload["kind"]?.stringValue ?? "Deployment"
        let owner: JSONValue = .object([
            "apiVersion": .string("apps/v1"), "kind": .string(kind == "Deployment" ? "ReplicaSet" : kind),
            "name": .string(kind == "Deployment" ? "\(key.name)-\(podHash(key.name))" : key.name),
            "uid": workload.value(at: ["metadata", "uid"]) ?? .string(""), "controller": .bool(true),
            "blockOwnerDeletion": .bool(true),
        ])
        var spec = workload.value(at: ["spec", "template", "spec"])?.objectValue ?? [:]
        if ready, let node { spec["nodeName"] = .string(node) }
        let containers = spec["containers"]?.arrayValue ?? []
        let created = workload.value(at: ["metadata", "creationTimestamp"]) ?? .string("")
        // Started `startDelay` before it became Ready (never before the workload existed).
        let became = readyAt.map { JSONValue.string($0.formatted(.iso8601)) } ?? created
        let createdAt = created.stringValue.flatMap { try? Date.ISO8601FormatStyle().parse($0) }
        let started = readyAt.map { at in
            JSONValue.string(max(at.addingTimeInterval(-startDelay), createdAt ?? .distantPast).formatted(.iso8601))
        } ?? created
        let statuses: [JSONValue] = containers.map { container in
            .object(["name": container["name"] ?? .string("main"), "image": container["image"] ?? .string(""),
                     "ready": .bool(ready), "restartCount": .int(0), "started": .bool(ready),
                     "state": ready ? .object(["running": .object(["startedAt": started])])
                         : .object(["waiting": .object(["reason": .string("ContainerCreating")])])])
        }
        let conditions: [JSONValue] = ready
            ? ["PodScheduled", "Initialized", "ContainersReady", "Ready"].map {
                .object(["type": .string($0), "status": .string("True"),
                         "lastTransitionTime": $0 == "Ready" || $0 == "ContainersReady" ? became : started])
            }
            : [.object(["type": .string("PodScheduled"), "status": .string("False"), "reason": .string("Unschedulable"),
                        "message": .string("0/\(node == nil ? 0 : 1) nodes are available: Insufficient cpu.")])]
        var status: [String: JSONValue] = ["phase": .string(ready ? "Running" : "Pending"),
                                           "conditions": .array(conditions), "qosClass": .string("Burstable")]
        if ready {
            status["containerStatuses"] = .array(statuses)
            status["podIP"] = .string("10.244.\(index / 250).\(index % 250 + 2)")
            status["startTime"] = started
        }
        return .object([
            "apiVersion": .string("v1"), "kind": .string("Pod"),
            "metadata": .object([
                "name": .string(name), "namespace": .string(key.namespace), "labels": .object(labels),
                "uid": .string("pod-\(podHash(key.namespace + "/" + name))"), "creationTimestamp": created,
                "resourceVersion": workload.value(at: ["metadata", "resourceVersion"]) ?? .string("1"),
                "ownerReferences": .array([owner]),
            ]),
            "spec": .object(spec),
            "status": .object(status),
        ])
    }
}
