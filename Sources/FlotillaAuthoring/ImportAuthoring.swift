import FlotillaModel

/// `flotilla import`: a live workload of one cluster (and what it uses) as templates, and the PropagationPolicy that
/// keeps it where it runs or spreads it over more clusters. Pure: the command reads the cluster, this decides the
/// files.
public enum ImportAuthoring {
    /// Where the imported workload goes.
    public enum Spread: Sendable, Equatable {
        /// Every cluster with a provider, each provider an equal share.
        case provider
        /// Every cluster with a region, each region an equal share.
        case region
        /// These clusters, equal weights.
        case clusters([String])
    }

    /// What to import.
    public struct Request: Sendable {
        /// The cluster the workload runs in.
        public var cluster: String
        /// The live workload.
        public var workload: JSONValue
        /// Live objects it uses (ConfigMaps, Secrets, ServiceAccounts, PVCs) and Services selecting it.
        public var dependencies: [JSONValue]
        /// The folder (from the source root) the files go to.
        public var into: String
        public var spread: Spread?
        /// The registered clusters (for `spread`).
        public var clusters: [Cluster]
        /// Image registry per provider, for an OverridePolicy when the chosen clusters span providers.
        public var registries: [String: String]
        public var includeSecretValues: Bool

        public init(cluster: String, workload: JSONValue, dependencies: [JSONValue] = [], into: String,
                    spread: Spread? = nil, clusters: [Cluster] = [], registries: [String: String] = [:],
                    includeSecretValues: Bool = false) {
            self.cluster = cluster
            self.workload = workload
            self.dependencies = dependencies
            self.into = into
            self.spread = spread
            self.clusters = clusters
            self.registries = registries
            self.includeSecretValues = includeSecretValues
        }
    }

    /// What a Secret's values become when they are not imported.
    public static let placeholder = "REPLACE-ME"

    /// The order objects are written in: what a workload uses first.
    static let kindOrder = ["Namespace", "ServiceAccount", "ConfigMap", "Secret", "PersistentVolumeClaim"]

