import Dispatch
import FlotillaDiff
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging
import Synchronization

extension ClusterAgent {
    /// One probe (blocking; on the probe lane): readiness, the version, discovery when due; tells the engine when
    /// readiness or the APIs served changed. False when the cluster has no connection to probe with.
    func probe(_ prober: Prober) -> Bool {
        guard let transport = prober.transport else { return false }
        let client = KubeClient(transport: transport)
        do {
            let now = clock.now()
            var healthy = false
            var problem: String?
            let response = try? transport.perform(KubeRequest(path: "/readyz", timeout: 2))
            if let response, response.status == 200 {
                healthy = true
            } else if let response, response.status == 404,
                      let fallback = try? transport.perform(KubeRequest(path: "/healthz", timeout: 2)), fallback.status == 200 {
                healthy = true
            } else {
                problem = response.map { "/readyz answered \($0.status)" } ?? "unreachable"
            }
            var version = state.withLock { $0.version }
            if healthy, version == nil {
                do throws(KubeError) { version = try client.version() } catch { healthy = false; problem = "\(error)" }
            }
            let refused = version.flatMap(Self.refusal(forVersion:))
            // API enablement and scopes, from discovery: at the first healthy probe, every 30 s, and after a CRD
            // changed. A change re-plans (as Karmada's cluster status controller feeds its scheduler).
            let apisChanged = healthy && refused == nil && discover(client, now: now)
            let transition = state.withLock { state -> Bool in
                state.lastProbe = now
                state.version = version
                state.refused = refused
                state.probeError = problem
                let wasReady = state.ready
                let firstProbe = !state.everProbed
                state.everProbed = true
                if healthy && refused == nil {
                    state.failingSince = nil
                    state.ready = true
                } else {
                    if state.failingSince == nil { state.failingSince = now }
                    if firstProbe || now.timeIntervalSince(state.failingSince!) >= settings.failureThreshold {
                        state.ready = false
                    }
                }
                if wasReady != state.ready || firstProbe { state.lastTransition = now }
                return wasReady != state.ready || firstProbe
            }
            if transition {
                let ready = state.withLock { $0.ready }
                logger.notice(ready ? "cluster ready" : "cluster not ready",
                              metadata: ["reason": "\(refused ?? problem ?? "")"])
            }
            if transition || apisChanged {
                // The engine decides what happens next: a re-plan, or a sync of what this cluster already has.
                onChange(name, true)
            }
        }
        return true
    }

    /// Reads discovery when it is due; returns whether what the cluster serves changed since the last read (the
    /// first read is no change: the first plan waits for the first probe).
    func discover(_ client: KubeClient, now: Date) -> Bool {
        let (due, generation) = state.withLock { state in
            (state.served == nil || state.discoveryDue
                || now.timeIntervalSince(state.lastDiscovery ?? .distantPast) >= 30, state.crdEvents)
        }
        guard due, let resources = try? client.servedResources() else { return false }
        var served: [KindKey: Bool] = [:]
        for resource in resources {
            let apiVersion = resource.group.isEmpty ? resource.version : "\(resource.group)/\(resource.version)"
            served[KindKey(apiVersion: apiVersion, kind: resource.kind)] = resource.namespaced
        }
        return state.withLock { state in
            let changed = state.served != nil && state.served != served
            state.served = served
            state.lastDiscovery = now
            // A CRD event that came while discovery was being read may not be in it: read again at the next probe.
            if state.crdEvents == generation { state.discoveryDue = false }
            return changed
        }
    }

    /// Why a cluster of this version is refused (older than Kubernetes 1.11), or nil.
    static func refusal(forVersion version: String) -> String? {
        let digits = version.drop { $0 == "v" }.split(separator: ".").prefix(2)
            .map { Int($0.prefix { $0.isNumber }) ?? 0 }
        guard digits.count == 2 else { return nil }
        if digits[0] < 1 || (digits[0] == 1 && digits[1] < 11) {
            return "Kubernetes \(version) is older than 1.11, which Flotilla needs"
        }
        return nil
    }
}
