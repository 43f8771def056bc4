@testable import FlotillaEngine
import FlotillaModel
import FlotillaPlacement
import Foundation
import Testing

/// The rollout state machine as a pure function: stages in order, bake, approval tags, batches, deadline, halt and
/// rollback, and what a new revision does to a rollout in flight.
@Suite struct RolloutDecisionsTests {
    static let scope = scope(rollback: false)
    static func scope(rollback: Bool) -> RolloutScope {
        RolloutScope(policy: "environments", spec: spec(rollback: rollback), clusters: [["d1"], ["t1"], ["p1", "p2"]],
                     templates: [])
    }
    static func spec(rollback: Bool = false) -> RolloutPolicySpec {
        RolloutPolicySpec(resourceSelectors: nil, stages: [
            RolloutStageSpec(name: "dev", clusterSelector: nil, bakeSeconds: 60, approval: nil,
                             maxUnavailableClusters: nil),
            RolloutStageSpec(name: "test", clusterSelector: nil, bakeSeconds: nil, approval: "manual",
                             maxUnavailableClusters: nil),
            RolloutStageSpec(name: "prod", clusterSelector: nil, bakeSeconds: nil, approval: nil,
                             maxUnavailableClusters: 1),
        ], progressDeadlineSeconds: 600, onFailure: rollback ? "rollback" : "halt")
    }
    static let t0 = Date(timeIntervalSince1970: 1_000_000)
    static let v1 = String(repeating: "1", count: 40)
    static let v2 = String(repeating: "2", count: 40)
    static let v3 = String(repeating: "3", count: 40)

    /// Steps with every cluster's works differing between revisions; `healthy` clusters are Synced and Healthy.
    static func step(_ progress: RolloutProgress, at seconds: Double, healthy: Set<String>, tags: Set<String> = [],
                     rollback: Bool = false) -> (RolloutProgress, [RolloutEvent]) {
        let world = RolloutWorld(now: t0.addingTimeInterval(seconds), settled: { healthy.contains($0) },
                                 differs: { _, _ in true }, tags: tags)
        return RolloutDecisions.step(progress, scope: scope(rollback: rollback), world: world)
    }

    static func states(_ progress: RolloutProgress) -> [RolloutStageState] { progress.stages.map(\.state) }

    @Test func theFirstRevisionIsNotStaged() {
        let progress = RolloutDecisions.begin(nil, policy: "environments", revision: Self.v1, scope: Self.scope, at: Self.t0)
        #expect(Self.states(progress) == [.succeeded, .succeeded, .succeeded])
        #expect(["d1", "t1", "p1", "p2"].allSatisfy { progress.revision(of: $0) == Self.v1 })
        #expect(progress.isSettled)
    }

