@testable import FlotillaEngine
import FlotillaModel
import FlotillaPlacement
import Foundation
import Testing

private func key(_ kind: String, _ name: String, namespace: String? = "web", apiVersion: String? = nil) -> ObjectKey {
    let version = apiVersion ?? (kind == "Deployment" ? "apps/v1" : kind == "Widget" ? "example.com/v1" : "v1")
    return ObjectKey(apiVersion: version, kind: kind, namespace: kind == "Namespace" ? nil : namespace, name: name)
}

private func work(_ key: ObjectKey, template: String? = nil) -> DesiredWork {
    var metadata: [String: JSONValue] = ["name": .string(key.name)]
    if let namespace = key.namespace { metadata["namespace"] = .string(namespace) }
    let object: JSONValue = .object(["apiVersion": .string(key.apiVersion), "kind": .string(key.kind),
                                     "metadata": .object(metadata)])
    return DesiredWork(object: object, template: ResourceIdentity(group: key.group, kind: key.kind,
                                                                  namespace: key.namespace, name: template ?? key.name),
                       delegatedPaths: [])
}

private func desired(_ keys: [ObjectKey]) -> [ObjectKey: DesiredWork] {
    Dictionary(uniqueKeysWithValues: keys.map { ($0, work($0)) })
}

private func owned(_ keys: [ObjectKey]) -> [ObjectKey: String] {
    Dictionary(uniqueKeysWithValues: keys.map { ($0, "uid-\($0.name)") })
}

/// The per-cluster decision as a table: desired works, the view of the cluster and the inventory in; applies,
/// prunes, skips, keeps and holds out.
@Suite struct SyncDecisionTests {
    let namespace = key("Namespace", "web")
    let deployment = key("Deployment", "web")
    let config = key("ConfigMap", "settings")
    let service = key("Service", "web")

    @Test func appliesWhatIsNotCurrentInApplyOrderAndSkipsWhatIs() {
        let want = desired([deployment, namespace, config])
        let view = ClusterView(owned: owned([namespace, config]), foreign: [], current: [namespace, config])
        let decision = SyncDecision.decide(desired: want, view: view, inventory: [namespace, config], prune: true,
                                           guardPercent: 50)
        #expect(decision.applies == [deployment])
        #expect(decision.prunes.isEmpty && decision.held == nil)
        #expect(decision.grownInventory([namespace, config]) == [namespace, config, deployment])
    }

    @Test func prunesOnlyWhatLeftTheSourceWithItsUidInReverseOrder() {
        let want = desired([namespace, deployment, config])
        let view = ClusterView(owned: owned([namespace, deployment, config, service]), foreign: [],
                               current: [namespace, deployment, config])
        let decision = SyncDecision.decide(desired: want, view: view, inventory: [namespace, deployment, config, service],
                                           prune: true, guardPercent: 50)
        #expect(decision.prunes == [Prune(key: service, uid: "uid-web")])
        #expect(decision.applies.isEmpty)
    }

    @Test func aNamespaceStillHoldingDesiredWorksIsKeptNotPruned() {
        // The Namespace manifest left the source; its Deployment did not.
        let want = desired([deployment])
        let view = ClusterView(owned: owned([namespace, deployment]), foreign: [], current: [deployment])
        let decision = SyncDecision.decide(desired: want, view: view, inventory: [namespace, deployment], prune: true,
                                           guardPercent: 50)
        #expect(decision.prunes.isEmpty)
        #expect(decision.keeps[namespace] == .namespaceInUse(works: 1))
        #expect(decision.namespaces.isEmpty)  // it exists and is owned: nothing to ensure
    }

    @Test func anObjectWhoseLabelWasRemovedIsReleasedNeitherAppliedNorPruned() {
        let want = desired([namespace, deployment])
        let view = ClusterView(owned: owned([namespace]), foreign: [deployment], current: [namespace])
        let decision = SyncDecision.decide(desired: want, view: view, inventory: [namespace, deployment], prune: true,
                                           guardPercent: 50)
        #expect(decision.applies.isEmpty)
        #expect(decision.skips[deployment] == .released)
        #expect(decision.forgets == [deployment])
        #expect(decision.grownInventory([namespace, deployment]) == [namespace])
    }

    @Test func anObjectThatWasNeverOursIsACollision() {
        let want = desired([namespace, config])
        let view = ClusterView(owned: owned([namespace]), foreign: [config], current: [namespace])
        let decision = SyncDecision.decide(desired: want, view: view, inventory: [namespace], prune: true, guardPercent: 50)
        #expect(decision.skips[config] == .collision)
        #expect(decision.applies.isEmpty && decision.forgets.isEmpty)
    }

