import FlotillaKube
import FlotillaModel
import Foundation

/// Opens new connections to a member cluster. Every informer, apply worker and the prober holds one of its own
/// (a watch holds its connection, and C handles have one owner each).
public protocol ClusterDialer: Sendable {
    func open() throws(KubeError) -> any StreamingKubeTransport
}

/// A dialer, as the agent holds it.
public typealias ClusterDial = any ClusterDialer

/// Connections over libcurl to one cluster.
public struct CurlDialer: ClusterDialer {
    public let connection: ClusterConnection

    public func open() throws(KubeError) -> any StreamingKubeTransport { try CurlTransport(connection: connection) }
}

/// How the engine reaches member clusters: the command line chooses the implementation (libcurl to the clusters a
/// kubeconfig or credentials folder names; in tests, simulated clusters in the same process).
public protocol ClusterConnector: Sendable {
    /// How to reach `cluster`, or why it cannot be reached (shown in its status).
    func dialer(for cluster: Cluster) -> Result<ClusterDial, ConnectionFailure>
}

/// Why a cluster of the source cannot be reached (no context, no credentials, an unreadable kubeconfig ...).
public struct ConnectionFailure: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// Real clusters over libcurl: the kubeconfig context named after the cluster, else a kubeconfig file of its name
/// (or its secretRef's) in the credentials folder, else its `apiEndpoint` without credentials.
public struct KubeconfigConnector: ClusterConnector {
    public let kubeconfig: Kubeconfig?
    public let kubeconfigError: String?
    public let credentialsDirectory: String?
    /// Whether credentials may go to plain `http://` endpoints.
    public let allowInsecureEndpoints: Bool

    /// Reads the kubeconfig at `path` (an unreadable one is reported for every cluster that would need it).
    public init(kubeconfigPath: String?, credentialsDirectory: String?, allowInsecureEndpoints: Bool = false) {
        self.allowInsecureEndpoints = allowInsecureEndpoints
        var kubeconfig: Kubeconfig?
        var problem: String?
        if let kubeconfigPath {
            do throws(KubeconfigError) { kubeconfig = try Kubeconfig.load(path: kubeconfigPath) } catch {
                problem = "\(error)"
            }
        }
        self.kubeconfig = kubeconfig
        self.kubeconfigError = problem
        self.credentialsDirectory = credentialsDirectory
    }

    public func dialer(for cluster: Cluster) -> Result<ClusterDial, ConnectionFailure> {
        let (connection, error) = Engine.connection(for: cluster, kubeconfig: kubeconfig,
                                                    kubeconfigError: kubeconfigError,
                                                    credentialsDirectory: credentialsDirectory,
                                                    allowInsecureEndpoints: allowInsecureEndpoints)
        guard let connection else { return .failure(ConnectionFailure(error ?? "no connection")) }
        // Checked once here, so a bad certificate or URL is reported as the cluster's problem, not per request.
        do throws(KubeError) { _ = try CurlTransport(connection: connection) } catch {
            return .failure(ConnectionFailure("\(error)"))
        }
        return .success(CurlDialer(connection: connection))
    }
}
