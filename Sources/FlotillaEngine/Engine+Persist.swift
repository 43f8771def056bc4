import FlotillaDiff
import FlotillaGit
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging

extension Engine {
    /// Records the revision in force and the placements, for the next start: encoded and written on a queue of its
    /// own (at thousands of templates that takes longer than a whole reconcile), in order, the newest last.
    func persist(revision: String) {
        let placements = placementsInForce
        let (source, path, logger) = (stateKey, PersistedState.path(cacheRoot: configuration.cacheRoot,
                                                                    instance: configuration.agent.instance), logger)
        Self.persistQueue.async {
            let state = PersistedState(source: source, revision: revision, placements: Dictionary(
                uniqueKeysWithValues: placements.map { ($0.key.description, $0.value) }))
            do { try state.save(path: path) } catch {
                logger.warning("cannot record the state for the next start", metadata: ["error": "\(error)"])
            }
        }
    }

    static let persistQueue = DispatchQueue(label: "flotilla.persist", qos: .utility)

    /// Waits until the state is on disk (at shutdown).
    func flushPersisted() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Self.persistQueue.async { continuation.resume() }
        }
    }
}