    /// Karmada's `suspension`: a suspended work is neither created nor updated, and not pruned either.
    @Test func aSuspendedWorkIsNeitherAppliedNorPruned() {
        var want = desired([namespace, deployment, config])
        want[deployment]?.suspended = "dispatching suspended by PropagationPolicy web/web"
        want[config]?.suspended = "dispatching suspended by PropagationPolicy web/web"
        // The Deployment exists in an older version; the ConfigMap does not exist yet.
        let view = ClusterView(owned: owned([namespace, deployment]), foreign: [], current: [namespace])
        let decision = SyncDecision.decide(desired: want, view: view, inventory: [namespace, deployment], prune: true,
                                           guardPercent: 50)
        #expect(decision.applies.isEmpty && decision.prunes.isEmpty)
        #expect(decision.skips[deployment] == .suspended("dispatching suspended by PropagationPolicy web/web"))
        #expect(decision.skips[config] != nil)
    }

    /// Karmada's `conflictResolution: Overwrite` takes an existing object over; Abort (the default) leaves it, and
    /// an object someone released is never taken back.
    @Test(arguments: [(true, false, true), (false, false, false), (true, true, false)])
    func conflictResolution(takeOver: Bool, released: Bool, adopted: Bool) {
        var want = desired([namespace, config])
        want[config]?.takeOver = takeOver
        let view = ClusterView(owned: owned([namespace]), foreign: [config], current: [namespace],
                               released: released ? [config] : [])
        let decision = SyncDecision.decide(desired: want, view: view, inventory: [namespace], prune: true, guardPercent: 50)
        #expect(decision.applies == (adopted ? [config] : []))
        #expect(decision.adoptions == (adopted ? [config] : []))
        #expect(decision.skips[config] == (adopted ? nil : .collision))
    }

    /// preserveResourcesOnDeletion: an object whose policy preserves it is released when its template leaves the
    /// source, never deleted, and the release is no deletion for the guard.
    @Test func aPreservedObjectIsReleasedNotPruned() {
        let want = desired([namespace, deployment])
        let view = ClusterView(owned: owned([namespace, deployment, config, service]), foreign: [],
                               current: [namespace, deployment], preserved: [config, service])
        let decision = SyncDecision.decide(desired: want, view: view, inventory: [namespace, deployment, config, service],
                                           prune: true, guardPercent: 10)
        #expect(decision.prunes.isEmpty && decision.held == nil)
        #expect(decision.releases == [Prune(key: service, uid: "uid-web"), Prune(key: config, uid: "uid-settings")])
    }

    @Test func anUndesiredObjectSomeoneTookOverOrDeletedIsForgottenNotDeleted() {
        let want = desired([namespace, deployment])
        let view = ClusterView(owned: owned([namespace, deployment]), foreign: [config], current: [namespace, deployment])
        let decision = SyncDecision.decide(desired: want, view: view, inventory: [namespace, deployment, config, service],
                                           prune: true, guardPercent: 90)
        #expect(decision.prunes.isEmpty)
        #expect(decision.forgets == [config, service])
    }

    @Test func aKindTheClusterCannotListFailsOnlyItsOwnWorksAndIsNeverPruned() {
        let widget = key("Widget", "w1")
        let oldWidget = key("Widget", "w0")
        let want = desired([namespace, deployment, widget])
        let view = ClusterView(owned: owned([namespace, oldWidget]), foreign: [],
                               unavailable: [widget.kindKey: "not served"], current: [namespace])
        let decision = SyncDecision.decide(desired: want, view: view, inventory: [namespace, oldWidget], prune: true,
                                           guardPercent: 50)
        #expect(decision.applies == [deployment])
        #expect(decision.skips[widget] == .kindUnavailable("not served"))
        #expect(decision.keeps[oldWidget] != nil)
        #expect(decision.prunes.isEmpty)
    }

    @Test func anApiVersionChangeIsTheSameObjectUpdatedInPlace() {
        let before = key("Widget", "w1", apiVersion: "example.com/v1alpha1")
        let after = key("Widget", "w1", apiVersion: "example.com/v1")
        #expect(before == after && before.hashValue == after.hashValue)
        let want = desired([namespace, after])
        let view = ClusterView(owned: owned([namespace, before]), foreign: [], current: [namespace])
        let decision = SyncDecision.decide(desired: want, view: view, inventory: [namespace, before], prune: true,
                                           guardPercent: 50)
        #expect(decision.prunes.isEmpty)
        #expect(decision.applies.map(\.apiVersion) == ["example.com/v1"])
        let inventory = decision.grownInventory([namespace, before])
        #expect(inventory.first { $0 == after }?.apiVersion == "example.com/v1")
        #expect(!inventory.isIdentical(to: [namespace, before]))
    }

    @Test(arguments: [
        // (owned, desired, guard, held?)
        (4, 3, 50.0, false),  // deletes 1 of 4 (25%)
        (4, 1, 50.0, true),   // deletes 3 of 4 (75%)
        (4, 1, 80.0, false),  // the same under a looser guard
        (4, 0, 100.0, true),  // an empty source never prunes everything
    ])
    func theMassDeletionGuard(owned count: Int, desired kept: Int, guardPercent: Double, held: Bool) {
        let keys = (0..<count).map { key("ConfigMap", "c\($0)") }
        let want = desired(Array(keys.prefix(kept)))
        let view = ClusterView(owned: owned(keys), foreign: [], current: Set(keys))
        let decision = SyncDecision.decide(desired: want, view: view, inventory: Set(keys), prune: true,
                                           guardPercent: guardPercent)
        #expect((decision.held != nil) == held)
        #expect(decision.prunes.count == (held ? 0 : count - kept))
    }

