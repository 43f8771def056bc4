import FlotillaGit
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging

/// What the engine learnt at the last handout for one RolloutPolicy: its scope, the templates whose health gates each
/// cluster, the revision each cluster was handed, and which revisions' works equal the target's.
struct RolloutKnowledge: Sendable {
    var scope: RolloutScope
    /// Per cluster, the governed templates whose works differ between the revision its stage last passed with and
    /// the target: what "Synced and Healthy" looks at (an unrelated workload's health does not gate a rollout).
    var watched: [String: Set<ResourceIdentity>]
    var handed: [String: String]
    var sameAsTarget: [String: Set<String>]
}

/// What an earlier revision is planned with: the clusters' state and the placements of now, and the source's filter.
struct RevisionInputs: Sendable {
    var states: [String: ClusterState]
    var previous: [ResourceIdentity: [TargetCluster]]
    var include: @Sendable (String) -> Bool
}

/// An earlier revision as a rollout stage has it: its works (planned with the clusters' state of now), manifests, and
/// the templates each of its RolloutPolicies governs.
struct PlannedRevision: Sendable {
    var works: [String: [ObjectKey: DesiredWork]]
    var manifests: Manifests
    var governed: [String: Set<ResourceIdentity>]

    init(works: [String: [ObjectKey: DesiredWork]], manifests: Manifests,
         scopes: [RolloutScope]? = nil) {
        self.works = works
        self.manifests = manifests
        governed = Dictionary((scopes ?? RolloutScope.of(manifests)).map { ($0.policy, $0.templates) },
                              uniquingKeysWith: { first, _ in first })
    }
}

extension Engine {
    typealias ClusterWorks = [String: [ObjectKey: DesiredWork]]

    /// The works with, on every cluster of a RolloutPolicy's stages, the governed templates' works of the revision
    /// that cluster has (the target's only where the stage before has passed). Starts a rollout when the head
    /// changes the governed works, and records what `evaluateRollouts` needs.
    func stageWorks(_ works: ClusterWorks, manifests: Manifests, commit: String, states: [String: ClusterState],
                    previous: [ResourceIdentity: [TargetCluster]],
                    include: @escaping @Sendable (String) -> Bool) async -> ClusterWorks {
        if !rolloutsRestored {
            rolloutsRestored = true
            if rollouts.isEmpty { rollouts = restored?.rollouts ?? [:] }
        }
        let scopes = RolloutScope.of(manifests)
        let names = Set(scopes.map(\.policy))
        rollouts = rollouts.filter { names.contains($0.key) }
        guard !scopes.isEmpty else {
            rolloutKnowledge = [:]
            rolloutManifests = [:]
            return works
        }
        var planned: [String: PlannedRevision?] = [commit: PlannedRevision(works: works, manifests: manifests,
                                                                            scopes: scopes)]
        let inputs = RevisionInputs(states: states, previous: previous, include: include)
        var result = works
        var knowledge: [String: RolloutKnowledge] = [:]
        var kept: [String: Manifests] = [:]
        let now = clock.now()
        for scope in scopes {
            // The templates the policy governs in the head or in an earlier revision.
            func governed(_ old: PlannedRevision) -> Set<ResourceIdentity> {
                scope.templates.union(old.governed[scope.policy] ?? [])
            }
            var progress: RolloutProgress
            var started = false
            if let current = rollouts[scope.policy] {
                progress = current
                if current.target != commit {
                    let old = await plannedRevision(current.target, inputs, cache: &planned)
                    let unchanged = old.map { old in
                        scope.allClusters.allSatisfy {
                            Self.differing(works[$0], old.works[$0], governed(old)).isEmpty
                        }
                    } ?? false
                    // After a failure any new revision is a new attempt (a fix, or the policy changed).
                    if unchanged, !current.stages.contains(where: { $0.state == .failed }),
                       current.stages.map(\.name) == scope.stages {
                        progress = RolloutDecisions.retarget(current, to: commit)
                    } else {
                        progress = RolloutDecisions.begin(current, policy: scope.policy, revision: commit, scope: scope,
                                                          at: now)
                        started = true
                    }
                }
            } else {
                progress = RolloutDecisions.begin(nil, policy: scope.policy, revision: commit, scope: scope, at: now)
            }
            rollouts[scope.policy] = progress
            var sameAsTarget: [String: Set<String>] = [:]
            for other in progress.referencedRevisions.sorted() where other != commit {
                guard let old = await plannedRevision(other, inputs, cache: &planned) else { continue }
                kept[other] = old.manifests
                for cluster in scope.allClusters
                where Self.differing(works[cluster], old.works[cluster], governed(old)).isEmpty {
                    sameAsTarget[cluster, default: []].insert(other)
                }
            }
            var watched: [String: Set<ResourceIdentity>] = [:]
            for cluster in scope.allClusters {
                let base = progress.before[cluster] ?? progress.revision(of: cluster)
                guard base != commit else { continue }
                guard let old = await plannedRevision(base, inputs, cache: &planned) else {
                    watched[cluster] = scope.templates
                    continue
                }
                watched[cluster] = Self.differing(works[cluster], old.works[cluster], governed(old))
            }
            var handed: [String: String] = [:]
            for cluster in scope.allClusters {
                let wanted = progress.revision(of: cluster)
                guard wanted != commit, let old = await plannedRevision(wanted, inputs, cache: &planned) else {
                    handed[cluster] = commit
                    continue
                }
                let both = governed(old)
                var clusterWorks = (result[cluster] ?? [:]).filter { !both.contains($0.value.template) }
                for (key, work) in old.works[cluster] ?? [:] where both.contains(work.template) {
                    clusterWorks[key] = work
                }
                result[cluster] = clusterWorks
                handed[cluster] = wanted
            }
            if started {
                // What the revision changes, per cluster: what each stage waits for.
                let changes = watched.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { cluster, templates in
                    "\(cluster): " + templates.map(\.description).sorted().joined(separator: ", ")
                }
                logger.notice("rollout started", metadata: ["rollout": "\(scope.policy)", "revision": "\(commit)",
                                                            "changes": "\(changes.joined(separator: "; "))"])
            }
            knowledge[scope.policy] = RolloutKnowledge(scope: scope, watched: watched,
                                                       handed: handed, sameAsTarget: sameAsTarget)
        }
        rolloutKnowledge = knowledge
        rolloutManifests = kept
        rolloutChanges += 1
        metrics.rollouts(rollouts)
        return result
    }

