import FlotillaGit
import Foundation

/// What the daemon reads, where it writes, and how it behaves. Every key of `flotilla.yaml`.
public struct EngineConfiguration: Sendable {
    public var repo: String
    public var ref: String?
    public var path: String = ""
    public var credentials = GitCredentials()
    public var cacheRoot: String
    public var gitTimeout: Double = 120
    /// The longest loading a revision (parsing, validating) may take; past it the revision is refused, and the one
    /// in force stays. The loader's own limits bound it long before this on any real source.
    public var loadTimeout: Double = 60
    public var kubeconfig: String?
    /// A folder of kubeconfig files named after clusters (`<cluster>`, `<cluster>.yaml`, `<cluster>.kubeconfig`).
    public var credentialsDirectory: String?
    /// Whether cluster credentials may be sent to plain `http://` endpoints (off: such a cluster is unreachable).
    public var allowInsecureEndpoints = false
    public var interval: Double = 30
    public var webhookSecret: String?
    /// The branch status goes to; nil: no status commits.
    public var statusBranch: String? = "flotilla/status"
    /// Folder on the status branch (`status` by default; with the source branch as status branch, keep it out of
    /// the source path).
    public var statusPrefix: String = "status"
    public var statusInterval: Double = 10
    /// Seconds between two syncs of each FederatedHPA (Karmada's `--horizontal-pod-autoscaler-sync-period`).
    public var autoscalerSyncPeriod: Double = 15
    public var agent = AgentSettings()
    public var gitAuthor = GitSignature(name: "Flotilla", email: "flotilla@localhost")
    public var listen: String = "127.0.0.1:8080"

    public init(repo: String, cacheRoot: String) {
        self.repo = repo
        self.cacheRoot = cacheRoot
    }
}
