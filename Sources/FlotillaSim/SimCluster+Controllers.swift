import FlotillaModel
import Foundation

/// The simulated controllers: workloads get status after `readyDelay`, with as many replicas ready as the nodes'
/// allocatable CPU, memory and pods can hold, so a workload that does not fit stays partly unavailable and the
/// cluster's capacity is a real number.
extension SimCluster {
    static let workloadKinds: Set<String> = ["apps/deployments", "apps/statefulsets", "apps/replicasets"]

    /// Brings every workload's status up to date; called periodically by the server. With `onlyIfChanged`, does
    /// nothing when no object changed since the last pass (the server calls that often, so a change is acted on
    /// within milliseconds, as a real controller watching would).
    public func runControllers(now: Date = Date(), onlyIfChanged: Bool = false) {
        finalizeNamespaces(now: now)
        state.withLock { state in
            if onlyIfChanged && state.controllersRevision == state.revision { return }
            defer { state.controllersRevision = state.revision }
            // Between full passes, only the workloads written since are looked at, as long as they fit in the
            // capacity the last full pass left spare (otherwise the order of placement matters: full pass).
            if onlyIfChanged, quickPass(now: now, state: &state) { return }
            // Free capacity across the nodes, in millicores, bytes and pods.
            if state.nodeCapacity == nil {
                var total: [String: Int64] = ["cpu": 0, "memory": 0, "pods": 0]
                for (key, node) in state.objects where key.resource == "/nodes" {
                    for (resource, value) in node.value(at: ["status", "allocatable"])?.objectValue ?? [:] {
                        let quantity = Quantity(value.stringValue ?? "")
                        total[resource, default: 0] += quantity.amount(for: resource) ?? 0
                    }
                }
                state.nodeCapacity = total
            }
            var free = state.nodeCapacity ?? [:]
            var allFit = true
            state.dirtyWorkloads = []
            state.demandOf = [:]
            // Oldest workloads are placed first.
            if state.workloadOrder == nil {
                state.workloadOrder = state.objects.compactMap { key, object -> (uid: String, key: Key)? in
                    Self.workloadKinds.contains(key.resource)
                        ? (object.value(at: ["metadata", "uid"])?.stringValue ?? "", key) : nil
                }.sorted { $0.uid < $1.uid }.map(\.key)
            }
            for key in state.workloadOrder ?? [] {
                guard let object = state.objects[key] else { continue }
                let inputs = workloadInputs(key, object, state: &state)
                let desired = inputs.desired
                let request = inputs.request
                var fit = desired
                for (resource, amount) in request where amount > 0 {
                    fit = min(fit, max(0, free[resource] ?? 0) / amount)
                }
                fit = min(fit, max(0, free["pods"] ?? 0))
                for (resource, amount) in request { free[resource, default: 0] -= amount * fit }
                free["pods", default: 0] -= fit
                if fit < desired { allFit = false }
                state.demandOf[key] = Self.demand(inputs)
                let changedAt = state.changedAt[key] ?? .distantPast
                guard now.timeIntervalSince(changedAt) >= topology.readyDelay else { continue }
                // A Deployment short of replicas for its progressDeadlineSeconds is reported as the Deployment
                // controller reports it: Progressing False, ProgressDeadlineExceeded.
                let stalled = fit < desired && key.resource == "apps/deployments"
                    && now.timeIntervalSince(changedAt) >= inputs.progressDeadline
                writeStatus(key, object, inputs, fit: fit, stalled: stalled, now: now, state: &state)
                state.dirtyWorkloads.remove(key)
            }
            state.spare = allFit ? free : nil
            // Claims bind after the delay, to a volume of the size they request (a default storage class).
            for key in state.objects.keys.filter({ $0.resource == "/persistentvolumeclaims" }).sorted(by: { $0.name < $1.name }) {
                guard var object = state.objects[key], object.value(at: ["status", "phase"])?.stringValue != "Bound",
                      now.timeIntervalSince(state.changedAt[key] ?? .distantPast) >= topology.readyDelay else { continue }
                var status: [String: JSONValue] = ["phase": .string("Bound")]
                if let modes = object.value(at: ["spec", "accessModes"]) { status["accessModes"] = modes }
                if let requests = object.value(at: ["spec", "resources", "requests"]) { status["capacity"] = requests }
                object["status"] = .object(status)
                state.revision += 1
                object["metadata"]?["resourceVersion"] = .string(String(state.revision))
                state.objects[key] = object
                record("MODIFIED", key, object, state: &state)
            }
            // Ingresses and LoadBalancer Services get an address after the delay, as from an ingress controller and
            // a cloud's load balancer (TEST-NET addresses).
            let balanced = state.objects.keys.filter { key in
                key.resource == "networking.k8s.io/ingresses" || (key.resource == "/services"
                    && state.objects[key]?.value(at: ["spec", "type"])?.stringValue == "LoadBalancer")
            }
            for key in balanced.sorted() {
                guard var object = state.objects[key],
                      (object.value(at: ["status", "loadBalancer", "ingress"])?.arrayValue ?? []).isEmpty,
                      now.timeIntervalSince(state.changedAt[key] ?? .distantPast) >= topology.readyDelay else { continue }
                state.loadBalancers += 1
                let address = "192.0.2.\(state.loadBalancers % 254 + 1)"
                object["status"] = .object(["loadBalancer": .object(["ingress": .array([.object(["ip": .string(address)])])])])
                state.revision += 1
                object["metadata"]?["resourceVersion"] = .string(String(state.revision))
                state.objects[key] = object
                record("MODIFIED", key, object, state: &state)
            }
        }
    }

