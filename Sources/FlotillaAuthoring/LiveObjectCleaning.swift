import FlotillaModel

/// Turns a live object read from a member cluster into a template for Git: what the API server and its controllers
/// set (status, uid, resourceVersion, managedFields, allocated IPs and node ports, the revision annotations) and the
/// fields it defaulted to the values it always defaults them to are removed, so the template says only what a
/// person would have written and applying it back changes nothing. Pure.
public enum LiveObjectCleaning {
    /// Annotations the server or kubectl add.
    static let serverAnnotations: Set<String> = [
        "kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision",
        "pv.kubernetes.io/bind-completed", "pv.kubernetes.io/bound-by-controller",
        "volume.beta.kubernetes.io/storage-provisioner", "volume.kubernetes.io/storage-provisioner",
        "volume.kubernetes.io/selected-node",
    ]

    /// The template for `live`.
    public static func template(_ live: JSONValue) -> JSONValue {
        var object = live
        object["status"] = nil
        if var metadata = object["metadata"]?.objectValue {
            for field in ["uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
                          "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences", "generateName"] {
                metadata[field] = nil
            }
            if var annotations = metadata["annotations"]?.objectValue {
                for key in serverAnnotations { annotations[key] = nil }
                metadata["annotations"] = annotations.isEmpty ? nil : .object(annotations)
            }
            if let finalizers = metadata["finalizers"]?.arrayValue {
                let kept = finalizers.filter { $0.stringValue != "kubernetes.io/pvc-protection" }
                metadata["finalizers"] = kept.isEmpty ? nil : .array(kept)
            }
            if metadata["labels"]?.objectValue?.isEmpty == true { metadata["labels"] = nil }
            object["metadata"] = .object(metadata)
        }
        let kind = object["kind"]?.stringValue ?? ""
        let group = ResourceIdentity.group(ofAPIVersion: object["apiVersion"]?.stringValue ?? "")
        switch (group, kind) {
        case ("", "Service"): object = service(object)
        case ("", "PersistentVolumeClaim"):
            remove(&object, ["spec", "volumeName"])
            removeIf(&object, ["spec", "volumeMode"], equals: .string("Filesystem"))
        case ("", "ServiceAccount"): object["secrets"] = nil
        case ("", "Secret"): removeIf(&object, ["type"], equals: .string("Opaque"))
        case ("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("apps", "ReplicaSet"):
            object = workload(object, kind: kind)
        case ("batch", "Job"):
            remove(&object, ["spec", "selector"])
            if var labels = object.value(at: ["spec", "template", "metadata", "labels"])?.objectValue {
                for key in ["controller-uid", "batch.kubernetes.io/controller-uid", "job-name",
                            "batch.kubernetes.io/job-name"] { labels[key] = nil }
                object["spec"]?["template"]?["metadata"]?["labels"] = .object(labels)
            }
            object = podTemplate(object, at: ["spec", "template"])
        case ("batch", "CronJob"):
            object = podTemplate(object, at: ["spec", "jobTemplate", "spec", "template"])
        default: break
        }
        return object
    }

    static func service(_ live: JSONValue) -> JSONValue {
        var object = live
        for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "healthCheckNodePort"] {
            remove(&object, ["spec", field])
        }
        removeIf(&object, ["spec", "sessionAffinity"], equals: .string("None"))
        removeIf(&object, ["spec", "internalTrafficPolicy"], equals: .string("Cluster"))
        removeIf(&object, ["spec", "type"], equals: .string("ClusterIP"))
        if let ports = object.value(at: ["spec", "ports"])?.arrayValue {
            object["spec"]?["ports"] = .array(ports.map { port in
                var port = port
                port["nodePort"] = nil
                if port["protocol"]?.stringValue == "TCP" { port["protocol"] = nil }
                if port["targetPort"] == port["port"] { port["targetPort"] = nil }
                return port
            })
        }
        return object
    }

