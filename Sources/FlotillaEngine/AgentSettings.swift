import Dispatch
import FlotillaDiff
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation
import Logging
import Synchronization

/// How a cluster agent reaches its cluster and what it may do there.
public struct AgentSettings: Sendable {
    /// The daemon's instance name (`--instance`): the managed-by label's value, the field manager and the
    /// inventory's name, so several daemons share clusters and each touches only its own.
    public var instance = "flotilla" {
        didSet { fieldManager = instance }
    }
    public var fieldManager = "flotilla"
    /// The inventory ConfigMap's name (`<instance>-inventory`).
    public var inventoryName: String { "\(instance)-inventory" }
    public var selfHeal = true
    public var prune = true
    /// The largest share (percent) of a cluster's owned objects one revision may delete.
    public var pruneGuardPercent = 50.0
    /// Connections a cluster's applies are spread over (`--concurrent-applies`).
    public var workers = 4
    /// Requests per second to one cluster, all its connections together, and the burst above that
    /// (`--cluster-api-qps`, `--cluster-api-burst`; Karmada's controller-manager has the same for member clusters).
    /// Generous by default — a cold sync of 2,000 objects to a cluster should take seconds — because the server
    /// protects itself (API Priority and Fairness answers 429, and Flotilla honours Retry-After).
    public var qps = 500.0
    public var burst = 1000
    public var probeInterval = 2.0
    public var failureThreshold = 10.0
    public var requestTimeout = 30.0
    /// How long the server keeps one watch open (`timeoutSeconds`). The client gives up 5 s after that, so a watch
    /// that goes silent (a dead proxy, a stalled connection) is noticed, reported and reopened from where it was.
    public var watchSeconds = 240

    public init() {}
}
