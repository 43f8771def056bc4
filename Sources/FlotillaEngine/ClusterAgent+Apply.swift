import Dispatch
import FlotillaDiff
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging
import Synchronization

extension ClusterAgent {
    /// Applies keys over the worker clients in parallel.
    func applyAll(_ keys: [ObjectKey], desired: [ObjectKey: DesiredWork], revision: String?, version: Int) {
        guard !keys.isEmpty else { return }
        let group = DispatchGroup()
        let width = min(clients.count, keys.count)
        for worker in 0..<width {
            workerQueues[worker].async(group: group) { [self] in
                var position = worker
                while position < keys.count {
                    let key = keys[position]
                    if let work = desired[key] {
                        applyOne(key, work: work, client: clients[worker], revision: revision, version: version)
                    }
                    position += width
                }
            }
        }
        group.wait()
    }

    /// Applies one work with server-side apply; fields delegated to an autoscaler are sent only on creation.
    @discardableResult
    func applyOne(_ key: ObjectKey, work: DesiredWork, client: KubeClient, revision: String?, version: Int) -> Bool {
        var body = work.object
        let exists = state.withLock { $0.live[key] != nil }
        if exists { for path in work.delegatedPaths { body = DesiredWork.removing(path, from: body) } }
        do throws(KubeError) {
            // Forced when healing is on, and to take over an object under conflict resolution Overwrite.
            let live = try client.apply(body, fieldManager: settings.fieldManager,
                                        force: settings.selfHeal || work.takeOver)
            let dropped = work.dropped(by: live)
            if !dropped.isEmpty {
                logger.warning("the server dropped fields it does not know",
                               metadata: ["object": "\(key)", "fields": "\(dropped.joined(separator: ", "))"])
            }
            let drift = state.withLock { state -> (DriftRecord, Double?)? in
                state.dropped[key] = dropped.isEmpty ? nil : Set(dropped)
                state.applied[key] = work.comparable
                // An apply of an older desired state: what it wrote may not be what is desired now.
                if version == state.desiredVersion { state.current.insert(key) } else { state.current.remove(key) }
                state.appliedRevision[key] = revision
                state.errors[key] = nil
                // The response is the newest view only when the watch has shown nothing of the object yet: once it
                // has, its events (this write's, and any after it, such as the status a controller adds) keep the
                // view, and a response stored over them would be stale.
                guard isOwned(live), state.live[key] == nil else { return nil }
                state.live[key] = Self.kept(live, key, applied: work)
                state.foreign.remove(key)
                // The watch's echo of this object is then skipped (same resourceVersion): the comparison happens
                // here.
                return checkDrift(key, &state, event: live)
            }
            if let drift {
                report([drift])
                if settings.selfHeal { scheduleHeal() }
            }
            logger.debug("applied", metadata: ["object": "\(key)", "revision": "\(revision ?? "")"])
            return true
        } catch {
            logger.warning("apply failed", metadata: ["object": "\(key)", "error": "\(error)"])
            state.withLock { $0.errors[key] = self.error(.apply(error), key) }
            return false
        }
    }

    func ensureNamespace(_ namespace: String, client: KubeClient) throws(KubeError) {
        let key = ObjectKey(apiVersion: "v1", kind: "Namespace", namespace: nil, name: namespace)
        let present = state.withLock { $0.live[key] != nil || $0.foreign.contains(key) }
        if present { return }
        let object: JSONValue = .object([
            "apiVersion": .string("v1"), "kind": .string("Namespace"),
            "metadata": .object(["name": .string(namespace),
                                 "labels": .object([Self.managedBy: .string(settings.instance),
                                                    "flotilla.dev/ensured": .string("true")])]),
        ])
        let live = try client.apply(object, fieldManager: settings.fieldManager, force: false)
        state.withLock { $0.live[key] = Self.kept(live, key, applied: nil) }
    }
}
