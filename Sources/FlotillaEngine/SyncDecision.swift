import FlotillaModel

/// Why a revision's deletions on a cluster are held back as a whole.
public enum HoldReason: Sendable, Hashable, CustomStringConvertible {
    /// The revision desires nothing on a cluster where Flotilla owns objects: an empty source never prunes everything.
    case emptySource(owned: Int)
    /// The revision would delete more than the guard's share of the owned objects.
    case massDeletion(deleting: Int, owned: Int, guardPercent: Double)

    public var description: String {
        switch self {
        case .emptySource(let owned):
            return "held: the revision would delete all \(owned) owned objects (an empty source never prunes everything)"
        case .massDeletion(let deleting, let owned, let guardPercent):
            let share = Double(deleting) * 100 / Double(max(owned, 1))
            return "held: the revision would delete \(deleting) of \(owned) owned objects "
                + "(\(Int(share.rounded()))% > guard \(Int(guardPercent))%)"
        }
    }
}

/// Why an object Flotilla owned is not deleted although the revision no longer desires it.
public enum KeepReason: Sendable, Hashable, CustomStringConvertible {
    /// A Namespace that still holds desired works (its manifest left the source, its content did not).
    case namespaceInUse(works: Int)
    /// The kind cannot be listed or watched on the cluster now: what is there is unknown, so nothing is deleted.
    case kindUnavailable(String)

    public var description: String {
        switch self {
        case .namespaceInUse(let works):
            return "orphaned: the namespace is no longer in the source but holds \(works) desired works; kept"
        case .kindUnavailable(let reason): return "not pruned: \(reason)"
        }
    }
}

/// Why a desired work is not applied in this pass.
public enum SkipReason: Sendable, Hashable, CustomStringConvertible {
    /// An object of that name exists and was never Flotilla's.
    case collision
    /// Flotilla applied it once; someone removed its managed-by label since: it is theirs now.
    case released
    /// The kind cannot be listed or watched on the cluster (not served, or not permitted).
    case kindUnavailable(String)
    /// Dispatching to the cluster is suspended by the template's policy (Karmada's `suspension`).
    case suspended(String)

    public var description: String {
        switch self {
        case .suspended(let reason): return reason
        case .collision: return "collision: the object exists in the cluster and is not managed by Flotilla; left untouched"
        case .released:
            return "released: someone removed the managed-by label; Flotilla no longer manages the object and left it"
        case .kindUnavailable(let reason): return reason
        }
    }
}

/// One deletion: the object and the uid it had when Flotilla last saw it (the delete's precondition).
public struct Prune: Sendable, Hashable {
    public var key: ObjectKey
    public var uid: String?

    public init(key: ObjectKey, uid: String?) {
        self.key = key
        self.uid = uid
    }
}

/// What the cluster looks like to the decision: what Flotilla owns there, what it does not, what it cannot see.
public struct ClusterView: Sendable {
    /// Objects carrying Flotilla's managed-by label, by key, with their uid.
    public var owned: [ObjectKey: String]
    /// Objects with a desired or inventoried key that do not carry the label.
    public var foreign: Set<ObjectKey>
    /// Kinds that cannot be listed or watched, with why.
    public var unavailable: [KindKey: String]
    /// Desired keys whose last apply wrote what is desired now, and succeeded.
    public var current: Set<ObjectKey>
    /// Keys Flotilla once owned and someone released (removed the label): never taken back, not even by a policy
    /// whose conflict resolution is Overwrite.
    public var released: Set<ObjectKey>
    /// Owned objects that carry the preserve-on-deletion annotation (their policy said so when they were applied).
    public var preserved: Set<ObjectKey>

    public init(owned: [ObjectKey: String], foreign: Set<ObjectKey>, unavailable: [KindKey: String] = [:],
                current: Set<ObjectKey>, released: Set<ObjectKey> = [], preserved: Set<ObjectKey> = []) {
        self.released = released
        self.preserved = preserved
        self.owned = owned
        self.foreign = foreign
        self.unavailable = unavailable
        self.current = current
    }

    /// Why a key's kind (in the key's version) is unavailable.
    func unavailability(of key: ObjectKey) -> String? { unavailable[key.kindKey] }
}

/// What one pass over a cluster does, decided before anything is done: a value, like gitops-engine's sync tasks or
/// Flux's change set. `decide` is a pure function of the desired works, the view of the cluster and the inventory.
public struct SyncDecision: Sendable, Equatable {
    /// Works to apply, in apply order.
    public var applies: [ObjectKey] = []
    /// Owned objects to delete, in reverse apply order. Namespaces and CRDs are checked for content first.
    public var prunes: [Prune] = []
    /// Inventoried keys to forget without a delete: gone already, or someone else's now.
    public var forgets: [ObjectKey] = []
    /// Desired works left alone this pass, and why.
    public var skips: [ObjectKey: SkipReason] = [:]
    /// Owned objects no longer desired whose policy preserves them on deletion: released (the managed-by label taken
    /// off, forgotten by the inventory), never deleted.
    public var releases: [Prune] = []
    /// Owned objects kept although no longer desired, and why.
    public var keeps: [ObjectKey: KeepReason] = [:]
    /// Set when the guard holds every deletion back.
    public var held: HoldReason?
    /// Namespaces the applies need that no work declares.
    public var namespaces: [String] = []
    /// Applies that take over an object Flotilla did not create (conflict resolution Overwrite).
    public var adoptions: [ObjectKey] = []

