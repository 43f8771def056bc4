import FlotillaDiff
import FlotillaGit
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging

extension Engine {
    /// Templates whose `spec.replicas` belongs to an autoscaler in the member clusters: labelled with Karmada's
    /// retain-replicas label. (A FederatedHPA's target is not among them: Flotilla's own autoscaling sets the
    /// template's replicas, which the policy divides and the works carry, so a failover moves them too.)
    static func delegatedTemplates(_ manifests: Manifests) -> Set<ResourceIdentity> {
        var result: Set<ResourceIdentity> = []
        for template in manifests.templates
        where template.labels["resourcetemplate.karmada.io/retain-replicas"] == "true" {
            result.insert(template.identity)
        }
        return result
    }

    /// Where a template's works are: the cluster and key of each.
    public typealias WorkIndex = [ResourceIdentity: [(cluster: String, key: ObjectKey)]]

    /// The plan of a revision and the works it gives each cluster.
    public static func desiredWorks(manifests: Manifests, states: [String: ClusterState],
                                    previous: [ResourceIdentity: [TargetCluster]], revision: String,
                                    path: String, instance: String = "flotilla") -> (Plan, [String: [ObjectKey: DesiredWork]]) {
        let (plan, works, _) = desiredWorks(manifests: manifests, states: states, previous: previous, revision: revision,
                                            path: path, instance: instance, reusable: [:], inForce: nil)
        return (plan, works)
    }

    /// The plan of a revision, the works it gives each cluster and where each template's works are. With placements
    /// to reuse, the works in force are taken over and only those of the other templates are removed and rendered
    /// (a commit touching one template costs one template, not the whole source).
    static func desiredWorks(manifests: Manifests, states: [String: ClusterState],
                             previous: [ResourceIdentity: [TargetCluster]], revision: String, path: String,
                             instance: String, reusable: [ResourceIdentity: TemplatePlacement],
                             inForce: (works: [String: [ObjectKey: DesiredWork]], index: WorkIndex)?,
                             policyTaints: [String: [Taint]] = [:], pinned: [ResourceIdentity: PolicyChoice] = [:],
                             evicted: [ResourceIdentity: Set<String>] = [:])
        -> (Plan, [String: [ObjectKey: DesiredWork]], WorkIndex) {
        let label = path.isEmpty ? "." : path
        var scheduler = Scheduler(manifests: manifests, states: states, previous: previous,
                                  source: "\(label)@\(revision.prefix(12))", managedBy: instance)
        scheduler.reusable = reusable
        scheduler.policyTaints = policyTaints
        scheduler.pinned = pinned
        scheduler.evicted = evicted
        let plan = scheduler.plan(revision: revision)
        let delegated = delegatedTemplates(manifests)
        let dispatch = DispatchOptions.of(plan, manifests: manifests)
        var works: [String: [ObjectKey: DesiredWork]] = [:]
        var index: WorkIndex = [:]
        var reused: Set<ResourceIdentity> = []
        if let inForce, !reusable.isEmpty {
            works = inForce.works
            reused = Set(plan.placements.lazy.filter(\.reused).map(\.identity))
            for (template, refs) in inForce.index {
                if reused.contains(template) {
                    index[template] = refs
                } else {
                    for ref in refs { works[ref.cluster]?[ref.key] = nil }
                }
            }
        }
        for placement in plan.placements where !reused.contains(placement.identity) {
            let paths: Set<String> = delegated.contains(placement.identity) ? ["spec.replicas"] : []
            var refs: [(cluster: String, key: ObjectKey)] = []
            let options = dispatch[placement.identity] ?? DispatchOptions()
            for (cluster, rendered) in placement.works {
                guard let key = ObjectKey(rendered) else { continue }
                var object = rendered
                if options.preserveOnDeletion {
                    object["metadata"]?["annotations"]?[DispatchOptions.preserveAnnotation] = .string("true")
                }
                let suspended = options.isSuspended(on: cluster)
                    ? "dispatching suspended by \(placement.policy?.description ?? "its policy")" : nil
                works[cluster, default: [:]][key] = DesiredWork(object: object, template: placement.identity,
                                                                delegatedPaths: paths, suspended: suspended,
                                                                takeOver: options.takeOver)
                refs.append((cluster, key))
            }
            index[placement.identity] = refs
        }
        return (plan, works, index)
    }
}
