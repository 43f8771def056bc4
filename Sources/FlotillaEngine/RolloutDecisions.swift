import FlotillaModel
import FlotillaPlacement
import Foundation

/// What the engine knows when it moves a rollout on: the time, which clusters are Synced and Healthy on the works
/// they were handed, which clusters' works differ between a revision and the target, and the approval tags.
public struct RolloutWorld: Sendable {
    public var now: Date
    /// Whether `cluster` was handed its revision's works and has them Synced and Healthy.
    public var settled: @Sendable (_ cluster: String) -> Bool
    /// Whether the governed works of `cluster` under `revision` differ from those under the target.
    public var differs: @Sendable (_ cluster: String, _ revision: String) -> Bool
    /// The repository's tags under `flotilla/`.
    public var tags: Set<String>

    public init(now: Date, settled: @escaping @Sendable (String) -> Bool,
                differs: @escaping @Sendable (String, String) -> Bool, tags: Set<String>) {
        self.now = now
        self.settled = settled
        self.differs = differs
        self.tags = tags
    }

    /// Whether a tag `flotilla/approve/<stage>/<prefix of revision, 7 or more characters>` exists.
    public func approved(stage: String, revision: String) -> Bool {
        let prefix = "flotilla/approve/\(stage)/"
        return tags.contains { tag in
            guard tag.hasPrefix(prefix) else { return false }
            let short = tag.dropFirst(prefix.count)
            return short.count >= 7 && revision.hasPrefix(short)
        }
    }
}

/// Something a rollout step did, for the log and for the engine (a failure with rollback pushes a revert branch).
public enum RolloutEvent: Sendable, Equatable {
    case batchStarted(stage: String, clusters: [String])
    case awaitingApproval(stage: String, tag: String)
    case baking(stage: String, seconds: Int)
    case succeeded(stage: String)
    case failed(stage: String, unhealthy: [String], rolledBack: Bool)
}

/// The rollout decisions, as pure functions of values: starting a rollout, and moving one on.
public enum RolloutDecisions {
    /// The progress when `revision` becomes the newest: with no progress yet, every stage has it already (a first
    /// deployment is not staged); otherwise every cluster keeps the revision it has and the stages start over.
    public static func begin(_ progress: RolloutProgress?, policy: String, revision: String, scope: RolloutScope,
                             at now: Date) -> RolloutProgress {
        guard var next = progress else {
            return RolloutProgress(name: policy, target: revision, startedAt: now, stages: scope.stages.map {
                RolloutStageProgress(name: $0, state: .succeeded, since: now, message: "first revision, not staged")
            })
        }
        var revisions: [String: String] = [:]
        var good: [String: String] = [:]
        for (index, members) in scope.clusters.enumerated() {
            let passed = index < next.stages.count && next.stages[index].state == .succeeded
            for cluster in members {
                revisions[cluster] = next.revision(of: cluster)
                // Where a failure returns the cluster: what its stage last passed with.
                good[cluster] = passed ? next.revision(of: cluster) : next.before[cluster] ?? next.revision(of: cluster)
            }
        }
        next.revisions = revisions
        next.before = good
        next.target = revision
        next.startedAt = now
        next.rolledBack = nil
        next.stages = scope.stages.map { RolloutStageProgress(name: $0, state: .waiting, since: now) }
        return next
    }

    /// The progress under another name for the same works: `revision`'s governed works equal the target's on every
    /// cluster, so it takes the target's place and nothing moves.
    public static func retarget(_ progress: RolloutProgress, to revision: String) -> RolloutProgress {
        var next = progress
        let old = progress.target
        next.target = revision
        next.revisions = progress.revisions.mapValues { $0 == old ? revision : $0 }
        next.before = progress.before.mapValues { $0 == old ? revision : $0 }
        return next
    }