    public init() {}

    /// The inventory to record before the applies: the old one grown by what is about to be created (keys of the
    /// desired version replace the same object under an older one).
    public func grownInventory(_ inventory: Set<ObjectKey>) -> Set<ObjectKey> {
        changesInventory(inventory) ? Set(applies).union(inventory.subtracting(forgets)) : inventory
    }

    /// Whether the inventory must be written before the applies: a key forgotten, or an apply of a key it does not
    /// hold under the same apiVersion.
    public func changesInventory(_ inventory: Set<ObjectKey>) -> Bool {
        !forgets.isEmpty || applies.contains { key in
            inventory.firstIndex(of: key).map { inventory[$0].apiVersion != key.apiVersion } ?? true
        }
    }

    /// Decides one pass. `prune` and `guardPercent` are the daemon's settings. `relocated` are templates a failover
    /// moved off this cluster while it could not be reached: their objects' deletion finishes that failover and does
    /// not count against the mass-deletion guard (which is there for what a revision deletes). `allowPrune`: the
    /// revision's commit allows this cluster's deletions (`Flotilla-Allow-Prune`), so nothing is held.
    public static func decide(desired: [ObjectKey: DesiredWork], view: ClusterView, inventory: Set<ObjectKey>,
                              prune: Bool, guardPercent: Double,
                              relocated: Set<ResourceIdentity> = [], allowPrune: Bool = false) -> SyncDecision {
        var decision = SyncDecision()
        // Unsorted: a commit usually touches a few of thousands of keys, and only what is done is sorted, below.
        for (key, work) in desired {
            if let reason = work.suspended {
                decision.skips[key] = .suspended(reason)
            } else if let reason = view.unavailability(of: key) {
                decision.skips[key] = .kindUnavailable(reason)
            } else if view.foreign.contains(key) {
                if inventory.contains(key) {
                    decision.skips[key] = .released
                    decision.forgets.append(key)
                } else if work.takeOver, !view.released.contains(key) {
                    // conflictResolution Overwrite: the existing object is taken over (adopted in place).
                    decision.applies.append(key)
                    decision.adoptions.append(key)
                } else {
                    decision.skips[key] = .collision
                }
            } else if !view.current.contains(key) || view.owned[key] == nil {
                decision.applies.append(key)
            }
        }
        var deletions: [Prune] = []
        if prune {
            var undesired = inventory
            for key in desired.keys { undesired.remove(key) }
            let desiredNamespaces = undesired.contains(where: \.isNamespace)
                ? Dictionary(grouping: desired.keys.compactMap(\.namespace), by: { $0 }) : [:]
            for key in undesired.sorted(by: >) {
                if let reason = view.unavailability(of: key) {
                    decision.keeps[key] = .kindUnavailable("cannot list \(key.kind) (\(key.apiVersion)): \(reason)")
                } else if view.foreign.contains(key) || view.owned[key] == nil {
                    decision.forgets.append(key)
                } else if view.preserved.contains(key) {
                    decision.releases.append(Prune(key: key, uid: view.owned[key]))
                } else if key.isNamespace, let works = desiredNamespaces[key.name]?.count {
                    decision.keeps[key] = .namespaceInUse(works: works)
                } else {
                    deletions.append(Prune(key: key, uid: view.owned[key]))
                }
            }
        }
        if !deletions.isEmpty {
            let owned = inventory.count
            let guarded = relocated.isEmpty ? deletions.count
                : deletions.filter { !relocated.contains($0.key.identity) }.count
            let share = Double(guarded) * 100 / Double(max(owned, 1))
            if allowPrune {
                // The revision's commit carries the Flotilla-Allow-Prune trailer for this cluster.
                decision.prunes = deletions
            } else if desired.isEmpty {
                decision.held = .emptySource(owned: owned)
            } else if share > guardPercent {
                decision.held = .massDeletion(deleting: guarded, owned: owned, guardPercent: guardPercent)
            } else {
                decision.prunes = deletions
            }
        }
        decision.applies.sort()
        decision.adoptions.sort()
        if !decision.applies.isEmpty {
            let declared = Set(desired.keys.filter(\.isNamespace).map(\.name))
            decision.namespaces = Set(decision.applies.compactMap(\.namespace)).subtracting(declared).sorted()
        }
        decision.forgets.sort()
        return decision
    }
}
