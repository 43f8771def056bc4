import FlotillaKube
import FlotillaModel
import Foundation

extension ClusterAgent {
    static let namespaceKind = KindKey(apiVersion: "v1", kind: "Namespace")
    static let configMapKind = KindKey(apiVersion: "v1", kind: "ConfigMap")
    static let nodeKind = KindKey(apiVersion: "v1", kind: "Node")
    static let crdKind = KindKey(apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition")

    /// One pass. First decide (a `SyncDecision` from the desired works, the watch's view and the inventory), then
    /// do it: the inventory grown, namespaces ensured, applies wave by wave in DESIGN.md's order, prunes in reverse
    /// with a uid precondition, the inventory shrunk. When custom resources wait for CRDs applied in this pass, a
    /// second pass applies them once the CRDs are Established. Returns false when it should be retried.
    func sync(pass: Int = 0) -> Bool {
        guard dial != nil, let client = clients.first else {
            state.withLock { $0.syncError = error(.noConnection(connectionError ?? "no connection to the cluster")) }
            return false
        }
        var (desired, revision, ready, inventoryKnown, version) = state.withLock { state in
            (state.desired, state.revision, state.ready, state.inventory, state.desiredVersion)
        }
        if let served = state.withLock({ $0.served }), let scoped = normalisingScopes(desired, served: served) {
            desired = scoped
            state.withLock { state in
                guard state.desiredVersion == version else { return }
                state.desired = scoped
                state.sortedDesired = nil
                state.currentKnown = false
            }
        }
        guard ready else {
            state.withLock { $0.syncError = error(.notReady($0.refused ?? "the cluster is not ready")) }
            return false
        }
        var inventory: Set<ObjectKey>
        do throws(KubeError) {
            if let inventoryKnown {
                inventory = inventoryKnown
            } else {
                inventory = try readInventory(client)
                state.withLock { $0.inventory = inventory }
            }
        } catch {
            state.withLock { $0.syncError = self.error(.inventory(reading: true, error)) }
            return false
        }
        // Informers for every kind involved; one that cannot be listed fails only its own works.
        let undesired = inventory.subtracting(desired.keys)
        let kinds = Set(desired.keys.map(\.kindKey)).union(undesired.map(\.kindKey))
            .union([Self.namespaceKind, Self.configMapKind])
        var unavailable = ensureInformers(kinds)
        // What the label-selected watch does not show as Flotilla's is looked up before anything is applied to it.
        let unowned = state.withLock { state in
            desired.keys.filter { state.live[$0] == nil && unavailable[$0.kindKey] == nil }
        }
        unavailable.merge(verifyUnowned(unowned, client: client)) { first, _ in first }
        let decision = decide(desired: desired, inventory: inventory, undesired: undesired, unavailable: unavailable,
                              version: version)
        if let held = decision.held {
            logger.warning("mass-deletion guard", metadata: ["reason": "\(held)", "revision": "\(revision ?? "")"])
            return true
        }
        for (key, keep) in decision.keeps.sorted(by: { $0.key < $1.key }) {
            logger.debug("kept", metadata: ["object": "\(key)", "reason": "\(keep)"])
        }

        for namespace in decision.namespaces + [Self.inventoryNamespace] {
            do throws(KubeError) { try ensureNamespace(namespace, client: client) } catch {
                state.withLock { $0.syncError = self.error(.namespace(namespace, error)) }
                return false
            }
        }
        // The inventory first grows by what is about to be created, so a crash never leaves an untracked object
        // (and takes the desired version of every key: inventories written before identity ignored it migrate).
        var recorded = inventory
        if decision.changesInventory(inventory) {
            recorded = decision.grownInventory(inventory)
            do throws(KubeError) { try writeInventory(recorded, client: client) } catch {
                state.withLock { $0.syncError = self.error(.inventory(reading: false, error)) }
                return false
            }
        }

        // Applies, wave by wave in DESIGN.md's order, each wave spread over the workers.
        var index = 0
        let toApply = decision.applies
        while index < toApply.count {
            let rank = toApply[index].applyRank
            var end = index
            while end < toApply.count, toApply[end].applyRank == rank { end += 1 }
            applyAll(Array(toApply[index..<end]), desired: desired, revision: revision, version: version)
            index = end
        }

        let (kept, deleted) = prune(decision.prunes, client: client)
        let pruned = deleted.union(release(decision.releases, client: client))
        if !pruned.isDisjoint(with: recorded) {
            recorded.subtract(pruned)
            do throws(KubeError) { try writeInventory(recorded, client: client) } catch {
                state.withLock { $0.syncError = self.error(.inventory(reading: false, error)) }
                return false
            }
        }
        let failed = state.withLock { state -> Bool in
            state.syncError = kept.isEmpty ? nil : error(.pruneIncomplete(count: kept.count))
            return !kept.isEmpty || desired.keys.contains { state.errors[$0] != nil && decision.skips[$0] == nil }
        }
        // Custom resources whose CRD this revision brings: once it is Established, a second pass applies them.
        if pass == 0, waitForCustomResourceKinds(decision: decision, desired: desired) {
            return sync(pass: 1) && !failed
        }
        let waiting = decision.skips.values.contains {
            if case .kindUnavailable = $0 { return true } else { return false }
        }
        return !failed && !waiting
    }

    /// The decision, from the agent's state; skips and keeps are recorded for status.
    private func decide(desired: [ObjectKey: DesiredWork], inventory: Set<ObjectKey>, undesired: Set<ObjectKey>,
                        unavailable: [KindKey: String], version: Int) -> SyncDecision {
        state.withLock { state in
            if !state.currentKnown && state.desiredVersion == version {
                var current: Set<ObjectKey> = []
                current.reserveCapacity(desired.count)
                for (key, work) in desired where state.applied[key] == work.comparable {
                    current.insert(key)
                    // The same content rendered anew (another revision): keep the new copy, so the next comparison
                    // is the identity check that equal storage makes instant, not a walk over the whole object.
                    state.applied[key] = work.comparable
                }
                state.current = current
                state.currentKnown = true
            }
            // (A snapshot older than the desired state in force is compared object by object.)
            var current = state.currentKnown ? state.current
                : Set(desired.compactMap { key, work in state.applied[key] == work.comparable ? key : nil })
            current.subtract(state.errors.keys)
            var owned: [ObjectKey: String] = [:]
            var foreign: Set<ObjectKey> = []
            owned.reserveCapacity(desired.count + undesired.count)
            for key in desired.keys {
                // A desired object's uid is never used (only prunes carry one): that it is there is enough.
                if state.live[key] != nil {
                    owned[key] = ""
                } else if state.foreign.contains(key) {
                    foreign.insert(key)
                }
            }
            var preserved: Set<ObjectKey> = []
            for key in undesired {
                if let live = state.live[key] {
                    owned[key] = live.value(at: ["metadata", "uid"])?.stringValue ?? ""
                    if live.value(at: ["metadata", "annotations", DispatchOptions.preserveAnnotation])?.stringValue == "true" {
                        preserved.insert(key)
                    }
                } else if state.foreign.contains(key) {
                    foreign.insert(key)
                }
            }
            let released = Set(state.errors.compactMap { key, error in
                error.cause == .skipped(.released) ? key : nil
            })
            let view = ClusterView(owned: owned, foreign: foreign, unavailable: unavailable, current: current,
                                   released: released, preserved: preserved)
            let decision = SyncDecision.decide(desired: desired, view: view, inventory: inventory,
                                               prune: settings.prune, guardPercent: settings.pruneGuardPercent,
                                               relocated: state.relocated, allowPrune: state.allowPrune)
            state.held = decision.held.map {
                "\($0.description); the trailer `\(PruneAllowance.line(for: name))` on a commit releases it"
            }
            if decision.held == nil { state.syncError = nil }
            for (key, reason) in decision.skips {
                if case .released = reason, state.errors[key] == nil {
                    logger.notice("released: the managed-by label was removed", metadata: ["object": "\(key)"])
                }
                // Once released, it stays reported as released (it is no longer inventoried, but was Flotilla's).
                if case .collision = reason, state.errors[key]?.cause == .skipped(.released) { continue }
                state.errors[key] = error(.skipped(reason), key)
                state.openDrift[key] = nil
            }
            state.keeps = decision.keeps.mapValues(\.description)
            for key in decision.adoptions {
                logger.notice("taking over: the policy's conflict resolution is Overwrite",
                              metadata: ["object": "\(key)"])
            }
            return decision
        }
    }

    /// Releases what the decision preserves (preserveResourcesOnDeletion): the managed-by label and the preserve
    /// annotation are taken off, and the object stays as it is, no longer Flotilla's. Returns the keys released (or
    /// gone already), to be forgotten by the inventory.
    private func release(_ releases: [Prune], client: KubeClient) -> Set<ObjectKey> {
        var done: Set<ObjectKey> = []
        let patch: JSONValue = .object(["metadata": .object([
            "labels": .object([Self.managedBy: .null]),
            "annotations": .object([DispatchOptions.preserveAnnotation: .null]),
        ])])
        for item in releases {
            let key = item.key
            do throws(KubeError) {
                _ = try client.mergePatch(apiVersion: key.apiVersion, kind: key.kind, namespace: key.namespace,
                                          name: key.name, patch: patch, fieldManager: settings.fieldManager)
                logger.notice("released, not pruned: its policy preserves resources on deletion",
                              metadata: ["object": "\(key)"])
                done.insert(key)
            } catch {
                if case .notFound = error { done.insert(key) } else {
                    logger.warning("release failed", metadata: ["object": "\(key)", "error": "\(error)"])
                }
            }
        }
        return done
    }

    /// Deletes what the decision prunes, in order: each with a uid precondition (an object someone re-created
    /// under the name is not Flotilla's to delete); a Namespace or CRD only when nothing else lives in it.
    /// Returns the keys kept (to retry) and the keys gone.
    private func prune(_ prunes: [Prune], client: KubeClient) -> (kept: Set<ObjectKey>, gone: Set<ObjectKey>) {
        var kept: Set<ObjectKey> = []
        var gone: Set<ObjectKey> = []
        for item in prunes {
            let key = item.key
            if stopped.load(ordering: .acquiring) { kept.insert(key); continue }
            if state.withLock({ $0.foreign.contains(key) }) {
                logger.notice("not pruning: no longer managed by Flotilla", metadata: ["object": "\(key)"])
                gone.insert(key)
                continue
            }
            if let occupant = occupant(of: key, client: client) {
                let reason = key.isNamespace
                    ? "orphaned: the namespace still holds \(occupant), which Flotilla does not prune; kept"
                    : "orphaned: custom resources of this CRD remain (\(occupant)); kept"
                logger.notice("not pruning", metadata: ["object": "\(key)", "reason": "\(reason)"])
                state.withLock { $0.keeps[key] = reason }
                continue
            }
            do throws(KubeError) {
                try client.delete(apiVersion: key.apiVersion, kind: key.kind, namespace: key.namespace, name: key.name,
                                  propagationPolicy: "Background", uid: item.uid.flatMap { $0.isEmpty ? nil : $0 })
                logger.info("pruned", metadata: ["object": "\(key)"])
                gone.insert(key)
            } catch {
                switch error {
                case .notFound:
                    gone.insert(key)
                case .conflict:
                    // The uid precondition failed: the name holds an object someone else made.
                    logger.notice("not pruning: the object was re-created by someone else",
                                  metadata: ["object": "\(key)"])
                    gone.insert(key)
                default:
                    logger.warning("prune failed", metadata: ["object": "\(key)", "error": "\(error)"])
                    kept.insert(key)
                }
            }
            if gone.contains(key) {
                state.withLock { state in
                    state.applied[key] = nil
                    state.current.remove(key)
                    state.healthyAt[key] = nil
                    state.appliedRevision[key] = nil
                    state.errors[key] = nil
                    state.openDrift[key] = nil
                }
            }
        }
        return (kept, gone)
    }

    /// Something that would go with a Namespace or CRD if it were deleted, described; nil when it is empty (or
    /// anything else). A namespace's content is read through discovery (every namespaced kind that can be listed,
    /// except what the cluster creates itself); a CRD's, by listing its custom resources.
    func occupant(of key: ObjectKey, client: KubeClient) -> String? {
        if key.isNamespace {
            guard let versions = try? client.groupVersions() else { return "content that could not be listed" }
            for groupVersion in versions {
                guard let kinds = try? client.namespacedListableKinds(groupVersion: groupVersion) else { continue }
                for kind in kinds where kind != "Event" {
                    guard let items = try? client.list(apiVersion: groupVersion, kind: kind, namespace: key.name,
                                                       pageSize: 100).items else { continue }
                    if let item = items.first(where: { !Self.comesWithNamespace($0, kind: kind) }) {
                        return "\(kind) \(item.value(at: ["metadata", "name"])?.stringValue ?? "?")"
                    }
                }
            }
            return nil
        }
        if key.isCustomResourceDefinition {
            guard let crd = state.withLock({ $0.live[key] }), let group = crd.value(at: ["spec", "group"])?.stringValue,
                  let kind = crd.value(at: ["spec", "names", "kind"])?.stringValue else { return nil }
            for version in crd.value(at: ["spec", "versions"])?.arrayValue ?? [] {
                guard let name = version["name"]?.stringValue,
                      let items = try? client.list(apiVersion: "\(group)/\(name)", kind: kind, pageSize: 1).items,
                      let first = items.first else { continue }
                return "\(kind) \(first.value(at: ["metadata", "name"])?.stringValue ?? "?")"
            }
        }
        return nil
    }

    /// Whether an object is one the cluster makes in every namespace, or one that goes with its owner (pods of a
    /// ReplicaSet being collected) or is already being deleted: none of these keeps a namespace.
    static func comesWithNamespace(_ object: JSONValue, kind: String) -> Bool {
        let name = object.value(at: ["metadata", "name"])?.stringValue ?? ""
        if (kind == "ServiceAccount" && name == "default") || (kind == "ConfigMap" && name == "kube-root-ca.crt") {
            return true
        }
        if object.value(at: ["metadata", "deletionTimestamp"]) != nil { return true }
        return !(object.value(at: ["metadata", "ownerReferences"])?.arrayValue ?? []).isEmpty
    }

    /// After a pass in which custom resources waited for their kind: when a CRD of this revision serves that kind,
    /// waits (bounded) for it to be Established and its informer to list. True when a second pass should run.
    private func waitForCustomResourceKinds(decision: SyncDecision, desired: [ObjectKey: DesiredWork]) -> Bool {
        var waiting: Set<KindKey> = []
        for (key, reason) in decision.skips {
            if case .kindUnavailable = reason { waiting.insert(key.kindKey) }
        }
        guard !waiting.isEmpty else { return false }
        // The CRDs of this revision, by the kinds they serve.
        var crds: [KindKey: ObjectKey] = [:]
        for (key, work) in desired where key.isCustomResourceDefinition {
            guard let group = work.object.value(at: ["spec", "group"])?.stringValue,
                  let kind = work.object.value(at: ["spec", "names", "kind"])?.stringValue else { continue }
            for version in work.object.value(at: ["spec", "versions"])?.arrayValue ?? [] {
                guard let name = version["name"]?.stringValue else { continue }
                crds[KindKey(apiVersion: "\(group)/\(name)", kind: kind)] = key
            }
        }
        let served = waiting.filter { crds[$0] != nil }
        guard !served.isEmpty else { return false }
        let deadline = Date().addingTimeInterval(settings.requestTimeout)
        waitForView(until: deadline) {
            state.withLock { state in
                served.allSatisfy { kind in
                    guard let crd = crds[kind], let live = state.live[crd] else { return false }
                    return (live.value(at: ["status", "conditions"])?.arrayValue ?? []).contains {
                        $0["type"]?.stringValue == "Established" && $0["status"]?.stringValue == "True"
                    }
                }
            }
        }
        state.withLock { state in for kind in served { state.informers[kind]?.retryNow() } }
        let stillMissing = ensureInformers(served, wait: settings.requestTimeout)
        return stillMissing.count < served.count
    }
}

extension Set where Element == ObjectKey {
    /// Equal, and every member under the same apiVersion (a version change must be written to the inventory).
    func isIdentical(to other: Set<ObjectKey>) -> Bool {
        guard self == other else { return false }
        return allSatisfy { key in other.firstIndex(of: key).map { other[$0].apiVersion == key.apiVersion } ?? false }
    }
}
