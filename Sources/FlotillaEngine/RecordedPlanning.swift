import FlotillaModel
import FlotillaPlacement

extension PersistedState {
    /// The scheduler the daemon would place `manifests` with, given what it recorded: the replicas its autoscalers
    /// set (while their FederatedHPA or CronFederatedHPA is still in the source), the placement in force (placement
    /// is sticky), the clusters templates are being evicted from, and the taints ClusterTaintPolicies put on
    /// clusters. `previous` replaces the recorded placement when given. `flotilla plan` plans with it, so a plan is
    /// the daemon's.
    public func scheduler(manifests: Manifests, states: [String: ClusterState],
                          previous given: [ResourceIdentity: [TargetCluster]]?, source: String) -> Scheduler {
        var autoscaling = AutoscalingBook()
        for template in manifests.templates {
            if let scaled = autoscaled[template.identity.description] { autoscaling.replicas[template.identity] = scaled }
        }
        autoscaling.prune(to: manifests)
        let scaledManifests = autoscaling.scaled(manifests)
        var book = EvictionBook()
        book.restore(evictions, templates: manifests.templates.map(\.identity))
        let evicted = book.evicted
        var previous = given ?? previousPlacements(of: manifests.templates.map(\.identity))
        for (template, clusters) in evicted {
            previous[template] = previous[template]?.filter { !clusters.contains($0.name) }
        }
        var scheduler = Scheduler(manifests: scaledManifests, states: states, previous: previous, source: source)
        scheduler.policyTaints = taints
        scheduler.evicted = evicted
        return scheduler
    }
}
