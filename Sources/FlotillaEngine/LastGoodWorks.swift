import FlotillaModel
import FlotillaPlacement

/// What stays in force when a revision cannot place or render a template: the template's last good works (and its
/// last good placement, for sticky scheduling), marked with the reason. A failed render never prunes; only a
/// template removed from the source, or moved away by a placement that succeeded, leaves a cluster.
public enum LastGoodWorks {
    /// `rendered` with, for every placement that failed (wholly, or for some clusters), the previous works of that
    /// template on each cluster the new revision gives none of them, marked Failed with the placement's error.
    public static func retain(rendered: [String: [ObjectKey: DesiredWork]], plan: Plan,
                              previous: [String: [ObjectKey: DesiredWork]]) -> [String: [ObjectKey: DesiredWork]] {
        let failed = Dictionary(plan.placements.compactMap { placement in
            placement.error.map { (placement.identity, (placement, $0)) }
        }, uniquingKeysWith: { first, _ in first })
        guard !failed.isEmpty else { return rendered }
        var result = rendered
        for (cluster, works) in previous.sorted(by: { $0.key < $1.key }) {
            for (key, work) in works {
                guard let (placement, error) = failed[work.template], placement.works[cluster] == nil,
                      result[cluster]?[key] == nil else { continue }
                var kept = work
                kept.failure = "not rendered by this revision, the last good work stays: \(error)"
                result[cluster, default: [:]][key] = kept
            }
        }
        return result
    }

    /// The placement each template had last time it was placed: this plan's where it succeeded, the previous one's
    /// where it failed (so stickiness survives a failed revision). Templates no longer in the plan are dropped.
    public static func placements(plan: Plan, previous: [ResourceIdentity: [TargetCluster]])
        -> [ResourceIdentity: [TargetCluster]] {
        var result: [ResourceIdentity: [TargetCluster]] = [:]
        for placement in plan.placements {
            if placement.error != nil, placement.clusters.isEmpty, let kept = previous[placement.identity] {
                result[placement.identity] = kept
            } else {
                result[placement.identity] = placement.clusters
            }
        }
        return result
    }
}
