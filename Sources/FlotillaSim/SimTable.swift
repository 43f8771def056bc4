import FlotillaModel
import Foundation

/// Server-side printing, as `kubectl get` asks for it (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): a
/// `meta.k8s.io/v1` Table with the columns the real API server prints for each built-in kind (priority 1 columns
/// only with `-o wide`), a CRD's `additionalPrinterColumns`, and Name and Age for everything else.
enum SimTable {
    struct Column {
        var name: String
        var type = "string"
        var format = ""
        var priority = 0
        var cell: (JSONValue, Date) -> JSONValue
    }

    /// Whether the Accept header asks for a Table.
    static func wanted(_ accept: String) -> Bool { accept.contains("as=Table") }

    /// The Table of `objects` (one for a GET of one object).
    static func table(_ objects: [JSONValue], kind: String, printerColumns: [JSONValue]?, resourceVersion: String?,
                      now: Date = Date()) -> JSONValue {
        let columns = self.columns(kind: kind, printerColumns: printerColumns)
        let definitions = columns.map { column -> JSONValue in
            .object(["name": .string(column.name), "type": .string(column.type), "format": .string(column.format),
                     "description": .string(column.name), "priority": .int(Int64(column.priority))])
        }
        let rows = objects.map { object -> JSONValue in
            var metadata = object["metadata"] ?? .object([:])
            metadata["managedFields"] = nil
            return .object([
                "cells": .array(columns.map { $0.cell(object, now) }),
                "object": .object(["kind": .string("PartialObjectMetadata"), "apiVersion": .string("meta.k8s.io/v1"),
                                   "metadata": metadata]),
            ])
        }
        var metadata: [String: JSONValue] = [:]
        if let resourceVersion { metadata["resourceVersion"] = .string(resourceVersion) }
        return .object(["kind": .string("Table"), "apiVersion": .string("meta.k8s.io/v1"),
                        "metadata": .object(metadata), "columnDefinitions": .array(definitions), "rows": .array(rows)])
    }