    static func workload(_ live: JSONValue, kind: String) -> JSONValue {
        var object = live
        removeIf(&object, ["spec", "revisionHistoryLimit"], equals: .int(10))
        removeIf(&object, ["spec", "progressDeadlineSeconds"], equals: .int(600))
        let defaultStrategy: JSONValue = .object(["type": .string("RollingUpdate"), "rollingUpdate": .object([
            "maxSurge": .string("25%"), "maxUnavailable": .string("25%")])])
        if kind == "Deployment", object.value(at: ["spec", "strategy"]) == defaultStrategy {
            remove(&object, ["spec", "strategy"])
        }
        if kind == "StatefulSet" {
            removeIf(&object, ["spec", "podManagementPolicy"], equals: .string("OrderedReady"))
            let rolling: JSONValue = .object(["type": .string("RollingUpdate"),
                                              "rollingUpdate": .object(["partition": .int(0)])])
            if object.value(at: ["spec", "updateStrategy"]) == rolling { remove(&object, ["spec", "updateStrategy"]) }
        }
        return podTemplate(object, at: ["spec", "template"])
    }

    /// A pod template without the pod spec's defaults.
    static func podTemplate(_ live: JSONValue, at path: [String]) -> JSONValue {
        var object = live
        guard var template = object.value(at: path) else { return object }
        if template["metadata"]?["creationTimestamp"] != nil { template["metadata"]?["creationTimestamp"] = nil }
        if var spec = template["spec"] {
            for (field, value) in [("restartPolicy", JSONValue.string("Always")),
                                   ("dnsPolicy", .string("ClusterFirst")),
                                   ("schedulerName", .string("default-scheduler")),
                                   ("terminationGracePeriodSeconds", .int(30)), ("securityContext", .object([:]))]
            where spec[field] == value {
                spec[field] = nil
            }
            for list in ["containers", "initContainers"] {
                guard let containers = spec[list]?.arrayValue else { continue }
                spec[list] = .array(containers.map(container))
            }
            template["spec"] = spec
        }
        object.setValue(template, at: path)
        return object
    }

    static func container(_ live: JSONValue) -> JSONValue {
        var container = live
        for (field, value) in [("terminationMessagePath", JSONValue.string("/dev/termination-log")),
                               ("terminationMessagePolicy", .string("File")), ("resources", .object([:]))]
        where container[field] == value {
            container[field] = nil
        }
        // The default pull policy: Always for :latest or no tag, IfNotPresent otherwise.
        let image = container["image"]?.stringValue ?? ""
        let tag = image.split(separator: "/").last.flatMap { $0.split(separator: "@").first }
            .map { $0.contains(":") ? String($0.split(separator: ":").last ?? "") : "latest" } ?? "latest"
        let defaultPolicy = tag == "latest" && !image.contains("@") ? "Always" : "IfNotPresent"
        if container["imagePullPolicy"]?.stringValue == defaultPolicy { container["imagePullPolicy"] = nil }
        if let ports = container["ports"]?.arrayValue {
            container["ports"] = .array(ports.map { port in
                var port = port
                if port["protocol"]?.stringValue == "TCP" { port["protocol"] = nil }
                return port
            })
        }
        return container
    }

    static func remove(_ object: inout JSONValue, _ path: [String]) {
        guard object.value(at: path) != nil else { return }
        object.setValue(nil, at: path)
    }

    static func removeIf(_ object: inout JSONValue, _ path: [String], equals value: JSONValue) {
        if object.value(at: path) == value { remove(&object, path) }
    }
}

extension JSONValue {
    /// Sets (nil: removes) the value at a path of object keys, creating the objects on the way; a path through a
    /// non-object is left alone.
    mutating func setValue(_ value: JSONValue?, at path: [String]) {
        guard let first = path.first else {
            if let value { self = value }
            return
        }
        guard case .object = self else { return }
        if path.count == 1 {
            self[first] = value
            return
        }
        var child = self[first] ?? .object([:])
        child.setValue(value, at: Array(path.dropFirst()))
        self[first] = child
    }
}
