import FlotillaModel
import Foundation
import Synchronization

/// A request as the simulated API server sees it.
public struct SimRequest: Sendable {
    public var method: String
    public var path: String
    /// Decoded query parameters.
    public var query: [String: String]
    public var contentType: String
    public var body: Data
    public var userAgent: String
    /// The Accept header (`application/json;as=Table;v=v1;g=meta.k8s.io` asks for a Table).
    public var accept: String

    public init(method: String, path: String, query: [String: String] = [:], contentType: String = "", body: Data = Data(),
                userAgent: String = "", accept: String = "") {
        self.accept = accept
        self.method = method
        self.path = path
        self.query = query
        self.contentType = contentType
        self.body = body
        self.userAgent = userAgent
    }

    /// The field manager: the `fieldManager` parameter, or, as the real server does, the User-Agent up to its
    /// first `/` (`kubectl`).
    public var fieldManager: String {
        if let manager = query["fieldManager"], !manager.isEmpty { return manager }
        let agent = userAgent.split(separator: "/").first.map(String.init) ?? ""
        return agent.isEmpty ? "unknown" : String(agent.prefix(128))
    }
}

/// A route that ends in an error response.
struct SimRouteError: Error {
    var response: SimResponse
}

/// A response of the simulated API server.
public struct SimResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: Data
    /// Warnings for the client (`Warning: 299 - "..."` headers), such as the unknown fields dropped.
    public var warnings: [String] = []
}