    static func columns(kind: String, printerColumns: [JSONValue]?) -> [Column] {
        let name = Column(name: "Name", format: "name") { object, _ in
            .string(object.value(at: ["metadata", "name"])?.stringValue ?? "")
        }
        let age = Column(name: "Age") { object, now in .string(SimTable.age(object, now: now)) }
        func string(_ title: String, priority: Int = 0, _ path: [String], default fallback: String = "<none>") -> Column {
            Column(name: title, priority: priority) { object, _ in
                .string(object.value(at: path).flatMap(text) ?? fallback)
            }
        }
        func integer(_ title: String, _ path: [String]) -> Column {
            Column(name: title, type: "integer") { object, _ in .int(object.value(at: path)?.intValue ?? 0) }
        }
        func count(_ title: String, _ path: [String]) -> Column {
            Column(name: title, type: "integer") { object, _ in
                .int(Int64(object.value(at: path)?.objectValue?.count ?? object.value(at: path)?.arrayValue?.count ?? 0))
            }
        }
        func ready(_ readyPath: [String], _ desiredPath: [String]) -> Column {
            Column(name: "Ready") { object, _ in
                .string("\(object.value(at: readyPath)?.intValue ?? 0)/\(object.value(at: desiredPath)?.intValue ?? 0)")
            }
        }
        let containers = Column(name: "Containers", priority: 1) { object, _ in
            .string(podContainers(object).compactMap { $0["name"]?.stringValue }.joined(separator: ","))
        }
        let images = Column(name: "Images", priority: 1) { object, _ in
            .string(podContainers(object).compactMap { $0["image"]?.stringValue }.joined(separator: ","))
        }
        let selector = Column(name: "Selector", priority: 1) { object, _ in
            .string(labels(object.value(at: ["spec", "selector", "matchLabels"]) ?? object.value(at: ["spec", "selector"])))
        }
        switch kind {
        case "Deployment":
            return [name, ready(["status", "readyReplicas"], ["spec", "replicas"]),
                    integer("Up-to-date", ["status", "updatedReplicas"]),
                    integer("Available", ["status", "availableReplicas"]), age, containers, images, selector]
        case "StatefulSet":
            return [name, ready(["status", "readyReplicas"], ["spec", "replicas"]), age, containers, images]
        case "ReplicaSet":
            return [name, integer("Desired", ["spec", "replicas"]), integer("Current", ["status", "replicas"]),
                    integer("Ready", ["status", "readyReplicas"]), age, containers, images, selector]
        case "DaemonSet":
            return [name, integer("Desired", ["status", "desiredNumberScheduled"]),
                    integer("Current", ["status", "currentNumberScheduled"]), integer("Ready", ["status", "numberReady"]),
                    integer("Up-to-date", ["status", "updatedNumberScheduled"]),
                    integer("Available", ["status", "numberAvailable"]),
                    string("Node Selector", ["spec", "template", "spec", "nodeSelector"]), age, containers, images,
                    selector]
        case "Pod":
            return [name,
                    Column(name: "Ready") { object, _ in
                        let statuses = object.value(at: ["status", "containerStatuses"])?.arrayValue ?? []
                        let ready = statuses.filter { $0["ready"] == .bool(true) }.count
                        return .string("\(ready)/\(max(statuses.count, podContainers(object).count))")
                    },
                    string("Status", ["status", "phase"], default: "Pending"),
                    Column(name: "Restarts", type: "string") { object, _ in
                        let statuses = object.value(at: ["status", "containerStatuses"])?.arrayValue ?? []
                        return .string(String(statuses.compactMap { $0["restartCount"]?.intValue }.reduce(0, +)))
                    },
                    age, string("IP", priority: 1, ["status", "podIP"]),
                    string("Node", priority: 1, ["spec", "nodeName"])]
        case "Service":
            return [name, string("Type", ["spec", "type"], default: "ClusterIP"),
                    string("Cluster-IP", ["spec", "clusterIP"]),
                    Column(name: "External-IP") { object, _ in
                        let ingress = object.value(at: ["status", "loadBalancer", "ingress"])?.arrayValue ?? []
                        let addresses = ingress.compactMap { $0["ip"]?.stringValue ?? $0["hostname"]?.stringValue }
                        return .string(addresses.isEmpty ? "<none>" : addresses.joined(separator: ","))
                    },
                    Column(name: "Port(s)") { object, _ in
                        let ports = object.value(at: ["spec", "ports"])?.arrayValue ?? []
                        let text = ports.map { port -> String in
                            let number = port["port"]?.intValue ?? 0
                            let node = port["nodePort"]?.intValue.map { ":\($0)" } ?? ""
                            return "\(number)\(node)/\(port["protocol"]?.stringValue ?? "TCP")"
                        }
                        return .string(text.isEmpty ? "<none>" : text.joined(separator: ","))
                    },
                    age, string("Selector", priority: 1, ["spec", "selector"])]
        case "ConfigMap":
            return [name, Column(name: "Data", type: "integer") { object, _ in
                .int(Int64((object["data"]?.objectValue?.count ?? 0) + (object["binaryData"]?.objectValue?.count ?? 0)))
            }, age]
        case "Secret":
            return [name, string("Type", ["type"], default: "Opaque"), count("Data", ["data"]), age]
        case "Namespace":
            return [name, string("Status", ["status", "phase"], default: "Active"), age]
        case "Node":
            return [name,
                    Column(name: "Status") { object, _ in
                        let conditions = object.value(at: ["status", "conditions"])?.arrayValue ?? []
                        let ready = conditions.first { $0["type"]?.stringValue == "Ready" }?["status"]?.stringValue
                        return .string(ready == "True" ? "Ready" : "NotReady")
                    },
                    Column(name: "Roles") { object, _ in
                        let roles = (object.value(at: ["metadata", "labels"])?.objectValue ?? [:]).keys
                            .filter { $0.hasPrefix("node-role.kubernetes.io/") }
                            .map { String($0.dropFirst("node-role.kubernetes.io/".count)) }.sorted()
                        return .string(roles.isEmpty ? "<none>" : roles.joined(separator: ","))
                    },
                    age, string("Version", ["status", "nodeInfo", "kubeletVersion"], default: "")]
        case "ServiceAccount":
            return [name, count("Secrets", ["secrets"]), age]
        case "PersistentVolumeClaim":
            return [name, string("Status", ["status", "phase"], default: "Pending"),
                    string("Volume", ["spec", "volumeName"], default: ""),
                    string("Capacity", ["status", "capacity", "storage"], default: ""),
                    Column(name: "Access Modes") { object, _ in
                        .string((object.value(at: ["status", "accessModes"])?.arrayValue ?? [])
                            .compactMap(\.stringValue).map(accessMode).joined(separator: ","))
                    },
                    string("StorageClass", ["spec", "storageClassName"], default: ""), age]
        case "HorizontalPodAutoscaler":
            return [name,
                    Column(name: "Reference") { object, _ in
                        .string("\(object.value(at: ["spec", "scaleTargetRef", "kind"])?.stringValue ?? "")/"
                            + (object.value(at: ["spec", "scaleTargetRef", "name"])?.stringValue ?? ""))
                    },
                    string("MinPods", ["spec", "minReplicas"], default: "1"),
                    integer("MaxPods", ["spec", "maxReplicas"]), integer("Replicas", ["status", "currentReplicas"]), age]
        case "Job":
            return [name,
                    Column(name: "Completions") { object, _ in
                        .string("\(object.value(at: ["status", "succeeded"])?.intValue ?? 0)/"
                            + "\(object.value(at: ["spec", "completions"])?.intValue ?? 1)")
                    },
                    age]
        case "CustomResourceDefinition":
            return [name, Column(name: "Created At", type: "date") { object, _ in
                .string(object.value(at: ["metadata", "creationTimestamp"])?.stringValue ?? "")
            }]
        default:
            let custom = (printerColumns ?? []).compactMap { column -> Column? in
                guard let title = column["name"]?.stringValue, let path = column["jsonPath"]?.stringValue else { return nil }
                let type = column["type"]?.stringValue ?? "string"
                let priority = Int(column["priority"]?.intValue ?? 0)
                return Column(name: title, type: type, priority: priority) { object, now in
                    guard let value = jsonPath(path, in: object) else { return .null }
                    if type == "date", let stamp = value.stringValue { return .string(SimTable.age(stamp, now: now)) }
                    return value
                }
            }
            return [name] + custom + (custom.contains { $0.name == "Age" } ? [] : [age])
        }
    }

