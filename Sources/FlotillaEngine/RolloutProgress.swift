import Foundation

/// Where one stage of a rollout is.
public enum RolloutStageState: String, Codable, Sendable, CaseIterable {
    /// The stage before it has not passed yet.
    case waiting = "Waiting"
    /// Its clusters (a batch of them at a time) are being updated and have not all become Synced and Healthy.
    case progressing = "Progressing"
    /// Updated, Synced and Healthy; staying so for the bake time.
    case baking = "Baking"
    /// Waiting for the approval tag of its revision.
    case awaitingApproval = "AwaitingApproval"
    case succeeded = "Succeeded"
    /// Not healthy by the deadline: the rollout is halted here.
    case failed = "Failed"
}

/// One stage's progress.
public struct RolloutStageProgress: Codable, Sendable, Equatable {
    public var name: String
    public var state: RolloutStageState
    /// When the stage entered its state.
    public var since: Date
    /// When the batch being updated was handed out (the progress deadline counts from it).
    public var batchStarted: Date?
    /// Why it is in its state (the clusters not healthy, the tag it waits for).
    public var message: String?

    public init(name: String, state: RolloutStageState, since: Date, batchStarted: Date? = nil, message: String? = nil) {
        self.name = name
        self.state = state
        self.since = since
        self.batchStarted = batchStarted
        self.message = message
    }
}

/// One RolloutPolicy's rollout: the revision being promoted, the revision each cluster of its stages has for the
/// templates it governs, and each stage's state. A value: `RolloutDecisions` computes the next one.
public struct RolloutProgress: Codable, Sendable, Equatable {
    /// The policy's name.
    public var name: String
    /// The newest revision, being promoted through the stages.
    public var target: String
    /// When promoting `target` began.
    public var startedAt: Date
    /// The revision of the governed templates each cluster has (a cluster not listed has `target`).
    public var revisions: [String: String]
    /// The revision each cluster's stage last passed with (where a rollback returns it).
    public var before: [String: String]
    public var stages: [RolloutStageProgress]
    /// The stage a failure rolled back, if one did.
    public var rolledBack: String?

    public init(name: String, target: String, startedAt: Date, revisions: [String: String] = [:],
                before: [String: String] = [:], stages: [RolloutStageProgress], rolledBack: String? = nil) {
        self.name = name
        self.target = target
        self.startedAt = startedAt
        self.revisions = revisions
        self.before = before
        self.stages = stages
        self.rolledBack = rolledBack
    }

    /// The revision `cluster` has.
    public func revision(of cluster: String) -> String { revisions[cluster] ?? target }

    /// Every revision some cluster has or may return to (the engine keeps their works).
    public var referencedRevisions: Set<String> {
        Set(revisions.values).union(before.values).union([target])
    }

    /// Whether every stage has passed or the rollout has halted (nothing will move without a new revision or an
    /// approval).
    public var isSettled: Bool {
        stages.allSatisfy { $0.state == .succeeded } || stages.contains { $0.state == .failed }
    }

    /// The short form of a revision in tags and branch names.
    public static func short(_ revision: String) -> String { String(revision.prefix(7)) }

    /// The tag that approves `stage` for `revision`.
    public static func approvalTag(stage: String, revision: String) -> String {
        "flotilla/approve/\(stage)/\(short(revision))"
    }

    /// The branch holding the revert of a failed `revision`.
    public static func revertBranch(revision: String) -> String { "flotilla/revert/\(short(revision))" }
}
