import FlotillaDiff
import FlotillaGit
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging

extension Engine {
    func ensureAgents(for clusters: [Cluster]) async {
        var added: [ClusterAgent] = []
        for cluster in clusters where agents[cluster.name] == nil {
            let dial: ClusterDial?
            let error: String?
            switch connector.dialer(for: cluster) {
            case .success(let found): (dial, error) = (found, nil)
            case .failure(let failure): (dial, error) = (nil, failure.description)
            }
            let name = cluster.name
            let agent = ClusterAgent(
                name: name, dial: dial, connectionError: error, settings: configuration.agent, clock: clock,
                logger: logger,
                onChange: { [signals] cluster, readiness in
                    // Events can come by the thousand: noted and coalesced, the loop wakes once for a burst.
                    signals.clusterChanged(cluster, readiness: readiness)
                },
                onRequest: { [metrics] cluster, verb, code in metrics.request(cluster: cluster, verb: verb, code: code) },
                onDrift: { [metrics] record, delay in
                    metrics.drift(cluster: record.cluster)
                    if let delay { metrics.driftDetected.record(delay) }
                })
            agents[name] = agent
            added.append(agent)
            agentTasks.start(agent)
        }
        let names = Set(clusters.map(\.name))
        for (name, agent) in agents where !names.contains(name) {
            logger.notice("cluster removed from the source; no longer reconciled", metadata: ["cluster": "\(name)"])
            agent.stop()
            agents[name] = nil
        }
        // Placement needs to know which new clusters answer: wait (at most 15 s, under load) for their first probe.
        let deadline = ContinuousClock.now + .seconds(15)
        // ... and for their capacity (Nodes listed, or not listable): planned without it, a Divided workload would
        // go wholly to the clusters whose capacity is not known yet. Bounded: a hung cluster holds nothing.
        while ContinuousClock.now < deadline {
            let generation = signals.generation
            guard added.contains(where: { !$0.hasProbed || ($0.isReady && !$0.hasCapacityView) }) else { break }
            await signals.changed(after: generation, timeout: Self.seconds(deadline - ContinuousClock.now))
        }
    }

    /// The connection of a cluster: the kubeconfig context of its name, else a kubeconfig file of its name (or its
    /// secretRef's) in the credentials folder, else its `apiEndpoint` without credentials; or why there is none.
    ///
    /// Credentials are never sent to a plain `http://` endpoint unless `allowInsecureEndpoints` says so: the cluster
    /// is then unreachable, and says why.
    public static func connection(for cluster: Cluster, kubeconfig: Kubeconfig?, kubeconfigError: String? = nil,
                                  credentialsDirectory: String?,
                                  allowInsecureEndpoints: Bool = false) -> (ClusterConnection?, String?) {
        let (found, problem) = resolvedConnection(for: cluster, kubeconfig: kubeconfig,
                                                  kubeconfigError: kubeconfigError,
                                                  credentialsDirectory: credentialsDirectory)
        guard let found else { return (nil, problem) }
        if !allowInsecureEndpoints, let refusal = insecureRefusal(found) { return (nil, refusal) }
        return (found, nil)
    }

    /// Why credentials must not go to this connection's endpoint (plain HTTP), or nil.
    static func insecureRefusal(_ connection: ClusterConnection) -> String? {
        guard connection.server.scheme?.lowercased() == "http",
              connection.credentials != .none || connection.clientCertificatePEM != nil else { return nil }
        return "refusing to send credentials to \(connection.server.absoluteString) over plain http:// "
            + "(use https, or --allow-insecure-endpoints)"
    }

    private static func resolvedConnection(for cluster: Cluster, kubeconfig: Kubeconfig?, kubeconfigError: String?,
                                           credentialsDirectory: String?) -> (ClusterConnection?, String?) {
        if let kubeconfig, kubeconfig.contexts[cluster.name] != nil {
            do throws(KubeconfigError) { return (try kubeconfig.connection(context: cluster.name), nil) } catch {
                return (nil, "\(error)")
            }
        }
        if let folder = credentialsDirectory {
            let secretName = cluster.spec.secretRef?.name ?? cluster.name
            // A name that is not a Secret's (`../x`, `a/b`) never becomes a path.
            if let problem = ResourceNames.dns1123SubdomainProblem(secretName) {
                return (nil, "cannot use \"\(secretName)\" as a credentials file name: \(problem)")
            }
            for candidate in [secretName, "\(secretName).yaml", "\(secretName).kubeconfig", "\(secretName)/kubeconfig"] {
                let path = "\(folder)/\(candidate)"
                guard FileManager.default.fileExists(atPath: path) else { continue }
                do throws(KubeconfigError) {
                    let file = try Kubeconfig.load(path: path)
                    return (try file.connection(), nil)
                } catch {
                    return (nil, "\(error)")
                }
            }
        }
        if let endpoint = cluster.spec.apiEndpoint, let url = URL(string: endpoint) {
            return (ClusterConnection(context: cluster.name, server: url), nil)
        }
        return (nil, kubeconfigError ?? "no kubeconfig context, credentials file or apiEndpoint for cluster \(cluster.name)")
    }
}
