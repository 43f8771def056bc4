import FlotillaGit
import FlotillaModel
import Foundation

extension Engine {
    /// Loads a revision off the engine's actor (the status and the clusters' events are served meanwhile), within
    /// `loadTimeout`: a load that outlasts it refuses the revision (it finishes in the background, unused).
    func load(_ snapshot: GitSnapshot) async -> Manifests {
        let cache = parseCache
        let limit = configuration.loadTimeout
        let once = ResumeOnce()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Manifests, Never>) in
            DispatchQueue.global(qos: .userInitiated).async {
                let manifests = snapshot.manifests(cache: cache)
                if once.claim() { continuation.resume(returning: manifests) }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + limit) {
                guard once.claim() else { return }
                var refused = Manifests()
                let reason = "loading the revision took longer than \(String(format: "%g", limit)) s; refused"
                refused.errors = [.unreadable(file: snapshot.files.first?.path ?? "(source)", reason: reason)]
                continuation.resume(returning: refused)
            }
        }
    }

    func clusterChanged(_ cluster: String, readinessChanged: Bool) {
        if readinessChanged, let agent = agents[cluster] {
            metrics.clusterReady(cluster, agent.isReady)
            if inForce != nil, plannedReadiness[cluster] != agent.isReady {
                replanNeeded = true
                logger.notice("re-planning: cluster readiness changed",
                              metadata: ["cluster": "\(cluster)", "ready": "\(agent.isReady)"])
            } else if inForce != nil, let planned = plannedAPIs[cluster], planned != agent.apiEnablements {
                replanNeeded = true
                logger.notice("re-planning: the APIs the cluster serves changed", metadata: ["cluster": "\(cluster)"])
            } else if agent.isReady {
                agent.requestSync()
            }
        }
    }

    func checkConvergence(changed: Set<String>) {
        guard let pending, let inForce, pending.revision == inForce.commit else { return }
        convergedClusters.subtract(changed)
        for name in targetClusters where !convergedClusters.contains(name) {
            guard let agent = agents[name], agent.isConverged(revision: pending.revision) else { return }
            convergedClusters.insert(name)
        }
        let elapsed = Self.seconds(ContinuousClock.now - pending.seenAt)
        metrics.commitToConverged.record(elapsed)
        let clusters = handedOutAt.map { Self.seconds(ContinuousClock.now - $0) } ?? 0
        logger.info("converged", metadata: ["revision": "\(pending.revision)",
                                            "seconds": "\(String(format: "%.3f", elapsed))",
                                            "clusters_seconds": "\(String(format: "%.3f", clusters))"])
        self.pending = nil
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
