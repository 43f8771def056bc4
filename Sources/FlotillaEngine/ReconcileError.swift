import FlotillaKube
import Foundation

/// Why a cluster, or one object in it, could not be reconciled: where (cluster, object), what went wrong (a typed
/// cause), and whether trying again can help. One type for every failure of a pass, so status, metrics and the
/// retry decision read the same value instead of parsing strings.
public struct ReconcileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Cause: Sendable, Hashable {
        /// No connection could be made (kubeconfig, credentials, endpoint).
        case noConnection(String)
        /// The cluster is not ready, or refused (too old).
        case notReady(String)
        /// The inventory could not be read or written.
        case inventory(reading: Bool, KubeError)
        /// A namespace a work needs could not be created.
        case namespace(String, KubeError)
        /// The server refused or failed the apply.
        case apply(KubeError)
        /// The object was not applied, on purpose (a collision, a released object, a kind not served).
        case skipped(SkipReason)
        /// Owned objects no longer desired could not be deleted.
        case pruneIncomplete(count: Int)
        /// The revision cannot be rendered for this object; its last good work stays.
        case render(String)
    }

    public var cluster: String
    /// The object, when the failure is one object's.
    public var object: ObjectKey?
    public var cause: Cause

    public init(cluster: String, object: ObjectKey? = nil, cause: Cause) {
        self.cluster = cluster
        self.object = object
        self.cause = cause
    }

    /// Whether trying again (with backoff) can help without anyone changing anything: throttling, server and
    /// transport failures, a cluster that is not ready yet. An invalid object, a collision or a failed render wait
    /// for a new revision (or for someone to act in the cluster).
    public var isRetryable: Bool {
        switch cause {
        case .noConnection, .skipped, .render: return false
        // A failure of the whole cluster's pass (its inventory, a namespace) is retried on the normal backoff
        // whatever the cause: an RBAC grant or a quota can come at any time, and everything there waits for it.
        case .notReady, .pruneIncomplete, .inventory, .namespace: return true
        case .apply(let error):
            if case .conflict = error { return true }
            return error.isRetryable
        }
    }

    /// A short name of the cause, for metrics and JSON.
    public var code: String {
        switch cause {
        case .noConnection: return "NoConnection"
        case .notReady: return "NotReady"
        case .inventory: return "Inventory"
        case .namespace: return "Namespace"
        case .apply: return "ApplyFailed"
        case .skipped(.collision): return "Collision"
        case .skipped(.released): return "Released"
        case .skipped(.kindUnavailable): return "KindUnavailable"
        case .skipped(.suspended): return "Suspended"
        case .pruneIncomplete: return "PruneIncomplete"
        case .render: return "RenderFailed"
        }
    }

    public var description: String {
        switch cause {
        case .noConnection(let reason): return reason
        case .notReady(let reason): return reason
        case .inventory(let reading, let error):
            return "cannot \(reading ? "read" : "write") the inventory: \(error)"
        case .namespace(let namespace, let error): return "cannot create namespace \(namespace): \(error)"
        case .apply(let error): return "apply failed: \(error)"
        case .skipped(let reason): return reason.description
        case .pruneIncomplete(let count): return "\(count) objects could not be pruned"
        case .render(let reason): return reason
        }
    }
}
