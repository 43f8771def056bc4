import FlotillaAutoscaling
import FlotillaModel
import Foundation

/// What the daemon's autoscaling remembers: the replicas FederatedHPAs and CronFederatedHPA rules set on templates
/// (they replace the source's `spec.replicas`, as Karmada's controllers write the template's scale), each
/// FederatedHPA's history and last decision, the bounds cron rules set on FederatedHPAs, and each cron rule's
/// history. A value the engine owns; what it decides comes from `FlotillaAutoscaling`.
struct AutoscalingBook: Sendable {
    /// The replicas set on a template, and by which object (`FederatedHPA ns/name` or `CronFederatedHPA ns/name`).
    var replicas: [ResourceIdentity: ScaledTemplate] = [:]
    /// Per FederatedHPA (`ns/name`).
    var autoscalers: [String: Record] = [:]
    /// Bounds cron rules set on a FederatedHPA (`ns/name`), and the source's bounds they replaced: when the source's
    /// change, the source wins again (as a new `kubectl apply` of the FederatedHPA would in Karmada).
    var bounds: [String: Bounds] = [:]
    /// Per CronFederatedHPA (`ns/name`), per rule.
    var cron: [String: [String: CronRuleHistory]] = [:]

    struct Record: Sendable {
        var history = AutoscalerHistory()
        var decision: FederatedHPADecision?
        var decidedAt: Date?
    }

    struct Bounds: Sendable, Equatable {
        var min: Int32
        var max: Int32
        var sourceMin: Int32
        var sourceMax: Int32
    }

    /// `ns/name` of a namespaced Karmada object.
    static func key<Kind>(_ object: KarmadaPolicy<Kind>) -> String {
        "\(object.metadata.namespace ?? "default")/\(object.metadata.name)"
    }

    /// The template a FederatedHPA or CronFederatedHPA in `namespace` targets.
    static func target(_ reference: CrossVersionObjectReference, namespace: String) -> ResourceIdentity {
        ResourceIdentity(group: ResourceIdentity.group(ofAPIVersion: reference.apiVersion ?? ""), kind: reference.kind,
                         namespace: namespace, name: reference.name)
    }

    /// A FederatedHPA's spec with the bounds cron rules set (while the source's bounds are the ones they replaced).
    func effective(_ hpa: FederatedHPA) -> FederatedHPASpec {
        var spec = hpa.spec
        if let bounds = bounds[Self.key(hpa)], bounds.sourceMin == spec.effectiveMinReplicas,
           bounds.sourceMax == spec.maxReplicas {
            spec.minReplicas = bounds.min
            spec.maxReplicas = bounds.max
        }
        return spec
    }

    /// Forgets what belongs to objects no longer in `manifests` (their targets go back to the source's replicas).
    mutating func prune(to manifests: Manifests) {
        let hpas = Set(manifests.federatedHPAs.map(Self.key))
        let crons = Set(manifests.cronFederatedHPAs.map(Self.key))
        replicas = replicas.filter { _, entry in
            entry.by.hasPrefix("FederatedHPA ") ? hpas.contains(String(entry.by.dropFirst(13)))
                : crons.contains(String(entry.by.dropFirst(17)))
        }
        autoscalers = autoscalers.filter { hpas.contains($0.key) }
        bounds = bounds.filter { hpas.contains($0.key) }
        cron = cron.filter { crons.contains($0.key) }
    }

    /// The manifests with the replicas set here in place of the source's.
    func scaled(_ manifests: Manifests) -> Manifests {
        guard !replicas.isEmpty else { return manifests }
        var manifests = manifests
        for index in manifests.templates.indices {
            guard let entry = replicas[manifests.templates[index].identity] else { continue }
            manifests.templates[index].content["spec"]?["replicas"] = .int(Int64(entry.replicas))
        }
        return manifests
    }

    /// The replicas by template alone (what a plan was made with).
    var plannedReplicas: [ResourceIdentity: Int32] { replicas.mapValues(\.replicas) }

    /// The earliest time a cron rule is due.
    var nextCronTime: Date? {
        cron.values.flatMap(\.values).compactMap(\.nextExecutionTime).min()
    }
}
