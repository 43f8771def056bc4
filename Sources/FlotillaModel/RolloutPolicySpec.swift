/// The spec of Flotilla's `RolloutPolicy` (`flotilla.dev/v1alpha1`, cluster-scoped): a new revision's changes to the
/// templates it selects reach its stages' clusters one stage after another, each stage gated on the health of the
/// one before (a bake time, a manual approval), with a deadline and a failure rule.
public struct RolloutPolicySpec: Codable, Sendable, Hashable {
    /// As a PropagationPolicy's; empty or absent: every template.
    public var resourceSelectors: [ResourceSelector]?
    /// The stages, in order; a cluster belongs to the first stage whose selector matches it.
    public var stages: [RolloutStageSpec]
    /// How long a stage (one batch of its clusters) may take to be Synced and Healthy before it has failed.
    public var progressDeadlineSeconds: Int32?
    /// `halt` (default: later stages stay where they are) or `rollback` (the failed stage's clusters also go back
    /// to the revision they had).
    public var onFailure: String?

    public init(resourceSelectors: [ResourceSelector]? = nil, stages: [RolloutStageSpec],
                progressDeadlineSeconds: Int32? = nil, onFailure: String? = nil) {
        self.resourceSelectors = resourceSelectors
        self.stages = stages
        self.progressDeadlineSeconds = progressDeadlineSeconds
        self.onFailure = onFailure
    }

    /// The deadline, defaulted (600 s).
    public var deadlineSeconds: Int { Int(progressDeadlineSeconds ?? 600) }
    /// Whether a failed stage goes back to its previous revision.
    public var rollsBack: Bool { onFailure == "rollback" }
}

/// One stage of a RolloutPolicy.
public struct RolloutStageSpec: Codable, Sendable, Hashable {
    /// Used in approval tags (`flotilla/approve/<name>/<revision>`): a DNS label.
    public var name: String
    /// The clusters of the stage, by their labels (absent: every cluster no earlier stage took).
    public var clusterSelector: LabelSelector?
    /// How long the stage stays Synced and Healthy before the next stage starts.
    public var bakeSeconds: Int32?
    /// `manual`: the stage waits for an approval tag; `automatic` (default) it does not.
    public var approval: String?
    /// How many of the stage's clusters are updated at a time (default: all).
    public var maxUnavailableClusters: Int32?

    public init(name: String, clusterSelector: LabelSelector? = nil, bakeSeconds: Int32? = nil, approval: String? = nil,
                maxUnavailableClusters: Int32? = nil) {
        self.name = name
        self.clusterSelector = clusterSelector
        self.bakeSeconds = bakeSeconds
        self.approval = approval
        self.maxUnavailableClusters = maxUnavailableClusters
    }

    /// Whether the stage waits for an approval.
    public var needsApproval: Bool { approval == "manual" }
}

/// `flotilla.dev/v1alpha1` RolloutPolicy.
public enum RolloutPolicyKind: KarmadaPolicyKind {
    public typealias Spec = RolloutPolicySpec
    public static let kind = "RolloutPolicy"
}

public typealias RolloutPolicy = KarmadaPolicy<RolloutPolicyKind>

extension KarmadaValidation {
    /// A RolloutPolicy's rules: at least one stage, names DNS labels and unique, non-negative times, a positive
    /// batch size and deadline, known approval and failure modes, valid selectors.
    func validate(rolloutPolicy spec: RolloutPolicySpec) -> [ManifestError] {
        var errors = validate(selectors: spec.resourceSelectors ?? [], policyNamespace: nil)
        if spec.stages.isEmpty { errors.append(invalid("spec.stages", "must hold at least one stage")) }
        var names: Set<String> = []
        for (index, stage) in spec.stages.enumerated() {
            let path = "spec.stages[\(index)]"
            if let problem = ResourceNames.dns1123LabelProblem(stage.name) {
                errors.append(invalid("\(path).name", "\"\(stage.name)\" \(problem) (it is part of approval tags)"))
            } else if !names.insert(stage.name).inserted {
                errors.append(invalid("\(path).name", "\"\(stage.name)\" names two stages"))
            }
            if let selector = stage.clusterSelector {
                errors += validate(labelSelector: selector, at: "\(path).clusterSelector")
            }
            if let bake = stage.bakeSeconds, bake < 0 {
                errors.append(invalid("\(path).bakeSeconds", "must be greater than or equal to 0"))
            }
            if let approval = stage.approval, !["manual", "automatic"].contains(approval) {
                errors.append(invalid("\(path).approval", "\"\(approval)\" must be \"manual\" or \"automatic\""))
            }
            if let batch = stage.maxUnavailableClusters, batch < 1 {
                errors.append(invalid("\(path).maxUnavailableClusters", "must be at least 1"))
            }
        }
        if let deadline = spec.progressDeadlineSeconds, deadline < 1 {
            errors.append(invalid("spec.progressDeadlineSeconds", "must be at least 1"))
        }
        if let mode = spec.onFailure, !["halt", "rollback"].contains(mode) {
            errors.append(invalid("spec.onFailure", "\"\(mode)\" must be \"halt\" or \"rollback\""))
        }
        return errors
    }
}