    @Test func aRevisionGoesStageByStageWithBakeApprovalAndBatches() {
        let first = RolloutDecisions.begin(nil, policy: "environments", revision: Self.v1, scope: Self.scope, at: Self.t0)
        var progress = RolloutDecisions.begin(first, policy: "environments", revision: Self.v2, scope: Self.scope,
                                              at: Self.t0)
        #expect(Self.states(progress) == [.waiting, .waiting, .waiting])
        var events: [RolloutEvent]
        (progress, events) = Self.step(progress, at: 1, healthy: [])
        #expect(events == [.batchStarted(stage: "dev", clusters: ["d1"])])
        #expect(progress.revision(of: "d1") == Self.v2 && progress.revision(of: "t1") == Self.v1)
        // Not healthy yet: still progressing.
        (progress, events) = Self.step(progress, at: 2, healthy: [])
        #expect(Self.states(progress) == [.progressing, .waiting, .waiting] && events.isEmpty)
        (progress, _) = Self.step(progress, at: 3, healthy: ["d1"])
        #expect(progress.stages[0].state == .baking)
        // Baking 60 s; a moment of ill health starts it over.
        (progress, _) = Self.step(progress, at: 30, healthy: ["d1"])
        #expect(progress.stages[0].state == .baking)
        (progress, _) = Self.step(progress, at: 31, healthy: [])
        #expect(progress.stages[0].state == .progressing)
        (progress, _) = Self.step(progress, at: 32, healthy: ["d1"])
        #expect(progress.stages[0].state == .baking)
        (progress, _) = Self.step(progress, at: 91, healthy: ["d1"])
        #expect(progress.stages[0].state == .baking)
        (progress, events) = Self.step(progress, at: 92, healthy: ["d1"])
        #expect(Self.states(progress) == [.succeeded, .awaitingApproval, .waiting])
        #expect(events == [.succeeded(stage: "dev"), .awaitingApproval(stage: "test", tag: "flotilla/approve/test/2222222")])
        #expect(progress.revision(of: "t1") == Self.v1)
        // A tag for another revision, or too short, approves nothing.
        (progress, _) = Self.step(progress, at: 100, healthy: ["d1"], tags: ["flotilla/approve/test/1111111",
                                                                            "flotilla/approve/test/222"])
        #expect(progress.stages[1].state == .awaitingApproval)
        (progress, _) = Self.step(progress, at: 101, healthy: ["d1"], tags: ["flotilla/approve/test/2222222222"])
        #expect(progress.stages[1].state == .progressing && progress.revision(of: "t1") == Self.v2)
        (progress, events) = Self.step(progress, at: 102, healthy: ["d1", "t1"])
        #expect(events == [.succeeded(stage: "test"), .batchStarted(stage: "prod", clusters: ["p1"])])
        #expect(progress.revision(of: "p1") == Self.v2 && progress.revision(of: "p2") == Self.v1)
        (progress, events) = Self.step(progress, at: 103, healthy: ["d1", "t1", "p2"])
        #expect(events.isEmpty && progress.revision(of: "p2") == Self.v1)
        (progress, events) = Self.step(progress, at: 104, healthy: ["d1", "t1", "p1", "p2"])
        #expect(events == [.batchStarted(stage: "prod", clusters: ["p2"])])
        (progress, events) = Self.step(progress, at: 105, healthy: ["d1", "t1", "p1", "p2"])
        #expect(events == [.succeeded(stage: "prod")])
        #expect(progress.isSettled && ["d1", "t1", "p1", "p2"].allSatisfy { progress.revision(of: $0) == Self.v2 })
    }

    @Test func aStageNotHealthyByTheDeadlineHaltsOrRollsBack() {
        let first = RolloutDecisions.begin(nil, policy: "environments", revision: Self.v1, scope: Self.scope, at: Self.t0)
        for rollback in [false, true] {
            var progress = RolloutDecisions.begin(first, policy: "environments", revision: Self.v2, scope: Self.scope,
                                                  at: Self.t0)
            (progress, _) = Self.step(progress, at: 0, healthy: [], rollback: rollback)
            (progress, _) = Self.step(progress, at: 599, healthy: [], rollback: rollback)
            #expect(progress.stages[0].state == .progressing)
            var events: [RolloutEvent]
            (progress, events) = Self.step(progress, at: 600, healthy: [], rollback: rollback)
            #expect(events == [.failed(stage: "dev", unhealthy: ["d1"], rolledBack: rollback)])
            #expect(Self.states(progress) == [.failed, .waiting, .waiting])
            #expect(progress.revision(of: "d1") == (rollback ? Self.v1 : Self.v2))
            #expect(progress.rolledBack == (rollback ? "dev" : nil))
            // Halted: nothing moves, however healthy.
            let (after, more) = Self.step(progress, at: 700, healthy: ["d1", "t1", "p1", "p2"], rollback: rollback)
            #expect(after == progress && more.isEmpty && after.isSettled)
            #expect(["t1", "p1", "p2"].allSatisfy { after.revision(of: $0) == Self.v1 })
        }
    }

    @Test func aFixAfterAFailureRollsBackToTheLastGoodRevisionNotTheBrokenOne() {
        let first = RolloutDecisions.begin(nil, policy: "environments", revision: Self.v1, scope: Self.scope, at: Self.t0)
        var progress = RolloutDecisions.begin(first, policy: "environments", revision: Self.v2, scope: Self.scope,
                                              at: Self.t0)
        (progress, _) = Self.step(progress, at: 0, healthy: [])
        (progress, _) = Self.step(progress, at: 600, healthy: [])
        #expect(progress.stages[0].state == .failed && progress.revision(of: "d1") == Self.v2)
        // v3 has the same works on d1 as v2 (only the policy changed): d1 takes it at once, is still unhealthy, and
        // the rollback returns it to v1, the revision dev last passed with.
        progress = RolloutDecisions.begin(progress, policy: "environments", revision: Self.v3, scope: Self.scope,
                                          at: Self.t0.addingTimeInterval(700))
        let world = { (seconds: Double) in
            RolloutWorld(now: Self.t0.addingTimeInterval(seconds), settled: { _ in false },
                         differs: { cluster, revision in !(cluster == "d1" && revision == Self.v2) }, tags: [])
        }
        (progress, _) = RolloutDecisions.step(progress, scope: Self.scope(rollback: true), world: world(701))
        #expect(progress.stages[0].state == .progressing && progress.revision(of: "d1") == Self.v3)
        (progress, _) = RolloutDecisions.step(progress, scope: Self.scope(rollback: true), world: world(1301))
        #expect(progress.stages[0].state == .failed && progress.revision(of: "d1") == Self.v1)
    }