    /// The files, commit message and warnings of an import.
    public static func change(_ request: Request) throws(AuthoringError) -> AuthoredChange {
        let workload = LiveObjectCleaning.template(request.workload)
        let kind = workload["kind"]?.stringValue ?? ""
        guard let name = workload.value(at: ["metadata", "name"])?.stringValue,
              let namespace = workload.value(at: ["metadata", "namespace"])?.stringValue else {
            throw AuthoringError("the object has no name or namespace: only namespaced workloads are imported")
        }
        let segments = request.into.split(separator: "/", omittingEmptySubsequences: true)
        guard !request.into.hasPrefix("/"), !segments.contains(where: { $0 == ".." || $0 == "." }) else {
            throw AuthoringError("--into \(request.into): a folder inside the source (no '..', not absolute)")
        }
        var warnings: [String] = []
        var documents: [JSONValue] = []
        var withheld: [String] = []
        for live in request.dependencies {
            var object = LiveObjectCleaning.template(live)
            if object["kind"]?.stringValue == "Secret", (object["apiVersion"]?.stringValue ?? "") == "v1",
               !request.includeSecretValues {
                object = withoutValues(object)
                let secretName = object.value(at: ["metadata", "name"])?.stringValue ?? ""
                withheld.append(secretName)
                warnings.append("Secret \(namespace)/\(secretName): its values are not written to Git (each key holds "
                                + "\(placeholder)); it is left out of the policy, so the live Secret stays as it is. "
                                + "Manage it with your secret store, or import again with --include-secret-values")
            }
            documents.append(object)
        }
        func order(_ object: JSONValue) -> (Int, String, String) {
            let kind = object["kind"]?.stringValue ?? ""
            let position = kindOrder.firstIndex(of: kind) ?? (kind == "Service" ? kindOrder.count + 1 : kindOrder.count)
            return (position, kind, object.value(at: ["metadata", "name"])?.stringValue ?? "")
        }
        documents.append(workload)
        documents.sort { order($0) < order($1) }
        // No Namespace template: the live one is not Flotilla's (a template would collide with it), and the daemon
        // creates the namespace where it is missing.
        let selected = documents.filter { document in
            let kind = document["kind"]?.stringValue ?? ""
            return kind != "Namespace"
                && !(kind == "Secret" && withheld.contains(document.value(at: ["metadata", "name"])?.stringValue ?? ""))
        }
        let (targets, placementText) = try self.targets(request)
        var placement: [String: JSONValue] = [
            "clusterAffinity": .object(["clusterNames": .array(targets.map(JSONValue.string))]),
        ]
        let hasReplicas = workload.value(at: ["spec", "replicas"]) != nil
        if targets.count > 1, hasReplicas {
            let weights = self.weights(targets, spread: request.spread, clusters: request.clusters)
            placement["replicaScheduling"] = .object([
                "replicaSchedulingType": .string("Divided"), "replicaDivisionPreference": .string("Weighted"),
                "weightPreference": .object(["staticWeightList": .array(targets.map { cluster in
                    .object(["targetCluster": .object(["clusterNames": .array([.string(cluster)])]),
                             "weight": .int(weights[cluster] ?? 1)])
                })]),
            ])
        }
        let policy: JSONValue = .object([
            "apiVersion": .string("policy.karmada.io/v1alpha1"), "kind": .string("PropagationPolicy"),
            "metadata": .object(["name": .string(name), "namespace": .string(namespace)]),
            "spec": .object([
                // The live objects are taken over in place (same uid, no restart), not refused as foreign.
                "conflictResolution": .string("Overwrite"),
                "resourceSelectors": .array(selected.map { object in
                    .object(["apiVersion": object["apiVersion"] ?? .string("v1"), "kind": object["kind"] ?? .null,
                             "name": object["metadata"]?["name"] ?? .null])
                }),
                "placement": .object(placement),
            ]),
        ])
        var policies = [policy]
        let providers = Set(targets.compactMap { name in request.clusters.first { $0.name == name }?.spec.provider })
        if providers.count > 1 {
            let rules = providers.sorted().compactMap { provider -> JSONValue? in
                guard let registry = request.registries[provider] else { return nil }
                return .object([
                    "targetCluster": .object(["fieldSelector": .object(["matchExpressions": .array([.object([
                        "key": .string("provider"), "operator": .string("In"), "values": .array([.string(provider)]),
                    ])])])]),
                    "overriders": .object(["imageOverrider": .array([.object([
                        "component": .string("Registry"), "operator": .string("replace"), "value": .string(registry),
                    ])])]),
                ])
            }
            if rules.isEmpty {
                let names = providers.sorted().joined(separator: ", ")
                warnings.append("the clusters are of \(providers.count) providers (\(names)):"
                                + " give --registry PROVIDER=HOST for each whose image registry differs")
            } else {
                policies.append(.object([
                    "apiVersion": .string("policy.karmada.io/v1alpha1"), "kind": .string("OverridePolicy"),
                    "metadata": .object(["name": .string("\(name)-registry"), "namespace": .string(namespace)]),
                    "spec": .object([
                        "resourceSelectors": .array([.object(["apiVersion": workload["apiVersion"] ?? .null,
                                                              "kind": .string(kind), "name": .string(name)])]),
                        "overrideRules": .array(rules),
                    ]),
                ]))
            }
        }
        let folder = request.into.split(separator: "/").joined(separator: "/")
        let prefix = folder.isEmpty ? "" : folder + "/"
        let objectsText = AuthoredYAML.render(documents, comment: """
            \(kind) \(namespace)/\(name), imported from cluster \(request.cluster) by flotilla import.
            Server-set and defaulted fields are left out.\(withheld.isEmpty ? "" : """

            Secret values are not in Git: each key of \(withheld.joined(separator: ", ")) holds \(placeholder);
            not propagated.
            """)
            """)
        let policyText = AuthoredYAML.render(policies, comment: """
            Where \(kind) \(namespace)/\(name) runs: \(placementText).
            conflictResolution Overwrite: the daemon takes the live objects over in place (same uid, no restart).
            """)
        let what = selected.map {
            "\($0["kind"]?.stringValue ?? "") \($0.value(at: ["metadata", "name"])?.stringValue ?? "")"
        }
        return AuthoredChange(
            files: ["\(prefix)\(name).yaml": objectsText, "\(prefix)\(name)-placement.yaml": policyText],
            subject: "Import \(kind) \(namespace)/\(name) from cluster \(request.cluster)",
            body: ["Templates: " + what.joined(separator: ", ") + ".",
                   "Placement: \(placementText).",
                   "The daemon takes the live objects over in place (same uid, no restart of their pods): the plan's "
                   + "creates on \(request.cluster) are these adoptions."]
                + (withheld.isEmpty ? [] : ["Secret values are not in Git: " + withheld.joined(separator: ", ") + "."]),
            warnings: warnings)
    }