    /// An earlier revision's works, planned now (with the clusters' state of now): its manifests from memory or
    /// from Git. Nil when it cannot be read or does not validate (its clusters then get the head's works).
    private func plannedRevision(_ revision: String, _ inputs: RevisionInputs,
                                 cache: inout [String: PlannedRevision?]) async -> PlannedRevision? {
        if let known = cache[revision] { return known }
        let result = await plan(revision, states: inputs.states, previous: inputs.previous, include: inputs.include)
        cache[revision] = result
        return result
    }

    private func plan(_ revision: String, states: [String: ClusterState], previous: [ResourceIdentity: [TargetCluster]],
                      include: @escaping @Sendable (String) -> Bool) async -> PlannedRevision? {
        var manifests = rolloutManifests[revision]
        if manifests == nil {
            do {
                let snapshot = try await source.snapshot(ref: revision, path: configuration.path, include: include)
                manifests = await load(snapshot)
            } catch {
                logger.warning("a rollout's revision cannot be read; its clusters get the head's works",
                               metadata: ["revision": "\(revision)", "error": "\(error)"])
                return nil
            }
        }
        guard let manifests, manifests.isValid else { return nil }
        let (_, works) = Self.desiredWorks(manifests: autoscaling.scaled(manifests), states: states, previous: previous,
                                           revision: revision, path: configuration.path,
                                           instance: configuration.agent.instance)
        return PlannedRevision(works: works, manifests: manifests)
    }

    /// The templates among `templates` whose works differ between two clusters' works.
    static func differing(_ lhs: [ObjectKey: DesiredWork]?, _ rhs: [ObjectKey: DesiredWork]?,
                          _ templates: Set<ResourceIdentity>) -> Set<ResourceIdentity> {
        func byTemplate(_ works: [ObjectKey: DesiredWork]?) -> [ResourceIdentity: [ObjectKey: JSONValue]] {
            var result: [ResourceIdentity: [ObjectKey: JSONValue]] = [:]
            for (key, work) in works ?? [:] where templates.contains(work.template) {
                result[work.template, default: [:]][key] = work.comparable
            }
            return result
        }
        let left = byTemplate(lhs)
        let right = byTemplate(rhs)
        return Set(Set(left.keys).union(right.keys).filter { left[$0] != right[$0] })
    }

