import FlotillaKube
import FlotillaModel
import Foundation

extension ClusterAgent {
    /// The label selector of this instance's informers: the watch sees only what carries its managed-by label, so
    /// memory and RBAC grow with what Flotilla manages, not with the cluster.
    var ownedSelector: String { "\(Self.managedBy)=\(settings.instance)" }

    /// Whether a kind is watched whole (Namespaces, to know which exist; Nodes, for capacity) rather than only what
    /// this instance owns.
    static func watchedWhole(_ kind: KindKey) -> Bool {
        kind == namespaceKind || kind == nodeKind
    }

    /// Looks up, in the cluster, the desired keys the label-selected view does not show as Flotilla's: an object of
    /// that name may exist without the label (someone else's: a collision; or released, its label removed). Few keys
    /// of a kind and namespace are read one by one; more, by one list of what does not carry this instance's label.
    /// The view is updated; returns the kinds whose objects could not be looked up (their works wait: nothing is
    /// applied over an object that might not be Flotilla's).
    func verifyUnowned(_ keys: [ObjectKey], client: KubeClient) -> [KindKey: String] {
        var failed: [KindKey: String] = [:]
        let groups = Dictionary(grouping: keys.filter { !Self.watchedWhole($0.kindKey) }) {
            KindNamespace(kind: $0.kindKey, namespace: $0.namespace)
        }
        for (group, members) in groups.sorted(by: { ($0.key.kind, $0.key.namespace ?? "") < ($1.key.kind, $1.key.namespace ?? "") }) {
            var found: [ObjectKey: JSONValue] = [:]
            do throws(KubeError) {
                if members.count <= 16 {
                    for key in members {
                        do throws(KubeError) {
                            var object = try client.get(apiVersion: key.apiVersion, kind: key.kind,
                                                        namespace: key.namespace, name: key.name)
                            object["apiVersion"] = .string(key.apiVersion)
                            object["kind"] = .string(key.kind)
                            found[key] = object
                        } catch {
                            guard case .notFound = error else { throw error }
                        }
                    }
                } else {
                    let wanted = Set(members)
                    let listed = try client.list(apiVersion: group.kind.apiVersion, kind: group.kind.kind,
                                                 namespace: group.namespace,
                                                 labelSelector: "\(Self.managedBy)!=\(settings.instance)").items
                    for var item in listed {
                        item["apiVersion"] = .string(group.kind.apiVersion)
                        item["kind"] = .string(group.kind.kind)
                        if let key = ObjectKey(item), wanted.contains(key) { found[key] = item }
                    }
                }
            } catch {
                failed[group.kind] = "cannot look up \(group.kind.kind) (\(group.kind.apiVersion)) objects: \(error)"
                continue
            }
            state.withLock { state in
                for key in members {
                    guard let object = found[key] else {
                        state.foreign.remove(key)
                        continue
                    }
                    if isOwned(object) {
                        // Flotilla's, and the watch has not shown it yet.
                        if state.live[key] == nil { state.live[key] = Self.kept(object, key, applied: state.desired[key]) }
                        state.foreign.remove(key)
                    } else {
                        state.live[key] = nil
                        state.foreign.insert(key)
                    }
                }
            }
        }
        return failed
    }
}

extension ClusterAgent {
    /// The desired works with each object's scope as the cluster serves it (discovery), not as the source guessed
    /// it: a custom resource whose CRD is not in the source is namespaced by default, and a cluster-scoped one would
    /// otherwise carry a namespace the server drops (its key would never match what the watch shows). Nil when every
    /// key is right already.
    func normalisingScopes(_ desired: [ObjectKey: DesiredWork],
                           served: [KindKey: Bool]) -> [ObjectKey: DesiredWork]? {
        // Nearly always nothing to change: look before building a new set of works.
        guard desired.keys.contains(where: { key in
            served[key.kindKey].map { $0 == (key.namespace == nil) } ?? false
        }) else { return nil }
        var changed = false
        var result: [ObjectKey: DesiredWork] = [:]
        result.reserveCapacity(desired.count)
        for (key, work) in desired {
            guard let namespaced = served[key.kindKey], namespaced == (key.namespace == nil) else {
                result[key] = work
                continue
            }
            changed = true
            var object = work.object
            var newKey = key
            if namespaced {
                newKey.namespace = "default"
                object["metadata"]?["namespace"] = .string("default")
            } else {
                newKey.namespace = nil
                object["metadata"]?["namespace"] = nil
            }
            logger.debug("scope from discovery", metadata: ["object": "\(key)", "namespaced": "\(namespaced)"])
            result[newKey] = DesiredWork(object: object, template: work.template, delegatedPaths: work.delegatedPaths,
                                         failure: work.failure, suspended: work.suspended, takeOver: work.takeOver)
        }
        return changed ? result : nil
    }
}

/// A kind in one namespace (nil: cluster-scoped, or every namespace).
struct KindNamespace: Hashable {
    var kind: KindKey
    var namespace: String?
}