    /// The Secret with every key's value replaced by the placeholder (as `stringData`).
    public static func withoutValues(_ secret: JSONValue) -> JSONValue {
        var object = secret
        let keys = Set((secret["data"]?.objectValue ?? [:]).keys).union((secret["stringData"]?.objectValue ?? [:]).keys)
        object["data"] = nil
        object["stringData"] = keys.isEmpty ? nil
            : .object(Dictionary(uniqueKeysWithValues: keys.map { ($0, JSONValue.string(placeholder)) }))
        return object
    }

    /// The clusters the workload is placed on, and a sentence saying so.
    static func targets(_ request: Request) throws(AuthoringError) -> ([String], String) {
        let known = Set(request.clusters.map(\.name))
        guard let spread = request.spread else {
            return ([request.cluster], "pinned to \(request.cluster), where it runs")
        }
        var chosen: Set<String>
        let description: String
        switch spread {
        case .provider:
            chosen = Set(request.clusters.filter { !($0.spec.provider ?? "").isEmpty }.map(\.name))
            description = "every provider's clusters"
        case .region:
            chosen = Set(request.clusters.filter { !($0.spec.region ?? "").isEmpty }.map(\.name))
            description = "every region's clusters"
        case .clusters(let names):
            let unknown = names.filter { !known.contains($0) }
            guard unknown.isEmpty else {
                throw AuthoringError("not registered in the source: \(unknown.joined(separator: ", "))")
            }
            chosen = Set(names)
            description = "the clusters named"
        }
        chosen.insert(request.cluster)
        let sorted = chosen.sorted()
        return (sorted, "spread over \(description), \(sorted.joined(separator: ", ")) (including \(request.cluster), "
                + "where it runs), replicas divided by static weights")
    }

    /// Static weights giving each provider (region) an equal share, split evenly among its clusters.
    static func weights(_ targets: [String], spread: Spread?, clusters: [Cluster]) -> [String: Int64] {
        func group(_ name: String) -> String {
            let cluster = clusters.first { $0.name == name }
            switch spread {
            case .provider?: return cluster?.spec.provider ?? name
            case .region?: return cluster?.spec.region ?? name
            default: return name
            }
        }
        var sizes: [String: Int64] = [:]
        for target in targets { sizes[group(target), default: 0] += 1 }
        let common = sizes.values.reduce(Int64(1)) { lcm($0, $1) }
        return Dictionary(uniqueKeysWithValues: targets.map { ($0, common / (sizes[group($0)] ?? 1)) })
    }

    static func lcm(_ a: Int64, _ b: Int64) -> Int64 {
        func gcd(_ x: Int64, _ y: Int64) -> Int64 { y == 0 ? x : gcd(y, x % y) }
        return a / gcd(a, b) * b
    }
}

/// Why an authoring command cannot make its change.
public struct AuthoringError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