    /// Moves every rollout on (health, bake, approvals, deadlines); a change of the revisions clusters have is
    /// handed out with a re-plan. Runs after each handout, on cluster events and every second while one is moving.
    func evaluateRollouts() {
        guard !rollouts.isEmpty, !stopped else { return }
        var replan = false
        var changed = false
        for (name, knowledge) in rolloutKnowledge.sorted(by: { $0.key < $1.key }) {
            // A rollout that has passed or halted does not move until a new revision: no health to look at.
            guard let progress = rollouts[name], !progress.isSettled else { continue }
            let target = progress.target
            let settled = Set(knowledge.scope.allClusters.filter { cluster in
                knowledge.handed[cluster] == progress.revision(of: cluster)
                    && agents[cluster]?.isSettled(templates: knowledge.watched[cluster] ?? []) == true
            })
            let same = knowledge.sameAsTarget
            let world = RolloutWorld(now: clock.now(), settled: { settled.contains($0) },
                                     differs: { cluster, revision in
                                         revision != target && !(same[cluster]?.contains(revision) ?? false)
                                     }, tags: flotillaTags)
            let (next, events) = RolloutDecisions.step(progress, scope: knowledge.scope,
                                                       world: world)
            guard next != progress else { continue }
            changed = true
            if next.revisions != progress.revisions { replan = true }
            rollouts[name] = next
            for event in events { report(event, rollout: name, progress: next) }
        }
        if changed {
            rolloutChanges += 1
            metrics.rollouts(rollouts)
            if let revision = inForce?.commit, !replan { persist(revision: revision) }
        }
        if replan { requestReplan() }
        armRolloutTimer()
    }

    private func report(_ event: RolloutEvent, rollout: String, progress: RolloutProgress) {
        let base: Logger.Metadata = ["rollout": "\(rollout)", "revision": "\(progress.target)"]
        switch event {
        case .batchStarted(let stage, let clusters):
            logger.notice("rollout stage updating clusters", metadata: base.merging([
                "stage": "\(stage)", "clusters": "\(clusters.joined(separator: ","))"]) { a, _ in a })
        case .awaitingApproval(let stage, let tag):
            logger.notice("rollout stage awaiting approval", metadata: base.merging([
                "stage": "\(stage)", "tag": "\(tag)"]) { a, _ in a })
        case .baking(let stage, let seconds):
            logger.info("rollout stage baking", metadata: base.merging([
                "stage": "\(stage)", "seconds": "\(seconds)"]) { a, _ in a })
        case .succeeded(let stage):
            logger.notice("rollout stage succeeded", metadata: base.merging(["stage": "\(stage)"]) { a, _ in a })
        case .failed(let stage, let unhealthy, let rolledBack):
            logger.error("rollout stage failed; the rollout is halted", metadata: base.merging([
                "stage": "\(stage)", "unhealthy": "\(unhealthy.joined(separator: ","))",
                "rolled_back": "\(rolledBack)"]) { a, _ in a })
            pushRevertBranch(rollout: rollout, progress: progress, stage: stage)
        }
    }

    /// Pushes `flotilla/revert/<short revision>`: a commit on the failed revision whose tree is the revision the
    /// failed stage had before, for the team to review and merge. Never forced; a failure is logged.
    private func pushRevertBranch(rollout: String, progress: RolloutProgress, stage: String) {
        guard let scope = rolloutKnowledge[rollout]?.scope, let index = scope.stages.firstIndex(of: stage),
              let before = scope.clusters[index].compactMap({ progress.before[$0] })
                .first(where: { $0 != progress.target }) else { return }
        let target = progress.target
        let branch = RolloutProgress.revertBranch(revision: target)
        let message = "Revert to \(RolloutProgress.short(before)): rollout \(rollout) failed at stage \(stage)\n\n"
            + "The revision \(target) was not Synced and Healthy on stage \(stage) in time. This commit's tree is\n"
            + "\(before)'s, the revision the stage had before. Flotilla-Rollout: \(rollout)\n"
        let source = self.source
        let logger = self.logger
        Task {
            do {
                try await source.run("revert") { mirror throws(GitError) in
                    _ = try mirror.commitTree(of: before, parent: target, branch: branch, message: message,
                                              author: GitSignature(name: "Flotilla", email: "flotilla@localhost"))
                    try mirror.pushBranch(branch)
                }
                logger.notice("pushed a revert branch", metadata: ["branch": "\(branch)", "rollout": "\(rollout)"])
            } catch {
                logger.warning("cannot push the revert branch", metadata: ["branch": "\(branch)", "error": "\(error)"])
            }
        }
    }

    /// Ticks every second of the engine's clock while some rollout is moving (bake times, deadlines, approvals).
    func armRolloutTimer() {
        guard !rolloutTimerArmed, !stopped, rollouts.values.contains(where: { !$0.isSettled }) else { return }
        rolloutTimerArmed = true
        clock.schedule(after: 1, tag: "rollouts") { [weak self] in
            guard let self else { return }
            Task { await self.rolloutTick() }
        }
    }

    private func rolloutTick() {
        rolloutTimerArmed = false
        evaluateRollouts()
    }

    /// Records the source's `flotilla/` tags; new approvals move rollouts on.
    func noteTags(_ tags: [String]) {
        let set = Set(tags)
        guard set != flotillaTags else { return }
        flotillaTags = set
        evaluateRollouts()
    }
}