    @Test func noPruneMeansNothingIsDeletedOrHeld() {
        let view = ClusterView(owned: owned([namespace, config]), foreign: [], current: [namespace])
        let decision = SyncDecision.decide(desired: desired([namespace]), view: view, inventory: [namespace, config],
                                           prune: false, guardPercent: 50)
        #expect(decision.prunes.isEmpty && decision.held == nil && decision.forgets.isEmpty)
    }

    @Test func namespacesTheWorksNeedAreEnsuredUnlessDeclared() {
        let api = key("ConfigMap", "api", namespace: "api")
        let view = ClusterView(owned: [:], foreign: [], current: [])
        let decision = SyncDecision.decide(desired: desired([namespace, deployment, api]), view: view, inventory: [],
                                           prune: true, guardPercent: 50)
        #expect(decision.namespaces == ["api"])
        #expect(decision.applies == [namespace, api, deployment])
    }
}

/// A template the revision cannot render keeps its last good works.
@Suite struct LastGoodWorksTests {
    let deployment = key("Deployment", "web")

    func placement(error: String?, works: [String: JSONValue], clusters: [TargetCluster]) -> TemplatePlacement {
        let template = KubernetesObject(content: work(deployment).object, location: SourceLocation(file: "web.yaml", line: 1))
        return TemplatePlacement(template: template, policy: nil, clusters: clusters, hasReplicas: true, decisions: [],
                                 works: works, overrides: [:], error: error)
    }

    @Test func aTemplateThatFailsToPlaceKeepsItsWorksMarkedFailed() {
        let previous = ["a": [deployment: work(deployment)], "b": [deployment: work(deployment)]]
        let plan = Plan(revision: "r2", placements: [placement(error: "not enough replicas", works: [:], clusters: [])],
                        unplaced: [])
        let result = LastGoodWorks.retain(rendered: [:], plan: plan, previous: previous)
        #expect(result["a"]?[deployment]?.failure?.contains("not enough replicas") == true)
        #expect(result["b"]?[deployment] != nil)
        let placements = LastGoodWorks.placements(plan: plan, previous: [deployment.identity: [TargetCluster(name: "a", replicas: 2)]])
        #expect(placements[deployment.identity] == [TargetCluster(name: "a", replicas: 2)])
    }

    @Test func anOverrideFailingForOneClusterKeepsOnlyThatClustersWork() {
        let previous = ["a": [deployment: work(deployment)], "b": [deployment: work(deployment)]]
        let fresh = work(deployment).object
        let plan = Plan(revision: "r2", placements: [placement(error: "override failed on b", works: ["a": fresh],
                                                               clusters: [.init(name: "a", replicas: 1), .init(name: "b", replicas: 1)])],
                        unplaced: [])
        let rendered = ["a": [deployment: DesiredWork(object: fresh, template: deployment.identity, delegatedPaths: [])]]
        let result = LastGoodWorks.retain(rendered: rendered, plan: plan, previous: previous)
        #expect(result["a"]?[deployment]?.failure == nil)
        #expect(result["b"]?[deployment]?.failure?.contains("override failed on b") == true)
    }

    @Test func aTemplateRemovedOrMovedBySuccessfulPlacementIsNotRetained() {
        let previous = ["a": [deployment: work(deployment)]]
        let plan = Plan(revision: "r2", placements: [placement(error: nil, works: ["b": work(deployment).object],
                                                               clusters: [.init(name: "b", replicas: 1)])],
                        unplaced: [])
        #expect(LastGoodWorks.retain(rendered: [:], plan: plan, previous: previous)["a"] == nil)
        let empty = Plan(revision: "r3", placements: [], unplaced: [])
        #expect(LastGoodWorks.retain(rendered: [:], plan: empty, previous: previous).isEmpty)
    }
}

@Suite struct PersistedStateTests {
    @Test func roundTripsAndIgnoresAnotherSource() throws {
        let path = "/tmp/flotilla-state-test-\(UInt64.random(in: 0...UInt64.max)).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = PersistedState(source: "repo main", revision: "abc",
                                   placements: ["Deployment.apps web/web": [.init(name: "a", replicas: 2), .init(name: "b", replicas: 1)],
                                                "Namespace web": [.init(name: "a", replicas: 0)]])
        try state.save(path: path)
        #expect(PersistedState.load(path: path, source: "repo main") == state)
        #expect(PersistedState.load(path: path, source: "other main") == nil)
        #expect(PersistedState.load(path: path + ".missing", source: "repo main") == nil)
        #expect(PersistedState.decode("not a state\n") == nil)
        #expect(PersistedState.decode(state.encoded()) == state)
        #expect(state.encoded() == PersistedState.decode(state.encoded())?.encoded())
    }
}
