import FlotillaDiff
import FlotillaModel
import FlotillaPlacement
import Foundation

/// One work as the engine wants it in one cluster.
public struct DesiredWork: Sendable {
    /// The object applied (with the `flotilla.dev/source` annotation of the revision that last changed it).
    public var object: JSONValue
    /// The object without the source annotation: two revisions with equal `comparable` need no apply.
    public var comparable: JSONValue
    /// The template it was rendered from.
    public var template: ResourceIdentity
    /// Fields owned by someone else (an autoscaler): never applied over, never drift.
    public var delegatedPaths: Set<String>
    /// Set when this is the last good work of a template the revision in force could not place or render for the
    /// cluster: it stays applied (never pruned for a failed render) and is reported Failed with this reason.
    public var failure: String?
    /// Set when dispatching to this cluster is suspended (Karmada's `suspension`): the work is neither created,
    /// updated nor healed, and not pruned either.
    public var suspended: String?
    /// Karmada's `conflictResolution: Overwrite`: an object of that name Flotilla did not create is taken over.
    public var takeOver = false

    public init(object: JSONValue, template: ResourceIdentity, delegatedPaths: Set<String>, failure: String? = nil,
                suspended: String? = nil, takeOver: Bool = false) {
        self.failure = failure
        self.suspended = suspended
        self.takeOver = takeOver
        self.object = object
        var comparable = object
        if var annotations = comparable.value(at: ["metadata", "annotations"])?.objectValue {
            annotations[Scheduler.sourceAnnotation] = nil
            comparable["metadata"]?["annotations"] = annotations.isEmpty ? nil : .object(annotations)
        }
        for path in delegatedPaths { comparable = Self.removing(path, from: comparable) }
        if template.kind == "Secret", template.group.isEmpty {
            // The server keeps `stringData` only as base64 in `data`: compare what it will hold.
            comparable = comparable.foldingSecretStringData()
        }
        self.comparable = comparable
        self.template = template
        self.delegatedPaths = delegatedPaths
    }

    /// The fields of this work the live object does not hold as applied: the source annotation, delegated fields
    /// and fields the server `dropped` never count; Secret values are redacted.
    public func differences(from live: JSONValue, ignoring dropped: Set<String> = []) -> [FieldDrift] {
        let found = LiveComparison.differences(desired: comparable, live: live, ignoring: delegatedPaths.union(dropped))
        guard template.kind == "Secret", template.group.isEmpty else { return found }
        return found.map { drift in
            guard drift.path.hasPrefix("data") || drift.path.hasPrefix("stringData") else { return drift }
            return FieldDrift(path: drift.path, desired: drift.desired.map { _ in .string("(redacted)") },
                              live: drift.live.map { _ in .string("(redacted)") })
        }
    }

    static func removing(_ dottedPath: String, from value: JSONValue) -> JSONValue {
        let parts = dottedPath.split(separator: ".").map(String.init)
        func remove(_ value: JSONValue, _ index: Int) -> JSONValue {
            guard case .object(var members) = value else { return value }
            if index == parts.count - 1 {
                members[parts[index]] = nil
            } else if let child = members[parts[index]] {
                members[parts[index]] = remove(child, index + 1)
            }
            return .object(members)
        }
        return parts.isEmpty ? value : remove(value, 0)
    }
}

/// The state of one work in one cluster, as reported.
public struct WorkStatus: Sendable, Codable, Hashable {
    public var cluster: String
    public var apiVersion: String
    public var kind: String
    public var namespace: String?
    public var name: String
    public var template: String
    public var sync: SyncStatus
    public var health: HealthStatus
    public var message: String?
    public var desiredReplicas: Int64?
    public var readyReplicas: Int64?
    public var appliedRevision: String?
    public var lastError: String?
    /// The `ReconcileError` code of `lastError` (`ApplyFailed`, `Collision`, `RenderFailed`, ...).
    public var errorCode: String?
    /// Whether retrying can help without a new revision (nil without an error).
    public var retryable: Bool?
    /// Fields of the template the cluster's API server dropped as unknown to it (a typo, a field of a newer
    /// version): never drift, reported here so they are seen.
    public var droppedFields: [String]? = nil
}

/// A change someone else made to what Flotilla manages.
public struct DriftRecord: Sendable, Codable, Hashable {
    public var cluster: String
    public var object: String
    public var apiVersion: String
    public var kind: String
    public var namespace: String?
    public var name: String
    /// `modified`, `deleted`, or `namespace-deleted`.
    public var change: String
    public var fields: [FieldDrift]
    /// The field manager that made the change, when the server recorded it.
    public var manager: String?
    public var detectedAt: Date
    public var healedAt: Date?
}

/// A cluster as reported.
public struct ClusterStatus: Sendable, Codable, Hashable {
    public var name: String
    public var ready: Bool
    public var reason: String?
    public var kubernetesVersion: String?
    public var nodes: Int
    public var allocatable: [String: String]
    public var lastTransition: Date?
    public var lastProbe: Date?
    public var lastError: String?
    /// The `ReconcileError` code of `lastError`.
    public var errorCode: String?
    /// Set when the mass-deletion guard holds this cluster's revision.
    public var held: String?
    /// Owned objects kept although no longer desired (`Namespace web: orphaned: ...`), sorted.
    public var kept: [String]?
    /// Set when the cluster's capacity is unknown (its Nodes cannot be read): placement treats it as unbounded.
    public var capacity: String?
    /// Taints a ClusterTaintPolicy put on the cluster (`key=value:Effect`).
    public var taints: [String]? = nil
    public var works: Int
    public var synced: Int
    public var healthy: Int
}

extension DesiredWork {
    /// The fields of this work the server did not keep when it was applied (`live` is the apply's answer): unknown
    /// to its schema, so pruned. Empty maps and lists, which a server may leave out, do not count.
    func dropped(by live: JSONValue) -> [String] {
        LiveComparison.differences(desired: comparable, live: live, ignoring: delegatedPaths).compactMap { field in
            guard field.live == nil, let desired = field.desired else { return nil }
            switch desired {
            case .object(let members) where members.isEmpty: return nil
            case .array(let items) where items.isEmpty: return nil
            default: return field.path
            }
        }
    }
}