/// One simulated member cluster: a Kubernetes API (discovery, generic storage for every built-in kind and every
/// CRD, resourceVersions, optimistic concurrency, Status errors shaped like the real server's). Pure request in,
/// response out; `SimServer` puts it on HTTP.
public final class SimCluster: Sendable {
    struct Key: Hashable, Comparable {
        var resource: String  // group/resource
        var namespace: String
        var name: String

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.resource, lhs.namespace, lhs.name) < (rhs.resource, rhs.namespace, rhs.name)
        }
    }

    /// One change, kept for watches.
    struct Change {
        var revision: Int
        var type: String
        var key: Key
        var object: JSONValue
        /// The object's labels before this change (nil for ADDED): a label-selected watch sees an object that stops
        /// matching as DELETED, and one that starts matching as ADDED, as a real API server sends them.
        var previousLabels: [String: String]?
    }

    struct State {
        var objects: [Key: JSONValue] = [:]
        var changes: [Change] = []
        /// Namespaces being terminated, and when they go.
        var terminating: [String: Date] = [:]
        /// Each object's labels as of its last recorded change.
        var recordedLabels: [Key: [String: String]] = [:]
        /// Watches from a resourceVersion below this are told 410 (the history was compacted).
        var compactedRevision = 0
        var revision = 1
        var uids = 0
        var resources: [SimResource] = SimResource.builtIn
        var serviceIPs = 0
        /// When each object's spec last changed (workloads become ready `readyDelay` after).
        var changedAt: [Key: Date] = [:]
        /// The field managers of each object.
        var managers: [Key: [SimFieldManager]] = [:]
        /// What the workload controller read from each workload (dropped on every change to it).
        var workloadInputs: [Key: SimWorkloadInputs] = [:]
        /// The workloads, oldest first (dropped when one is created or deleted).
        var workloadOrder: [Key]?
        /// The nodes' allocatable total (dropped when a node changes).
        var nodeCapacity: [String: Int64]?
        /// Workloads written since the controllers last looked at them.
        var dirtyWorkloads: Set<Key> = []
        /// What each workload was accounted to take, and the capacity left after all of them (nil when some
        /// workload does not fit: then only a full pass, in order of age, places them).
        var demandOf: [Key: [String: Int64]] = [:]
        var spare: [String: Int64]?
        /// The revision the controllers last brought up to date.
        var controllersRevision = -1
        /// The objects naming each uid as an owner (entries can be stale: looked at again before use).
        var dependents: [String: Set<Key>] = [:]
        /// Load-balancer addresses handed out.
        var loadBalancers = 0
        /// Per-pod load set at run time (`namespace/name` of a workload), over its annotations.
        var loads: [String: SimLoad] = [:]
        /// When each ready replica of a workload (by uid) became ready, replica 0 first: its pod's start and Ready
        /// transition times.
        var readySince: [String: [Date]] = [:]
    }

    public let name: String
    public let kubernetesVersion = (major: "1", minor: "31", git: "v1.31.0")
    let state = Mutex(State())
    /// How many Namespaces are terminating (read without the lock on every request).
    let terminatingCount = Atomic<Int>(0)

    /// The simulated nodes and how fast workloads become ready.
    public struct Topology: Sendable {
        public var nodes: Int
        public var nodeCPU: String
        public var nodeMemory: String
        public var podsPerNode: Int
        /// Seconds before a changed workload reports its replicas ready.
        public var readyDelay: Double
        /// Seconds a deleted Namespace stays Terminating.
        public var namespaceTermination: Double
        /// metrics-server's `--metric-resolution`: the window of every PodMetrics (an HPA ignores a pod's CPU sample
        /// until one window after the pod became Ready).
        public var metricResolution: Double

        public init(nodes: Int = 3, nodeCPU: String = "8", nodeMemory: String = "32Gi", podsPerNode: Int = 110,
                    readyDelay: Double = 1, namespaceTermination: Double = 0.5, metricResolution: Double = 15) {
            self.metricResolution = metricResolution
            self.namespaceTermination = namespaceTermination
            self.nodes = nodes
            self.nodeCPU = nodeCPU
            self.nodeMemory = nodeMemory
            self.podsPerNode = podsPerNode
            self.readyDelay = readyDelay
        }
    }

    public let topology: Topology

    public init(name: String, topology: Topology = Topology()) {
        self.name = name
        self.topology = topology
        for namespace in ["default", "kube-system", "kube-public"] {
            _ = handle(SimRequest(method: "POST", path: "/api/v1/namespaces", contentType: "application/json",
                                  body: Data("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"\(namespace)\"}}".utf8)))
        }
        for index in 0..<topology.nodes {
            let resources: JSONValue = .object(["cpu": .string(topology.nodeCPU), "memory": .string(topology.nodeMemory),
                                                "pods": .string(String(topology.podsPerNode))])
            let node: JSONValue = .object([
                "apiVersion": .string("v1"), "kind": .string("Node"),
                "metadata": .object(["name": .string("\(name)-node-\(index)"),
                                     "labels": .object(["kubernetes.io/hostname": .string("\(name)-node-\(index)")])]),
                "status": .object(["capacity": resources, "allocatable": resources,
                                   "conditions": .array([.object(["type": .string("Ready"), "status": .string("True")])]),
                                   "nodeInfo": .object(["kubeletVersion": .string(kubernetesVersion.git),
                                                        "operatingSystem": .string("linux"),
                                                        "architecture": .string("amd64")])])])
            _ = handle(SimRequest(method: "POST", path: "/api/v1/nodes", contentType: "application/json",
                                  body: Data(node.canonicalJSON().utf8)))
        }
    }

    /// Answers one request.
    public func handle(_ request: SimRequest) -> SimResponse {
        finalizeNamespaces()
        let segments = request.path.split(separator: "/").map(String.init)
        switch segments {
        case ["version"]:
            return json(200, .object(["major": .string(kubernetesVersion.major), "minor": .string(kubernetesVersion.minor),
                                      "gitVersion": .string(kubernetesVersion.git), "gitCommit": .string("flotilla-sim"),
                                      "gitTreeState": .string("clean"), "buildDate": .string("2026-01-01T00:00:00Z"),
                                      "goVersion": .string("go1.23"), "compiler": .string("gc"),
                                      "platform": .string("linux/amd64")]))
        case ["healthz"], ["readyz"], ["livez"]:
            return SimResponse(status: 200, contentType: "text/plain", body: Data("ok".utf8))
        case ["api"]:
            return json(200, .object(["kind": .string("APIVersions"), "versions": .array([.string("v1")]),
                                      "serverAddressByClientCIDRs": .array([.object([
                                          "clientCIDR": .string("0.0.0.0/0"), "serverAddress": .string("127.0.0.1")])])]))
        case ["apis"]:
            return json(200, groupList())
        case let path where path.count == 8 && path[0] == "apis" && path[1] == Self.customMetricsGroup
            && path[3] == "namespaces" && path[5] == "pods" && (path[6] == "*" || path[6] == "%2A"):
            return customMetrics(path[7], namespace: path[4], request: request)
        default:
            break
        }
        if let document = openAPI(segments, accept: request.accept) { return document }
        let route: Route
        switch self.route(segments) {
        case .failure(let error): return error.response
        case .success(let found): route = found
        }
        if case .resourceList(let group, let version, let served) = route {
            return json(200, resourceList(group: group, version: version, served: served))
        }
        guard case .resource(let resource, let namespace, let name, let subresource) = route else { return notFound() }
        if resource.group == Self.metricsGroup {
            return metrics(resource, namespace: namespace, name: name, request: request)
        }
        if let subresource, let name {
            return handleSubresource(subresource, resource, namespace: namespace, name: name, request: request)
        }
        if request.method == "GET", name == nil, ["true", "1"].contains(request.query["watch"] ?? "") {
            return status(400, reason: "BadRequest", message: "watch requests are served as streams")
        }
        if request.method == "GET", SimTable.wanted(request.accept) {
            return table(resource, namespace: namespace, name: name, query: request.query)
        }
        return servedConverting(resource, namespace: namespace, name: name, request: request) { resource, request in
            serve(resource, namespace: namespace, name: name, request: request)
        }
    }

    /// Serves a verb on a resource (in its storage version).
    func serve(_ resource: SimResource, namespace: String?, name: String?, request: SimRequest) -> SimResponse {
        switch (request.method, name) {
        case ("GET", nil): return list(resource, namespace: namespace, query: request.query)
        case ("GET", let name?): return get(resource, namespace: namespace, name: name)
        case ("POST", nil): return create(resource, namespace: namespace, request: request)
        case ("PUT", let name?): return update(resource, namespace: namespace, name: name, request: request)
        case ("PATCH", let name?): return patch(resource, namespace: namespace, name: name, request: request)
        case ("DELETE", let name?): return delete(resource, namespace: namespace, name: name, request: request)
        default:
            return status(405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
        }
    }

    /// Where a path leads.
    enum Route {
        case resourceList(group: String, version: String, served: [SimResource])
        case resource(SimResource, namespace: String?, name: String?, subresource: String?)
    }

    /// Resolves an API path to a served group/version or a resource (collection or object).
    func route(_ segments: [String]) -> Result<Route, SimRouteError> {
        let resources = state.withLock { $0.resources }
        var index: Int
        var group = ""
        var version = ""
        if segments.first == "api", segments.count >= 2 {
            version = segments[1]
            index = 2
        } else if segments.first == "apis", segments.count >= 3 {
            group = segments[1]
            version = segments[2]
            index = 3
        } else {
            return .failure(SimRouteError(response: notFound()))
        }
        let served = resources.filter { $0.group == group && $0.version == version }
        guard !served.isEmpty else { return .failure(SimRouteError(response: notFound())) }
        if index == segments.count { return .success(.resourceList(group: group, version: version, served: served)) }
        var namespace: String?
        if segments[index] == "namespaces", segments.count > index + 2 {
            namespace = segments[index + 1]
            index += 2
        }
        guard let resource = served.first(where: { $0.resource == segments[index] }),
              segments.count <= index + 3, resource.namespaced || namespace == nil else {
            return .failure(SimRouteError(response: notFound()))
        }
        let subresource = segments.count == index + 3 ? segments[index + 2] : nil
        if let subresource, !Self.subresources(of: resource).contains(subresource) {
            return .failure(SimRouteError(response: notFound()))
        }
        return .success(.resource(resource, namespace: namespace, name: segments.count > index + 1 ? segments[index + 1] : nil,
                                  subresource: subresource))
    }

    // MARK: Discovery

    func groupList() -> JSONValue {
        let resources = state.withLock { $0.resources }
        var versions: [String: [String]] = [:]
        for resource in resources where !resource.group.isEmpty {
            if !(versions[resource.group] ?? []).contains(resource.version) { versions[resource.group, default: []].append(resource.version) }
        }
        return .object(["kind": .string("APIGroupList"), "apiVersion": .string("v1"), "groups": .array(versions.keys.sorted().map { group in
            let list = versions[group]!.map { JSONValue.object(["groupVersion": .string("\(group)/\($0)"), "version": .string($0)]) }
            return .object(["name": .string(group), "versions": .array(list), "preferredVersion": list[0]])
        })])
    }

    func resourceList(group: String, version: String, served: [SimResource]) -> JSONValue {
        var entries: [JSONValue] = []
        for resource in served {
            entries.append(.object(["name": .string(resource.resource), "singularName": .string(resource.singular),
                                    "namespaced": .bool(resource.namespaced), "kind": .string(resource.kind),
                                    "verbs": .array((resource.group == Self.metricsGroup ? ["get", "list"]
                                        : ["create", "delete", "get", "list", "patch", "update", "watch"]).map(JSONValue.string)),
                                    "shortNames": .array(resource.shortNames.map(JSONValue.string))]))
            for subresource in Self.subresources(of: resource) {
                var entry: [String: JSONValue] = ["name": .string("\(resource.resource)/\(subresource)"), "singularName": .string(""),
                                                  "namespaced": .bool(resource.namespaced), "kind": .string(resource.kind),
                                                  "verbs": .array(["get", "patch", "update"].map(JSONValue.string))]
                if subresource == "scale" {
                    entry["kind"] = .string("Scale")
                    entry["group"] = .string("autoscaling")
                    entry["version"] = .string("v1")
                }
                entries.append(.object(entry))
            }
        }
        return .object(["kind": .string("APIResourceList"), "apiVersion": .string("v1"),
                        "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"), "resources": .array(entries)])
    }

    /// The subresources a kind has: `status` for kinds with status, `scale` for scalable workloads.
    static func subresources(of resource: SimResource) -> [String] {
        switch resource.kind {
        case "Deployment", "StatefulSet", "ReplicaSet": return ["status", "scale"]
        case "DaemonSet", "Job", "CronJob", "Service", "Namespace", "Node", "PersistentVolumeClaim", "Pod",
             "HorizontalPodAutoscaler", "Ingress":
            return ["status"]
        default: return []
        }
    }

    // MARK: Responses

    func json(_ code: Int, _ value: JSONValue) -> SimResponse {
        SimResponse(status: code, contentType: "application/json", body: Data(value.canonicalJSON().utf8))
    }

    func status(_ code: Int, reason: String, message: String, details: JSONValue? = nil) -> SimResponse {
        var members: [String: JSONValue] = ["kind": .string("Status"), "apiVersion": .string("v1"), "metadata": .object([:]),
                                            "status": .string("Failure"), "message": .string(message),
                                            "reason": .string(reason), "code": .int(Int64(code))]
        if let details { members["details"] = details }
        return json(code, .object(members))
    }

    func notFound() -> SimResponse {
        status(404, reason: "NotFound", message: "the server could not find the requested resource", details: .object([:]))
    }

    func details(_ resource: SimResource, _ name: String) -> JSONValue {
        var members: [String: JSONValue] = ["name": .string(name), "kind": .string(resource.resource)]
        if !resource.group.isEmpty { members["group"] = .string(resource.group) }
        return .object(members)
    }
}
