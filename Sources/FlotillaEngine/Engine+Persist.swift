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
        let rebalanced = self.rebalanced
        let taints = policyTaints
        let autoscaled = Dictionary(uniqueKeysWithValues: autoscaling.replicas.map { ($0.key.description, $0.value) })
        let evicted = evictions.persisted
        let rollouts = self.rollouts
        let (source, path, logger) = (stateKey, PersistedState.path(cacheRoot: configuration.cacheRoot,
                                                                    instance: configuration.agent.instance), logger)
        Self.persistQueue.async {
            let state = PersistedState(source: source, revision: revision, placements: Dictionary(
                uniqueKeysWithValues: placements.map { ($0.key.description, $0.value) }), rebalanced: rebalanced,
                taints: taints, autoscaled: autoscaled, evictions: evicted, rollouts: rollouts)
            do { try state.save(path: path) } catch {
                logger.warning("cannot record the state for the next start", metadata: ["error": "\(error)"])
            }
        }
    }

    /// What the status branch's copy of the state belongs to: the instance, ref and path (the repository is the one
    /// the branch is in; its URL, which may carry credentials, is never written).
    var branchStateKey: String {
        "\(configuration.agent.instance) \(configuration.ref ?? "HEAD") \(configuration.path)"
    }

    /// The state file on the status branch.
    var branchStatePath: String { "\(configuration.statusPrefix)/state.txt" }

    /// The state as the status branch records it (the revision in force, the placements): written with every status
    /// commit, so a daemon started on a new machine, or with its cache folder lost, is as sticky as the one before.
    func branchState() -> Data? {
        guard let revision = inForce?.commit else { return nil }
        let state = PersistedState(source: branchStateKey, revision: revision, placements: Dictionary(
            uniqueKeysWithValues: placementsInForce.map { ($0.key.description, $0.value) }), rebalanced: rebalanced,
            taints: policyTaints,
            autoscaled: Dictionary(uniqueKeysWithValues: autoscaling.replicas.map { ($0.key.description, $0.value) }),
            evictions: evictions.persisted, rollouts: rollouts)
        return Data(state.encoded().utf8)
    }

    /// At the first reconcile without a state in the cache folder: the state recorded on the status branch, if any.
    func restoreFromStatusBranch() async -> PersistedState? {
        guard let branch = configuration.statusBranch else { return nil }
        let prefix = configuration.statusPrefix
        guard let snapshot = try? await source.snapshot(ref: branch, path: prefix, include: { $0 == "state.txt" }),
              let file = snapshot.files.first(where: { $0.path == "state.txt" }),
              let state = PersistedState.decode(String(decoding: file.contents, as: UTF8.self)),
              state.source == branchStateKey else { return nil }
        logger.info("restored the state recorded on the status branch",
                    metadata: ["revision": "\(state.revision ?? "none")", "templates": "\(state.placements.count)"])
        return state
    }

    static let persistQueue = DispatchQueue(label: "flotilla.persist", qos: .utility)

    /// Waits until the state is on disk (at shutdown).
    func flushPersisted() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Self.persistQueue.async { continuation.resume() }
        }
    }
}
