import FlotillaModel

/// Reading a member cluster: what the reconciler needs to see.
public protocol ClusterReader: Sendable {
    func version() throws(KubeError) -> String
    func get(apiVersion: String, kind: String, namespace: String?, name: String) throws(KubeError) -> JSONValue
    func list(apiVersion: String, kind: String, namespace: String?, labelSelector: String?,
              pageSize: Int) throws(KubeError) -> (items: [JSONValue], resourceVersion: String)
}

/// Changing a member cluster: what the reconciler needs to converge it.
public protocol ClusterWriter: Sendable {
    func apply(_ object: JSONValue, fieldManager: String, force: Bool) throws(KubeError) -> JSONValue
    func delete(apiVersion: String, kind: String, namespace: String?, name: String,
                propagationPolicy: String, uid: String?) throws(KubeError)
}

/// A member cluster as the reconciler sees it. `KubeClient` implements it over any `KubeTransport`: libcurl to a
/// real or simulated cluster, or straight into an in-process simulated cluster.
public typealias ClusterClient = ClusterReader & ClusterWriter

extension KubeClient: ClusterReader, ClusterWriter {}
