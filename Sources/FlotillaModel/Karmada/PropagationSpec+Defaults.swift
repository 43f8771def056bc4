/// Karmada's webhook defaulting of propagation policies (`pkg/util/helper/policy.go`,
/// `pkg/webhook/propagationpolicy/mutating.go`): what a policy means once the control plane has admitted it.
extension PropagationSpec {
    /// The spec with Karmada's defaults filled in.
    public func defaulted() -> PropagationSpec {
        var spec = self
        if var placement = spec.placement {
            placement.spreadConstraints = placement.spreadConstraints?.map { $0.defaulted() }
            placement.replicaScheduling = placement.replicaScheduling?.defaulted()
            spec.placement = placement
        }
        if let application = spec.failover?.application {
            spec.failover?.application = application.defaulted()
        }
        return spec
    }
}

extension SpreadConstraint {
    /// `spreadByField: cluster` when neither a field nor a label is set; `minGroups: 1` when 0.
    public func defaulted() -> SpreadConstraint {
        var constraint = self
        if constraint.spreadByField == nil && (constraint.spreadByLabel ?? "").isEmpty {
            constraint.spreadByField = .cluster
        }
        if (constraint.minGroups ?? 0) == 0 { constraint.minGroups = 1 }
        return constraint
    }
}

extension ReplicaSchedulingStrategy {
    /// `replicaScheduling: {}` means Divided (the CRD default), and Divided with no preference means Weighted.
    public func defaulted() -> ReplicaSchedulingStrategy {
        var strategy = self
        if strategy.replicaSchedulingType == nil { strategy.replicaSchedulingType = .divided }
        if strategy.replicaSchedulingType == .divided && strategy.replicaDivisionPreference == nil {
            strategy.replicaDivisionPreference = .weighted
        }
        return strategy
    }
}

extension ApplicationFailoverBehavior {
    /// A graceful purge waits 600 s unless told otherwise.
    public func defaulted() -> ApplicationFailoverBehavior {
        var behavior = self
        if behavior.purgeMode == .gracefully && behavior.gracePeriodSeconds == nil { behavior.gracePeriodSeconds = 600 }
        return behavior
    }
}

extension Placement {
    /// Whether replicas are divided by free capacity (dynamic weight or Aggregated).
    public var isReplicaDynamicDivided: Bool {
        guard let strategy = replicaScheduling, strategy.replicaSchedulingType == .divided else { return false }
        switch strategy.replicaDivisionPreference {
        case .aggregated?: return true
        case .weighted?: return strategy.weightPreference?.dynamicWeight != nil
        case nil: return false
        }
    }
}