    @Test func stagesWhoseWorksDoNotChangePassWithoutApprovalOrBake() {
        let first = RolloutDecisions.begin(nil, policy: "environments", revision: Self.v1, scope: Self.scope, at: Self.t0)
        var progress = RolloutDecisions.begin(first, policy: "environments", revision: Self.v2, scope: Self.scope,
                                              at: Self.t0)
        // Only prod's works change.
        let world = RolloutWorld(now: Self.t0, settled: { _ in true }, differs: { cluster, _ in cluster.hasPrefix("p") },
                                 tags: [])
        var events: [RolloutEvent]
        (progress, events) = RolloutDecisions.step(progress, scope: Self.scope, world: world)
        #expect(events == [.succeeded(stage: "dev"), .succeeded(stage: "test"),
                           .batchStarted(stage: "prod", clusters: ["p1"])])
        #expect(progress.revision(of: "d1") == Self.v2 && progress.revision(of: "p2") == Self.v1)
    }

    @Test func anUnchangedStageWaitsForHealthButDoesNotBake() {
        let first = RolloutDecisions.begin(nil, policy: "environments", revision: Self.v1, scope: Self.scope, at: Self.t0)
        var progress = RolloutDecisions.begin(first, policy: "environments", revision: Self.v2, scope: Self.scope,
                                              at: Self.t0)
        func world(_ seconds: Double, healthy: Bool) -> RolloutWorld {
            RolloutWorld(now: Self.t0.addingTimeInterval(seconds), settled: { $0 != "d1" || healthy },
                         differs: { cluster, _ in cluster.hasPrefix("p") }, tags: [])
        }
        (progress, _) = RolloutDecisions.step(progress, scope: Self.scope, world: world(0, healthy: false))
        #expect(progress.stages[0].state == .progressing && progress.revision(of: "d1") == Self.v2)
        var events: [RolloutEvent]
        (progress, events) = RolloutDecisions.step(progress, scope: Self.scope,
                                                   world: world(1, healthy: true))
        // dev's 60 s bake is for changes; test's approval too: both pass, prod starts.
        #expect(events == [.succeeded(stage: "dev"), .succeeded(stage: "test"),
                           .batchStarted(stage: "prod", clusters: ["p1"])])
    }

    @Test func aNewRevisionInFlightStartsOverFromTheFirstStageAndLaterStagesKeepWhatTheyHave() {
        let first = RolloutDecisions.begin(nil, policy: "environments", revision: Self.v1, scope: Self.scope, at: Self.t0)
        var progress = RolloutDecisions.begin(first, policy: "environments", revision: Self.v2, scope: Self.scope,
                                              at: Self.t0)
        (progress, _) = Self.step(progress, at: 0, healthy: [])
        #expect(progress.revision(of: "d1") == Self.v2)
        progress = RolloutDecisions.begin(progress, policy: "environments", revision: Self.v3, scope: Self.scope,
                                          at: Self.t0.addingTimeInterval(5))
        #expect(Self.states(progress) == [.waiting, .waiting, .waiting])
        #expect(progress.revision(of: "d1") == Self.v2 && progress.revision(of: "t1") == Self.v1)
        // Same works under another name (a README change): nothing moves.
        let renamed = RolloutDecisions.retarget(progress, to: Self.v2)
        #expect(renamed.target == Self.v2 && renamed.stages == progress.stages)
    }

    @Test func progressSurvivesTheStateFile() {
        let first = RolloutDecisions.begin(nil, policy: "environments", revision: Self.v1, scope: Self.scope, at: Self.t0)
        var progress = RolloutDecisions.begin(first, policy: "environments", revision: Self.v2, scope: Self.scope,
                                              at: Self.t0)
        (progress, _) = Self.step(progress, at: 1, healthy: [])
        let state = PersistedState(source: "s", revision: Self.v2, placements: [:], rollouts: ["environments": progress])
        let decoded = PersistedState.decode(state.encoded())
        #expect(decoded?.rollouts["environments"] == progress)
        #expect(decoded?.encoded() == state.encoded())
    }
}