    /// What a workload takes when all its replicas run: its requests times its replicas, and its pods.
    static func demand(_ inputs: SimWorkloadInputs) -> [String: Int64] {
        var total = inputs.request.mapValues { $0 * inputs.desired }
        total["pods", default: 0] += inputs.desired
        return total
    }

    /// Brings the workloads written since the last pass up to date, when they all fit in the spare capacity;
    /// false when a full pass is needed.
    func quickPass(now: Date, state: inout State) -> Bool {
        guard var spare = state.spare, state.nodeCapacity != nil, state.workloadOrder != nil else { return false }
        for key in state.dirtyWorkloads.sorted() {
            for (resource, amount) in state.demandOf[key] ?? [:] { spare[resource, default: 0] += amount }
            state.demandOf[key] = nil
            guard let object = state.objects[key] else { continue }
            let inputs = workloadInputs(key, object, state: &state)
            let demand = Self.demand(inputs)
            for (resource, amount) in demand {
                spare[resource, default: 0] -= amount
                if spare[resource, default: 0] < 0 { return false }
            }
            state.demandOf[key] = demand
            guard now.timeIntervalSince(state.changedAt[key] ?? .distantPast) >= topology.readyDelay else { continue }
            writeStatus(key, object, inputs, fit: inputs.desired, now: now, state: &state)
        }
        state.dirtyWorkloads = []
        state.spare = spare
        return true
    }

    /// What the controller reads from a workload: once per write to it, not on every pass.
    func workloadInputs(_ key: Key, _ object: JSONValue, state: inout State) -> SimWorkloadInputs {
        if let known = state.workloadInputs[key] { return known }
        let inputs = SimWorkloadInputs(desired: object.value(at: ["spec", "replicas"])?.intValue ?? 1,
                                       generation: object.value(at: ["metadata", "generation"])?.intValue ?? 1,
                                       request: podRequest(object),
                                       progressDeadline: Double(object.value(at: ["spec", "progressDeadlineSeconds"])?
                                           .intValue ?? 600))
        state.workloadInputs[key] = inputs
        return inputs
    }

    /// Writes the status of a workload with `fit` replicas running, unless it is the one written last for the same
    /// inputs or the object already has it.
    func writeStatus(_ key: Key, _ object: JSONValue, _ inputs: SimWorkloadInputs, fit: Int64, stalled: Bool = false,
                     now: Date, state: inout State) {
        if inputs.statusFit == fit && inputs.statusStalled == stalled { return }
        // The replicas that became ready now, and those no longer ready (the last ones go first).
        let uid = object.value(at: ["metadata", "uid"])?.stringValue ?? ""
        var since = state.readySince[uid] ?? []
        if since.count > Int(fit) { since.removeLast(since.count - Int(fit)) }
        while since.count < Int(fit) { since.append(now) }
        state.readySince[uid] = since
        let status = Self.workloadStatus(desired: inputs.desired, fit: fit, generation: inputs.generation,
                                         stalled: stalled)
        if object["status"] != status {
            var object = object
            object["status"] = status
            state.revision += 1
            object["metadata"]?["resourceVersion"] = .string(String(state.revision))
            state.objects[key] = object
            record("MODIFIED", key, object, state: &state)
        }
        var written = inputs
        written.statusFit = fit
        written.statusStalled = stalled
        state.workloadInputs[key] = written
    }

    /// The status of a workload with `fit` of its `desired` replicas running.
    static func workloadStatus(desired: Int64, fit: Int64, generation: Int64, stalled: Bool = false) -> JSONValue {
        let available = fit == desired
        let status: JSONValue = .object([
            "observedGeneration": .int(generation), "replicas": .int(desired), "updatedReplicas": .int(fit),
            "readyReplicas": .int(fit), "availableReplicas": .int(fit),
            "unavailableReplicas": desired > fit ? .int(desired - fit) : .null,
            "conditions": .array([
                .object(["type": .string("Available"), "status": .string(available ? "True" : "False"),
                         "reason": .string(available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable")]),
                stalled
                    ? .object(["type": .string("Progressing"), "status": .string("False"),
                               "reason": .string("ProgressDeadlineExceeded")])
                    : .object(["type": .string("Progressing"), "status": .string("True"),
                               "reason": .string(available ? "NewReplicaSetAvailable" : "ReplicaSetUpdated")]),
            ]),
        ])
        return JSONValue.object((status.objectValue ?? [:]).filter { !$0.value.isNull })
    }

    /// Per-replica requests of a workload's pod template, in millicores and bytes.
    func podRequest(_ workload: JSONValue) -> [String: Int64] {
        var total: [String: Int64] = [:]
        for container in workload.value(at: ["spec", "template", "spec", "containers"])?.arrayValue ?? [] {
            for (resource, value) in container.value(at: ["resources", "requests"])?.objectValue ?? [:] {
                let quantity = Quantity(value.stringValue ?? value.intValue.map(String.init) ?? "")
                total[resource, default: 0] += quantity.amount(for: resource) ?? 0
            }
        }
        return total
    }
}

/// What the workload controller reads from a workload, kept until the workload is written again.
struct SimWorkloadInputs {
    var desired: Int64
    var generation: Int64
    var request: [String: Int64]
    /// `spec.progressDeadlineSeconds` (600 by default).
    var progressDeadline: Double = 600
    /// The ready replicas of the status last written for these inputs, and whether it said the deadline passed.
    var statusFit: Int64?
    var statusStalled = false
}
