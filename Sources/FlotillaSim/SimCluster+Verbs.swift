import FlotillaModel
import Foundation

extension SimCluster {
    func key(_ resource: SimResource, _ namespace: String?, _ name: String) -> Key {
        Key(resource: "\(resource.group)/\(resource.resource)", namespace: resource.namespaced ? (namespace ?? "") : "", name: name)
    }

    func get(_ resource: SimResource, namespace: String?, name: String) -> SimResponse {
        guard let object = state.withLock({ $0.objects[key(resource, namespace, name)] }) else {
            if resource.group.isEmpty, resource.resource == "pods",
               let pod = workloadPods(namespace: namespace).first(where: { $0.value(at: ["metadata", "name"])?.stringValue == name }) {
                return json(200, pod)
            }
            return objectNotFound(resource, name)
        }
        return json(200, object)
    }

    func list(_ resource: SimResource, namespace: String?, query: [String: String]) -> SimResponse {
        let prefix = "\(resource.group)/\(resource.resource)"
        let selector = query["labelSelector"].map(SimLabelSelector.init)
        var fieldSelector = SimFieldSelector()
        if let text = query["fieldSelector"] {
            switch SimFieldSelector.parse(text, kind: resource.kind) {
            case .success(let parsed): fieldSelector = parsed
            case .failure(let problem): return status(400, reason: "BadRequest", message: problem.message)
            }
        }
        var (all, revision) = state.withLock { state in
            (state.objects.filter { $0.key.resource == prefix && (namespace == nil || $0.key.namespace == namespace) }
                .sorted { $0.key < $1.key }.map(\.value), state.revision)
        }
        if prefix == "/pods" {
            // The workloads' pods beside the ones created directly.
            all = (all + workloadPods(namespace: namespace)).sorted {
                ($0.value(at: ["metadata", "namespace"])?.stringValue ?? "", $0.value(at: ["metadata", "name"])?.stringValue ?? "")
                    < ($1.value(at: ["metadata", "namespace"])?.stringValue ?? "", $1.value(at: ["metadata", "name"])?.stringValue ?? "")
            }
        }
        let matching = all.filter { object in
            (selector?.matches(KubernetesObject(content: object, location: SourceLocation(file: "", line: 0)).labels) ?? true)
                && fieldSelector.matches(object)
        }
        let offset = query["continue"].flatMap { Int($0) } ?? 0
        let limit = query["limit"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? Int.max
        let page = Array(matching.dropFirst(offset).prefix(limit))
        var metadata: [String: JSONValue] = ["resourceVersion": .string(String(revision))]
        if offset + page.count < matching.count {
            metadata["continue"] = .string(String(offset + page.count))
            metadata["remainingItemCount"] = .int(Int64(matching.count - offset - page.count))
        }
        return json(200, .object(["kind": .string("\(resource.kind)List"), "apiVersion": .string(resource.groupVersion),
                                  "metadata": .object(metadata), "items": .array(page)]))
    }

    /// A GET answered as a Table (`kubectl get`): the object or the list, printed.
    func table(_ resource: SimResource, namespace: String?, name: String?, query: [String: String]) -> SimResponse {
        let answer = name.map { get(resource, namespace: namespace, name: $0) }
            ?? list(resource, namespace: namespace, query: query)
        guard answer.status == 200, let body = try? JSONValue.parse(answer.body) else { return answer }
        let objects = name == nil ? body["items"]?.arrayValue ?? [] : [body]
        let columns = crdVersion(of: resource)?["additionalPrinterColumns"]?.arrayValue
        // (A list's resourceVersion, or the object's: both at metadata.resourceVersion.)
        return json(200, SimTable.table(objects, kind: resource.kind, printerColumns: columns,
                                        resourceVersion: body.value(at: ["metadata", "resourceVersion"])?.stringValue))
    }

    func decodeBody(_ request: SimRequest) -> JSONValue? {
        // JSON (what clients send, apply patches included) is parsed as JSON; anything else as YAML.
        if let first = request.body.first(where: { ![0x20, 0x0a, 0x0d, 0x09].contains($0) }), first == UInt8(ascii: "{"),
           let object = try? JSONValue.parse(request.body) {
            return object
        }
        guard let text = String(data: request.body, encoding: .utf8) else { return nil }
        return (try? YAMLDocumentReader.read(text, file: "request").first?.value) ?? nil
    }

    func create(_ resource: SimResource, namespace: String?, request: SimRequest) -> SimResponse {
        guard var object = decodeBody(request), case .object = object else {
            return status(400, reason: "BadRequest", message: "the request body is not a \(resource.kind) object")
        }
        guard let name = object.value(at: ["metadata", "name"])?.stringValue, !name.isEmpty else {
            return invalid(resource, "", "metadata.name: Required value: name or generateName is required")
        }
        if let problem = namespaceProblem(resource, namespace) { return problem }
        let warnings: [String]
        switch pruned(object, resource, schema: pruningSchema(resource), request: request) {
        case .failure(let refusal): return refusal.response
        case .success(let (kept, found)): (object, warnings) = (kept, found)
        }
        if let refused = admission(object, resource, name) { return refused }
        return state.withLock { state -> SimResponse in
            let key = key(resource, namespace, name)
            if state.objects[key] != nil {
                return status(409, reason: "AlreadyExists", message: "\(resource.groupResource) \"\(name)\" already exists",
                              details: details(resource, name))
            }
            object = stamp(object, resource: resource, namespace: namespace, previous: nil, state: &state)
            object = own(object, before: nil, key: key, resource: resource, request: request, state: &state)
            state.objects[key] = object
            record("ADDED", key, object, state: &state)
            if resource.kind == "CustomResourceDefinition" { serveCustomResource(object, state: &state) }
            return json(201, object).warning(warnings)
        }
    }

    func update(_ resource: SimResource, namespace: String?, name: String, request: SimRequest) -> SimResponse {
        guard var object = decodeBody(request), case .object = object else {
            return status(400, reason: "BadRequest", message: "the request body is not a \(resource.kind) object")
        }
        let warnings: [String]
        switch pruned(object, resource, schema: pruningSchema(resource), request: request) {
        case .failure(let refusal): return refusal.response
        case .success(let (kept, found)): (object, warnings) = (kept, found)
        }
        return state.withLock { state -> SimResponse in
            let key = key(resource, namespace, name)
            guard let previous = state.objects[key] else {
                return objectNotFound(resource, name)
            }
            let sent = object.value(at: ["metadata", "resourceVersion"])?.stringValue ?? ""
            let stored = previous.value(at: ["metadata", "resourceVersion"])?.stringValue ?? ""
            if !sent.isEmpty && sent != stored {
                return status(409, reason: "Conflict",
                              message: "Operation cannot be fulfilled on \(resource.groupResource) \"\(name)\": the object has been "
                                + "modified; please apply your changes to the latest version and try again",
                              details: details(resource, name))
            }
            if let refused = admission(object, resource, name) { return refused }
            if let refused = immutabilityProblem(object, previous: previous, resource: resource, name: name) {
                return refused
            }
            var updated = stamp(object, resource: resource, namespace: namespace, previous: previous, state: &state)
            updated = own(updated, before: previous, key: key, resource: resource, request: request, state: &state)
            state.objects[key] = updated
            record("MODIFIED", key, updated, state: &state)
            return json(200, updated).warning(warnings)
        }
    }

    func patch(_ resource: SimResource, namespace: String?, name: String, request: SimRequest) -> SimResponse {
        guard let patch = decodeBody(request) else {
            return status(400, reason: "BadRequest", message: "the patch is not JSON or YAML")
        }
        let contentType = request.contentType.split(separator: ";").first.map(String.init) ?? ""
        let isApply = contentType == "application/apply-patch+yaml"
        if isApply && (request.query["fieldManager"] ?? "").isEmpty {
            return invalid(resource, name, "fieldManager: Required value: is required for apply patch")
        }
        if !isApply && request.query["force"] != nil {
            return invalid(resource, name, "force: Forbidden: may not be specified for non-apply patch")
        }
        let isStrategic = contentType == "application/strategic-merge-patch+json"
        let isJSONPatch = contentType == "application/json-patch+json"
        guard isApply || isStrategic || isJSONPatch || contentType == "application/merge-patch+json" else {
            return status(415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - "
                          + "accepted media types include: application/json-patch+json, application/merge-patch+json, "
                          + "application/strategic-merge-patch+json, application/apply-patch+yaml")
        }
        if isStrategic && resource.group != "" && !SimResource.builtInGroups.contains(resource.group) {
            return status(415, reason: "UnsupportedMediaType",
                          message: "strategic merge patch is not supported for custom resources; use merge-patch+json")
        }
        if let problem = namespaceProblem(resource, namespace) { return problem }
        if isApply, let sent = patch.value(at: ["metadata", "managedFields"]), !sent.isNull {
            return status(400, reason: "BadRequest", message: "metadata.managedFields must be nil")
        }
        if isApply, let sentVersion = patch["apiVersion"]?.stringValue, sentVersion != resource.groupVersion {
            return status(400, reason: "BadRequest", message: "Incorrect version specified in apply patch. "
                          + "Specified patch version: \(sentVersion), expected: \(resource.groupVersion)")
        }
        let schema = pruningSchema(resource)
        var config = patch
        var warnings: [String] = []
        if isApply {
            switch pruned(patch, resource, schema: schema, request: request) {
            case .failure(let refusal): return refusal.response
            case .success(let (kept, found)): (config, warnings) = (kept, found)
            }
        }
        return state.withLock { state -> SimResponse in
            let key = key(resource, namespace, name)
            let previous = state.objects[key]
            if previous == nil && !isApply {
                return objectNotFound(resource, name)
            }
            if isApply {
                config["metadata"]?["managedFields"] = nil
                let outcome = SimFieldOwnership.apply(
                    config, live: previous, managers: state.managers[key] ?? [], manager: request.query["fieldManager"] ?? "",
                    apiVersion: resource.groupVersion, force: request.query["force"] == "true", now: Self.timestamp())
                switch outcome {
                case .conflicts(let message, let causes):
                    return status(409, reason: "Conflict", message: message, details: .object(["causes": .array(causes)]))
                case .applied(let object, let managers):
                    if let previous {
                        var unchanged = object
                        unchanged["metadata"]?["managedFields"] = previous.value(at: ["metadata", "managedFields"])
                        if unchanged == previous && managers.map(\.fields) == (state.managers[key] ?? []).map(\.fields) {
                            return json(200, previous).warning(warnings)  // identical: not written, same resourceVersion
                        }
                    }
                    if let refused = admission(object, resource, name) { return refused }
                    if let previous,
                       let refused = immutabilityProblem(object, previous: previous, resource: resource, name: name) {
                        return refused
                    }
                    var stored = stamp(object, resource: resource, namespace: namespace, previous: previous, state: &state)
                    state.managers[key] = managers
                    stored["metadata"]?["managedFields"] = SimFieldOwnership.render(managers)
                    state.objects[key] = stored
                    record(previous == nil ? "ADDED" : "MODIFIED", key, stored, state: &state)
                    if resource.kind == "CustomResourceDefinition" { serveCustomResource(stored, state: &state) }
                    return json(previous == nil ? 201 : 200, stored).warning(warnings)
                }
            }
            var merged: JSONValue
            if isJSONPatch {
                do throws(SimJSONPatch.Failure) {
                    merged = try SimJSONPatch.apply(patch, to: previous!)
                } catch {
                    return invalid(resource, name, error.message)
                }
            } else if isStrategic {
                merged = SimStrategicMerge.merge(previous!, patch)
            } else {
                merged = SimMerge.merge(previous!, patch, nullDeletes: true)
            }
            switch pruned(merged, resource, schema: schema, request: request) {
            case .failure(let refusal): return refusal.response
            case .success(let (kept, found)): (merged, warnings) = (kept, found)
            }
            if let refused = admission(merged, resource, name) { return refused }
            if let refused = immutabilityProblem(merged, previous: previous!, resource: resource, name: name) {
                return refused
            }
            var updated = stamp(merged, resource: resource, namespace: namespace, previous: previous, state: &state)
            updated = own(updated, before: previous, key: key, resource: resource, request: request, state: &state)
            state.objects[key] = updated
            record("MODIFIED", key, updated, state: &state)
            return json(200, updated).warning(warnings)
        }
    }

    func delete(_ resource: SimResource, namespace: String?, name: String, request: SimRequest? = nil) -> SimResponse {
        let preconditions = request.flatMap(decodeBody)?["preconditions"]
        return state.withLock { state -> SimResponse in
            let key = key(resource, namespace, name)
            guard let object = state.objects[key] else {
                return objectNotFound(resource, name)
            }
            // DeleteOptions.preconditions, as the API server checks them (409 Conflict on a mismatch).
            for field in ["uid", "resourceVersion"] {
                guard let expected = preconditions?[field]?.stringValue else { continue }
                let actual = object.value(at: ["metadata", field])?.stringValue ?? ""
                if expected != actual {
                    let label = field == "uid" ? "UID" : "ResourceVersion"
                    return status(409, reason: "Conflict",
                                  message: "Operation cannot be fulfilled on \(resource.groupResource) \"\(name)\": "
                                      + "Precondition failed: \(label) in precondition: \(expected), \(label) in object meta: \(actual)")
                }
            }
            if resource.kind == "Namespace", resource.group.isEmpty {
                // A Namespace is not gone at once: it is Terminating while its content is deleted, and refuses new
                // content meanwhile (as a real server's namespace controller and admission do).
                if state.terminating[name] != nil { return json(200, object) }
                var terminating = object
                terminating["metadata"]?["deletionTimestamp"] = .string(Self.timestamp())
                terminating["status"] = .object(["phase": .string("Terminating")])
                state.revision += 1
                terminating["metadata"]?["resourceVersion"] = .string(String(state.revision))
                state.objects[key] = terminating
                record("MODIFIED", key, terminating, state: &state)
                // Its content is deleted at once; the Namespace goes after the topology's termination time.
                state.terminating[name] = Date().addingTimeInterval(topology.namespaceTermination)
                terminatingCount.add(1, ordering: .relaxed)
                for contained in state.objects.keys.sorted() where contained.namespace == name {
                    removeRecorded(contained, state: &state)
                }
                return json(200, terminating)
            }
            // DeleteOptions.propagationPolicy (or the older orphanDependents): who goes with the object.
            let body = request.flatMap(decodeBody)
            let orphan = (body?["propagationPolicy"]?.stringValue ?? request?.query["propagationPolicy"]) == "Orphan"
                || body?["orphanDependents"] == .bool(true) || request?.query["orphanDependents"] == "true"
            removeRecorded(key, state: &state, orphanDependents: orphan)
            if resource.kind == "CustomResourceDefinition", let group = object.value(at: ["spec", "group"])?.stringValue,
               let plural = object.value(at: ["spec", "names", "plural"])?.stringValue {
                // Deleting a CRD deletes its custom resources and stops serving the kind, as the API server does.
                let prefix = "\(group)/\(plural)"
                for contained in state.objects.keys.sorted() where contained.resource == prefix {
                    removeRecorded(contained, state: &state)
                }
                state.resources.removeAll { $0.group == group && $0.resource == plural }
            }
            return json(200, object)
        }
    }

    /// Records ownership for an Update-style write (create, PUT, merge patch) and renders `managedFields`.
    func own(_ object: JSONValue, before: JSONValue?, key: Key, resource: SimResource, request: SimRequest,
             subresource: String? = nil, state: inout State) -> JSONValue {
        let sent = decodeBody(request)?.value(at: ["metadata", "managedFields"])
        if let sent, let list = sent.arrayValue, !list.isEmpty {
            state.managers[key] = SimFieldOwnership.parse(sent).filter { !$0.fields.isEmpty }
        } else {
            state.managers[key] = SimFieldOwnership.update(
                state.managers[key] ?? [], before: before, after: object, manager: request.fieldManager,
                apiVersion: resource.groupVersion, subresource: subresource, now: Self.timestamp())
        }
        var result = object
        result["metadata"]?["managedFields"] = SimFieldOwnership.render(state.managers[key] ?? [])
        return result
    }

    static func timestamp() -> String {
        Date().formatted(.iso8601)
    }

    /// Keeps a change for watches; the oldest are compacted away beyond `historyLimit` (at least that many stay).
    func record(_ type: String, _ key: Key, _ object: JSONValue, state: inout State) {
        state.workloadInputs[key] = nil
        if Self.workloadKinds.contains(key.resource) {
            state.dirtyWorkloads.insert(key)
            // Uids only grow: a new workload is the youngest.
            // (A re-created one was removed from the order when it was deleted.)
            if type == "ADDED" {
                state.workloadOrder?.append(key)
            } else if type == "DELETED" {
                state.workloadOrder?.removeAll { $0 == key }
            }
        }
        if key.resource == "/nodes" { state.nodeCapacity = nil }
        if type == "DELETED" {
            state.changedAt[key] = nil
        } else if state.changedAt[key] == nil || type == "ADDED" {
            state.changedAt[key] = Date()
        }
        if type != "DELETED" {
            for owner in Self.ownerUIDs(object) { state.dependents[owner, default: []].insert(key) }
        }
        let previousLabels = state.recordedLabels[key]
        state.recordedLabels[key] = type == "DELETED" ? nil : Self.labels(of: object)
        state.changes.append(Change(revision: state.revision, type: type, key: key, object: object,
                                    previousLabels: type == "ADDED" ? nil : previousLabels))
        // Trimmed in batches (a quarter of the limit at a time), not on every write.
        if state.changes.count > Self.historyLimit + Self.historyLimit / 4 {
            let dropped = state.changes.count - Self.historyLimit
            state.compactedRevision = state.changes[dropped - 1].revision
            state.changes.removeFirst(dropped)
        }
    }

    /// How many changes are kept for watches.
    static let historyLimit = 5000

    /// Namespaced writes need an existing namespace, as on a real server.
    func namespaceProblem(_ resource: SimResource, _ namespace: String?) -> SimResponse? {
        guard resource.namespaced, let namespace else { return nil }
        let (exists, terminating) = state.withLock { state in
            (state.objects[Key(resource: "/namespaces", namespace: "", name: namespace)] != nil,
             state.terminating[namespace] != nil)
        }
        if terminating {
            // The NamespaceLifecycle admission plugin's answer.
            return status(403, reason: "Forbidden",
                          message: "\(resource.groupResource) is forbidden: unable to create new content in namespace "
                              + "\(namespace) because it is being terminated",
                          details: .object(["kind": .string(resource.resource),
                                            "causes": .array([.object(["reason": .string("NamespaceTerminating"),
                                                                       "message": .string("namespace \(namespace) is being terminated"),
                                                                       "field": .string("metadata.namespace")])])]))
        }
        return exists ? nil : status(404, reason: "NotFound", message: "namespaces \"\(namespace)\" not found",
                                     details: .object(["name": .string(namespace), "kind": .string("namespaces")]))
    }

    /// Removes the Namespaces whose termination is over.
    func finalizeNamespaces(now: Date = Date()) {
        // Most requests come when nothing terminates: no lock then.
        guard terminatingCount.load(ordering: .relaxed) > 0 else { return }
        state.withLock { state in
            guard !state.terminating.isEmpty else { return }
            for (name, deadline) in state.terminating.sorted(by: { $0.key < $1.key }) where deadline <= now {
                state.terminating[name] = nil
                terminatingCount.subtract(1, ordering: .relaxed)
                removeRecorded(Key(resource: "/namespaces", namespace: "", name: name), state: &state)
            }
        }
    }

    /// Removes an object and records its DELETED event at a new resourceVersion (nothing when it is not there).
    func removeRecorded(_ key: Key, state: inout State, orphanDependents: Bool = false) {
        guard var gone = state.objects.removeValue(forKey: key) else { return }
        state.managers[key] = nil
        state.revision += 1
        gone["metadata"]?["resourceVersion"] = .string(String(state.revision))
        record("DELETED", key, gone, state: &state)
        if let uid = gone.value(at: ["metadata", "uid"])?.stringValue {
            collectDependents(of: uid, orphan: orphanDependents, state: &state)
        }
    }

    /// The garbage collector's part, for an owner that is gone: with `Orphan`, its dependents lose their reference
    /// to it; otherwise (`Background`, `Foreground`) each dependent none of whose owners is left is deleted, and so
    /// on down. (The real collector does it moments later; here it happens with the delete.)
    func collectDependents(of uid: String, orphan: Bool, state: inout State) {
        guard let keys = state.dependents.removeValue(forKey: uid) else { return }
        let present = orphan ? [] : Set(state.objects.values.compactMap { $0.value(at: ["metadata", "uid"])?.stringValue })
        for key in keys.sorted() {
            guard var dependent = state.objects[key], Self.ownerUIDs(dependent).contains(uid) else { continue }
            if orphan {
                let kept = (dependent.value(at: ["metadata", "ownerReferences"])?.arrayValue ?? [])
                    .filter { $0["uid"]?.stringValue != uid }
                dependent["metadata"]?["ownerReferences"] = kept.isEmpty ? nil : .array(kept)
                state.revision += 1
                dependent["metadata"]?["resourceVersion"] = .string(String(state.revision))
                state.objects[key] = dependent
                record("MODIFIED", key, dependent, state: &state)
            } else if Self.ownerUIDs(dependent).allSatisfy({ !present.contains($0) }) {
                removeRecorded(key, state: &state)
            }
        }
    }

    static func ownerUIDs(_ object: JSONValue) -> [String] {
        (object.value(at: ["metadata", "ownerReferences"])?.arrayValue ?? []).compactMap { $0["uid"]?.stringValue }
    }

    /// Quantities in the fields that hold them (`resources.requests`, `resources.limits`, a quota's `hard` …) in
    /// the form the API server stores: `cpu: 1000m` reads back as `"1"`, `cpu: 1` as `"1"`.
    static func canonicalQuantities(_ value: JSONValue, path: [String]) -> JSONValue {
        switch value {
        case .object(var members):
            let parent = path.last ?? ""
            let holdsQuantities = ["requests", "limits", "hard", "capacity", "allocatable", "overhead"].contains(parent)
                && path.count >= 2
            for (key, member) in members {
                if holdsQuantities {
                    let text: String?
                    switch member {
                    case .string(let string): text = string
                    case .int(let number): text = String(number)
                    case .double(let number): text = String(number)
                    default: text = nil
                    }
                    if let text, let canonical = Quantity(text).canonical { members[key] = .string(canonical) }
                } else if case .object = member {
                    members[key] = canonicalQuantities(member, path: path + [key])
                } else if case .array(let items) = member {
                    members[key] = .array(items.map { canonicalQuantities($0, path: path + [key]) })
                }
            }
            return .object(members)
        default:
            return value
        }
    }

    /// What the API server refuses before it stores an object: a name its kind does not allow (422, as
    /// `metadata.name: Invalid value`), Secret `data` that is not base64 (400: the body cannot be decoded), more than
    /// 1 MiB of ConfigMap or Secret data (422).
    func admission(_ object: JSONValue, _ resource: SimResource, _ name: String) -> SimResponse? {
        if let rule = ResourceNames.nameProblem(group: resource.group, kind: resource.kind, name: name) {
            return invalid(resource, name, "metadata.name: Invalid value: \"\(name)\": \(rule)")
        }
        if resource.group.isEmpty, resource.kind == "Secret" {
            for (_, value) in (object["data"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let text = value.stringValue else { continue }
                if Data(base64Encoded: text) == nil {
                    let offset = Self.firstBadBase64Byte(text)
                    return status(400, reason: "BadRequest", message: "Secret in version \"v1\" cannot be handled as a "
                                    + "Secret: illegal base64 data at input byte \(offset)")
                }
            }
        }
        if let problem = sizeProblem(object, resource) { return invalid(resource, name, problem) }
        return nil
    }

    /// Where Go's base64 decoder would stop: the first byte outside the alphabet, or the length when the padding is
    /// wrong.
    static func firstBadBase64Byte(_ text: String) -> Int {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".utf8)
        for (offset, byte) in text.utf8.enumerated() where !alphabet.contains(byte) { return offset }
        return text.utf8.count
    }

    /// A ConfigMap or Secret holding more than 1 MiB of data is refused, as the API server's validation does
    /// (`[]: Too long: may not be more than 1048576 bytes`).
    func sizeProblem(_ object: JSONValue, _ resource: SimResource) -> String? {
        guard resource.group.isEmpty, resource.kind == "ConfigMap" || resource.kind == "Secret" else { return nil }
        var total = 0
        for field in ["data", "binaryData", "stringData"] {
            for (key, value) in object[field]?.objectValue ?? [:] {
                total += key.utf8.count + (value.stringValue?.utf8.count ?? 0)
            }
        }
        return total > 1_048_576 ? "[]: Too long: may not be more than 1048576 bytes" : nil
    }

    /// 404 for one object, worded as the real server words it (`deployments.apps "web" not found`).
    func objectNotFound(_ resource: SimResource, _ name: String) -> SimResponse {
        status(404, reason: "NotFound", message: "\(resource.groupResource) \"\(name)\" not found",
               details: details(resource, name))
    }

    /// 422 as the API server's `NewInvalid` words it: details name the kind (not the resource) and carry the field
    /// as a cause, so kubectl prints `The ConfigMap "x" is invalid: metadata.name: Invalid value: ...`.
    func invalid(_ resource: SimResource, _ name: String, _ error: String) -> SimResponse {
        let groupKind = resource.group.isEmpty ? resource.kind : "\(resource.kind).\(resource.group)"
        var members: [String: JSONValue] = ["name": .string(name), "kind": .string(resource.kind)]
        if !resource.group.isEmpty { members["group"] = .string(resource.group) }
        if let colon = error.range(of: ": ") {
            let field = String(error[..<colon.lowerBound])
            let message = String(error[colon.upperBound...])
            let reason = message.hasPrefix("Invalid value") ? "FieldValueInvalid"
                : message.hasPrefix("Required value") ? "FieldValueRequired"
                : message.hasPrefix("Too long") ? "FieldValueTooLong" : "FieldValueInvalid"
            members["causes"] = .array([.object(["reason": .string(reason), "message": .string(message),
                                                 "field": .string(field)])])
        }
        return status(422, reason: "Invalid", message: "\(groupKind) \"\(name)\" is invalid: \(error)",
                      details: .object(members))
    }

    /// Server-set metadata: namespace, uid, creationTimestamp, resourceVersion, generation (bumped when the spec
    /// changes); a Service gets a clusterIP and a Namespace its phase.
    func stamp(_ object: JSONValue, resource: SimResource, namespace: String?, previous: JSONValue?,
               state: inout State) -> JSONValue {
        var result = object
        result["apiVersion"] = .string(resource.groupVersion)
        result["kind"] = .string(resource.kind)
        var metadata = result["metadata"] ?? .object([:])
        if resource.namespaced { metadata["namespace"] = .string(namespace ?? "default") } else { metadata["namespace"] = nil }
        state.revision += 1
        metadata["resourceVersion"] = .string(String(state.revision))
        if let previous {
            metadata["uid"] = previous.value(at: ["metadata", "uid"])
            metadata["creationTimestamp"] = previous.value(at: ["metadata", "creationTimestamp"])
            let generation = previous.value(at: ["metadata", "generation"])?.intValue ?? 1
            metadata["generation"] = .int(previous["spec"] == result["spec"] ? generation : generation + 1)
            if previous["spec"] != result["spec"] {
                state.changedAt[key(resource, namespace, metadata["name"]?.stringValue ?? "")] = Date()
            }
            // Status belongs to the controllers: writes to the main resource keep it.
            result["status"] = previous["status"]
        } else {
            state.uids += 1
            metadata["uid"] = .string(String(format: "00000000-0000-4000-8000-%012x", state.uids))
            metadata["creationTimestamp"] = .string(Self.timestamp())
            metadata["generation"] = .int(1)
        }
        result["metadata"] = metadata
        if resource.kind == "Service", result.value(at: ["spec", "clusterIP"]) == nil {
            state.serviceIPs += 1
            var spec = result["spec"] ?? .object([:])
            spec["clusterIP"] = .string("10.96.\(state.serviceIPs / 250).\(state.serviceIPs % 250 + 2)")
            result["spec"] = spec
        }
        if resource.kind == "Namespace" {
            result["status"] = .object(["phase": .string("Active")])
        }
        if resource.kind == "CustomResourceDefinition" {
            // The sim serves a CRD's kinds at once: it is Established as soon as it is stored.
            let condition: (String) -> JSONValue = { type in
                .object(["type": .string(type), "status": .string("True"), "reason": .string(type == "Established"
                    ? "InitialNamesAccepted" : "NoConflicts"), "lastTransitionTime": .string(Self.timestamp())])
            }
            result["status"] = .object(["conditions": .array([condition("NamesAccepted"), condition("Established")]),
                                        "acceptedNames": result.value(at: ["spec", "names"]) ?? .object([:])])
        }
        if resource.kind == "Secret", resource.group.isEmpty, result["type"] == nil {
            result["type"] = .string("Opaque")  // the server's default
        }
        result = Self.canonicalQuantities(result, path: [])
        if resource.kind == "Secret", resource.group.isEmpty {
            // Write-only, as on a real server: merged into `data` (base64), never stored or returned.
            result = result.foldingSecretStringData()
        }
        return result
    }

    /// A CRD makes its kind served.
    func serveCustomResource(_ crd: JSONValue, state: inout State) {
        guard let spec = crd["spec"], let group = spec["group"]?.stringValue,
              let plural = spec.value(at: ["names", "plural"])?.stringValue,
              let kind = spec.value(at: ["names", "kind"])?.stringValue else { return }
        let namespaced = spec["scope"]?.stringValue != "Cluster"
        for version in spec["versions"]?.arrayValue ?? [] {
            guard let name = version["name"]?.stringValue, version["served"]?.boolValue ?? true,
                  !state.resources.contains(where: { $0.group == group && $0.version == name && $0.kind == kind })
            else { continue }
            state.resources.append(SimResource(group: group, version: name, resource: plural,
                                               singular: spec.value(at: ["names", "singular"])?.stringValue ?? kind.lowercased(),
                                               kind: kind, namespaced: namespaced,
                                               shortNames: (spec.value(at: ["names", "shortNames"])?.arrayValue ?? []).compactMap(\.stringValue)))
        }
    }
}