    static func podContainers(_ object: JSONValue) -> [JSONValue] {
        (object.value(at: ["spec", "template", "spec", "containers"]) ?? object.value(at: ["spec", "containers"]))?
            .arrayValue ?? []
    }

    static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .object: return labels(value)
        default: return nil
        }
    }

    /// `a=b,c=d`, sorted.
    static func labels(_ value: JSONValue?) -> String {
        guard let map = value?.objectValue, !map.isEmpty else { return "<none>" }
        return map.keys.sorted().map { "\($0)=\(map[$0]?.stringValue ?? "")" }.joined(separator: ",")
    }

    static func accessMode(_ mode: String) -> String {
        ["ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"][mode] ?? mode
    }

    /// A JSONPath of the simple forms printer columns use: `.a.b`, `.a[0].b`.
    static func jsonPath(_ path: String, in object: JSONValue) -> JSONValue? {
        var current: JSONValue? = object
        for part in path.split(separator: ".") where !part.isEmpty {
            var key = Substring(part)
            var index: Int?
            if let open = part.firstIndex(of: "["), part.hasSuffix("]") {
                key = part[..<open]
                index = Int(part[part.index(after: open)..<part.index(before: part.endIndex)])
                guard index != nil else { return nil }
            }
            if !key.isEmpty { current = current?[String(key)] }
            if let index {
                guard let array = current?.arrayValue, array.indices.contains(index) else { return nil }
                current = array[index]
            }
        }
        return current
    }

    static func age(_ object: JSONValue, now: Date) -> String {
        age(object.value(at: ["metadata", "creationTimestamp"])?.stringValue ?? "", now: now)
    }

    static func age(_ stamp: String, now: Date) -> String {
        guard let created = try? Date(stamp, strategy: .iso8601) else { return "<unknown>" }
        return humanDuration(now.timeIntervalSince(created))
    }

    /// Kubernetes' `duration.HumanDuration`: 45s, 3m20s, 15m, 4h30m, 20h, 3d4h, 40d, 3y20d, 9y.
    static func humanDuration(_ interval: Double) -> String {
        if interval < -1 { return "<invalid>" }
        let seconds = max(0, Int(interval))
        if seconds < 120 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 { return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s" }
        if minutes < 180 { return "\(minutes)m" }
        let hours = minutes / 60
        if hours < 8 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m" }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 { return hours % 24 == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(hours % 24)h" }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let days = hours / 24 % 365
            return days == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(days)d"
        }
        return "\(hours / 24 / 365)y"
    }
}