    /// The next progress: stages in order, each started when the one before has succeeded (after its approval when
    /// it needs one), its clusters given the target a batch at a time as the batch before becomes Synced and Healthy,
    /// then baked; a batch not healthy by the deadline fails the stage, which halts the rollout (and, with
    /// `onFailure: rollback`, returns its updated clusters to the revision they had).
    public static func step(_ progress: RolloutProgress, scope: RolloutScope,
                            world: RolloutWorld) -> (RolloutProgress, [RolloutEvent]) {
        var next = progress
        var events: [RolloutEvent] = []
        let target = progress.target
        let spec = scope.spec
        for (index, stageSpec) in spec.stages.enumerated() where index < next.stages.count {
            var stage = next.stages[index]
            defer { next.stages[index] = stage }  // on `continue`; each `return` stores it first
            let members = index < scope.clusters.count ? scope.clusters[index] : []
            func enter(_ state: RolloutStageState, message: String? = nil) {
                if stage.state != state { stage.since = world.now }
                stage.state = state
                stage.message = message
            }
            func startBatch(_ pending: [String]) {
                let batch = Array(pending.prefix(Int(stageSpec.maxUnavailableClusters ?? Int32.max)))
                for cluster in batch { next.revisions[cluster] = target }
                stage.batchStarted = world.now
                enter(.progressing, message: "updating \(batch.joined(separator: ", "))")
                events.append(.batchStarted(stage: stage.name, clusters: batch))
            }
            switch stage.state {
            case .succeeded:
                continue
            case .failed:
                next.stages[index] = stage
                return (next, events)
            case .waiting, .awaitingApproval:
                // Clusters whose works are the same under the target take it at once; a stage none of whose
                // clusters changes has nothing to wait for.
                var pending: [String] = []
                for cluster in members where next.revision(of: cluster) != target {
                    if world.differs(cluster, next.revision(of: cluster)) {
                        pending.append(cluster)
                    } else {
                        next.revisions[cluster] = target
                    }
                }
                if pending.isEmpty {
                    // Nothing to update or approve; the stage passes once its clusters are healthy.
                    if members.allSatisfy(world.settled) {
                        enter(.succeeded, message: "nothing of this revision changes on its clusters")
                        events.append(.succeeded(stage: stage.name))
                        continue
                    }
                    stage.batchStarted = world.now
                    enter(.progressing, message: "nothing changes; waiting for its clusters to be Synced and Healthy")
                    next.stages[index] = stage
                    return (next, events)
                }
                if stageSpec.needsApproval, !world.approved(stage: stage.name, revision: target) {
                    let tag = RolloutProgress.approvalTag(stage: stage.name, revision: target)
                    if stage.state != .awaitingApproval { events.append(.awaitingApproval(stage: stage.name, tag: tag)) }
                    enter(.awaitingApproval, message: "waiting for the tag \(tag)")
                    next.stages[index] = stage
                    return (next, events)
                }
                startBatch(pending)
                next.stages[index] = stage
                return (next, events)
            case .progressing, .baking:
                let updated = members.filter { next.revision(of: $0) == target }
                let unhealthy = updated.filter { !world.settled($0) }
                if !unhealthy.isEmpty {
                    let started = stage.batchStarted ?? stage.since
                    if world.now.timeIntervalSince(started) >= Double(spec.deadlineSeconds) {
                        if spec.rollsBack {
                            for cluster in updated { next.revisions[cluster] = next.before[cluster] ?? target }
                            next.rolledBack = stage.name
                        }
                        enter(.failed, message: "not Synced and Healthy within \(spec.deadlineSeconds) s: "
                                + unhealthy.joined(separator: ", ") + (spec.rollsBack ? "; rolled back" : "; halted"))
                        events.append(.failed(stage: stage.name, unhealthy: unhealthy, rolledBack: spec.rollsBack))
                    } else if stage.state == .baking {
                        // Unhealthy while baking: progressing again (the deadline counts from now), bake starts over.
                        stage.batchStarted = world.now
                        enter(.progressing, message: "not healthy while baking: \(unhealthy.joined(separator: ", "))")
                    } else {
                        stage.message = "waiting for \(unhealthy.joined(separator: ", ")) to be Synced and Healthy"
                    }
                    next.stages[index] = stage
                    return (next, events)
                }
                let remaining = members.filter { next.revision(of: $0) != target && world.differs($0, next.revision(of: $0)) }
                for cluster in members where next.revision(of: cluster) != target && !remaining.contains(cluster) {
                    next.revisions[cluster] = target
                }
                if !remaining.isEmpty {
                    startBatch(remaining)
                    next.stages[index] = stage
                    return (next, events)
                }
                // Only a stage whose clusters got a change bakes (one that only had to be healthy does not).
                let changed = members.contains { cluster in
                    next.before[cluster].map { world.differs(cluster, $0) } ?? true
                }
                let bake = changed ? Int(stageSpec.bakeSeconds ?? 0) : 0
                if stage.state == .progressing, bake > 0 {
                    enter(.baking, message: "Synced and Healthy; baking for \(bake) s")
                    events.append(.baking(stage: stage.name, seconds: bake))
                    next.stages[index] = stage
                    return (next, events)
                }
                if stage.state == .baking, world.now.timeIntervalSince(stage.since) < Double(bake) {
                    next.stages[index] = stage
                    return (next, events)
                }
                enter(.succeeded, message: bake > 0 ? "Synced and Healthy for \(bake) s" : "Synced and Healthy")
                events.append(.succeeded(stage: stage.name))
            }
        }
        return (next, events)
    }
}
