import Foundation
import FlotillaModel
import FlotillaPlacement

/// `flotilla clone` and `flotilla migrate`: a template's placement changed by a dedicated PropagationPolicy (the
/// policy that selects it now may select others, which must not move), or a renamed copy with its own policy. Pure.
public enum RelocationAuthoring {
    /// What to do with the template.
    public enum Move: Sendable, Equatable {
        /// Also run it on these clusters (or, with `name`, run a copy of that name there).
        case clone(to: [String], name: String?)
        /// Run it on `to` instead of `from`.
        case migrate(from: String, to: String)
    }

    public struct Request: Sendable {
        public var template: KubernetesObject
        public var manifests: Manifests
        /// The clusters the template is placed on now (the plan's).
        public var current: [String]
        /// The policy that places it now.
        public var choice: PolicyChoice?
        public var move: Move
        /// Replicas for the new clusters (an OverridePolicy), or for the copy.
        public var replicas: Int?
        /// An image for the new clusters (an OverridePolicy's imageOverrider), or for the copy.
        public var image: String?

        public init(template: KubernetesObject, manifests: Manifests, current: [String], choice: PolicyChoice?,
                    move: Move, replicas: Int? = nil, image: String? = nil) {
            self.image = image
            self.template = template
            self.manifests = manifests
            self.current = current
            self.choice = choice
            self.move = move
            self.replicas = replicas
        }
    }

    /// The name of the dedicated policy of a template.
    public static func policyName(_ template: String) -> String { "flotilla-\(template)" }

    public static func change(_ request: Request) throws(AuthoringError) -> AuthoredChange {
        if let image = request.image, let problem = ImageReference.parseProblem(image) {
            throw AuthoringError("--override-image \(image): \(problem)")
        }
        var change = try authored(request)
        // Secrets imported without their values follow the workload (propagateDeps) with the placeholders.
        let templates = Dictionary(request.manifests.templates.map { ($0.identity, $0) },
                                   uniquingKeysWith: { first, _ in first })
        for dependency in WorkloadInterpreter.dependencies(of: request.template) where dependency.kind == "Secret" {
            guard let secret = templates[dependency],
                  (secret.content["stringData"]?.objectValue ?? [:]).values.contains(where: {
                      $0.stringValue == ImportAuthoring.placeholder
                  }) else { continue }
            change.warnings.append("Secret \(dependency.namespace ?? "")/\(dependency.name) holds "
                                   + "\(ImportAuthoring.placeholder) values in Git and follows the workload: create it "
                                   + "on the new clusters (or set its values) before this is merged")
        }
        return change
    }

    static func authored(_ request: Request) throws(AuthoringError) -> AuthoredChange {
        let template = request.template
        let namespace = template.namespace ?? ""
        guard template.namespace != nil else { throw AuthoringError("only namespaced templates are moved") }
        let known = Set(request.manifests.clusters.map(\.name))
        let title = "\(template.kind) \(namespace)/\(template.name)"
        let folder = (template.location.file as NSString).deletingLastPathComponent
        let prefix = folder.isEmpty ? "" : folder + "/"
        switch request.move {
        case .clone(let to, let name?):
            if let problem = ResourceNames.dns1123SubdomainProblem(name) {
                throw AuthoringError("--name \(name): \(problem)")
            }
            try requireKnown(to, known)
            return try copy(request, to: to, name: name, prefix: prefix)
        case .clone(let to, nil):
            try requireKnown(to, known)
            let clusters = Set(request.current).union(to).sorted()
            var change = try dedicated(request, clusters: clusters, prefix: prefix)
            change.subject = "Clone \(title) to \(to.joined(separator: ", "))"
            change.body.insert("It keeps running on \(request.current.sorted().joined(separator: ", ")) and also runs "
                               + "on \(to.joined(separator: ", ")).", at: 0)
            addReplicas(&change, request, on: to, prefix: prefix)
            addImage(&change, request, on: to, prefix: prefix)
            return change
        case .migrate(let from, let to):
            try requireKnown([to], known)
            guard request.current.contains(from) else {
                throw AuthoringError("\(title) does not run on \(from) (it runs on "
                                     + "\(request.current.sorted().joined(separator: ", ")))")
            }
            let clusters = Set(request.current).subtracting([from]).union([to]).sorted()
            var change = try dedicated(request, clusters: clusters, prefix: prefix)
            change.subject = "Migrate \(title) from \(from) to \(to)"
            change.body.insert("It moves from \(from) to \(to): the daemon brings it up on \(to) and prunes it from "
                               + "\(from) once it is healthy there.", at: 0)
            addReplicas(&change, request, on: [to], prefix: prefix)
            addImage(&change, request, on: [to], prefix: prefix)
            return change
        }
    }

    static func requireKnown(_ clusters: [String], _ known: Set<String>) throws(AuthoringError) {
        let unknown = clusters.filter { !known.contains($0) }
        guard unknown.isEmpty, !clusters.isEmpty else {
            throw AuthoringError(clusters.isEmpty ? "name at least one cluster"
                                 : "not registered in the source: \(unknown.joined(separator: ", "))")
        }
    }

    /// The Services of the template's namespace whose selector picks its pods (they move with it).
    static func services(of template: KubernetesObject, in manifests: Manifests) -> [KubernetesObject] {
        guard let labels = template.content.value(at: ["spec", "template", "metadata", "labels"])?.objectValue else {
            return []
        }
        return manifests.templates.filter { service in
            guard service.kind == "Service", service.group.isEmpty, service.namespace == template.namespace,
                  let selector = service.content.value(at: ["spec", "selector"])?.objectValue, !selector.isEmpty
            else { return false }
            return selector.allSatisfy { labels[$0.key] == $0.value }
        }.sorted { $0.name < $1.name }
    }

    /// A PropagationPolicy for the template (and the Services selecting it) alone, on `clusters`, winning over the
    /// one that places it now; its dependencies follow it (propagateDeps).
    static func dedicated(_ request: Request, clusters: [String], prefix: String) throws(AuthoringError)
        -> AuthoredChange {
        let template = request.template
        let name = policyName(template.name)
        let ownExisting = request.manifests.propagationPolicies.first {
            $0.metadata.name == name && $0.metadata.namespace == template.namespace
        }
        var spec = ownExisting?.spec ?? request.choice?.spec ?? PropagationSpec(resourceSelectors: [])
        let services = self.services(of: template, in: request.manifests)
        spec.resourceSelectors = ([template] + services).map {
            ResourceSelector(apiVersion: $0.apiVersion, kind: $0.kind, name: $0.name)
        }
        var placement = spec.placement ?? Placement()
        placement.clusterAffinity = ClusterAffinity(clusterNames: clusters)
        placement.clusterAffinities = nil
        placement.spreadConstraints = nil
        if let rules = placement.replicaScheduling?.weightPreference?.staticWeightList, !rules.isEmpty {
            placement.replicaScheduling?.weightPreference?.staticWeightList = weights(
                rules, clusters: clusters, manifests: request.manifests, move: request.move)
        }
        spec.placement = placement
        spec.propagateDeps = true
        spec.activationPreference = nil
        if ownExisting == nil { spec.priority = (request.choice?.explicitPriority ?? 0) + 1 }
        let document = try policyDocument(kind: "PropagationPolicy", name: name, namespace: template.namespace,
                                          spec: spec)
        let path = ownExisting?.location.file ?? "\(prefix)\(name).yaml"
        let others = services.map { "Service \($0.name)" }
        let previous = request.choice.map { "\($0.kind.rawValue) \($0.name)" } ?? "no policy"
        return AuthoredChange(
            files: [path: AuthoredYAML.render([document], comment: """
                Where \(template.kind) \(template.namespace ?? "")/\(template.name) runs,
                written by flotilla clone/migrate.
                It wins over \(previous) (explicit priority \(spec.priority ?? 0)), which may place other templates:
                they do not move.
                """)],
            subject: "",
            body: ["Placement: \(clusters.joined(separator: ", ")), by PropagationPolicy \(name)"
                   + (ownExisting == nil ? " (new; it wins over \(previous), so nothing else moves)." : ".")]
                + (others.isEmpty ? [] : ["Moving with it: " + others.joined(separator: ", ")
                                          + " (it selects its pods); its ConfigMaps and Secrets follow it "
                                          + "(propagateDeps)."]))
    }

    /// Static weights for the new cluster list, one rule per cluster: a cluster keeps the weight it had; one that
    /// is new gets the weight of the cluster it replaces (migrate) or the smallest weight in use (clone), so it is
    /// not left with none.
    static func weights(_ rules: [StaticClusterWeight], clusters: [String], manifests: Manifests,
                        move: Move) -> [StaticClusterWeight] {
        func weight(_ name: String) -> Int64 {
            guard let cluster = manifests.clusters.first(where: { $0.name == name }) else { return 0 }
            return rules.filter { $0.targetCluster.matches(cluster) }.map(\.weight).max() ?? 0
        }
        let inUse = manifests.clusters.map { weight($0.name) }.filter { $0 > 0 }
        let inherited: Int64
        switch move {
        case .migrate(let from, _): inherited = max(weight(from), 1)
        case .clone: inherited = inUse.min() ?? 1
        }
        return clusters.map { name in
            let own = weight(name)
            return StaticClusterWeight(targetCluster: ClusterAffinity(clusterNames: [name]),
                                       weight: own > 0 ? own : inherited)
        }
    }

    /// An OverridePolicy named `name` for the template alone, one rule: `overriders` on `clusters`.
    static func overridePolicy(_ name: String, for template: KubernetesObject, on clusters: [String],
                               overriders: JSONValue) -> JSONValue {
        .object([
            "apiVersion": .string("policy.karmada.io/v1alpha1"), "kind": .string("OverridePolicy"),
            "metadata": .object(["name": .string(name), "namespace": .string(template.namespace ?? "")]),
            "spec": .object([
                "resourceSelectors": .array([.object(["apiVersion": .string(template.apiVersion),
                                                      "kind": .string(template.kind),
                                                      "name": .string(template.name)])]),
                "overrideRules": .array([.object([
                    "targetCluster": .object(["clusterNames": .array(clusters.sorted().map(JSONValue.string))]),
                    "overriders": overriders,
                ])]),
            ]),
        ])
    }

    /// An OverridePolicy giving the template `replicas` on `clusters`.
    static func addReplicas(_ change: inout AuthoredChange, _ request: Request, on clusters: [String], prefix: String) {
        guard let replicas = request.replicas else { return }
        let template = request.template
        let name = "\(template.name)-replicas"
        let on = clusters.sorted().joined(separator: ", ")
        let document = overridePolicy(name, for: template, on: clusters, overriders: .object([
            "plaintext": .array([.object(["path": .string("/spec/replicas"), "operator": .string("replace"),
                                          "value": .int(Int64(replicas))])]),
        ]))
        let title = "\(template.kind) \(template.namespace ?? "")/\(template.name)"
        change.files["\(prefix)\(name).yaml"] = AuthoredYAML.render(
            [document], comment: "\(replicas) replicas of \(title) on \(on).")
        change.body.append("Replicas on \(on): \(replicas) (OverridePolicy \(name)).")
    }

    /// An OverridePolicy giving the template's containers `image` on `clusters` (Karmada's imageOverrider, by
    /// component: registry, repository, tag).
    static func addImage(_ change: inout AuthoredChange, _ request: Request, on clusters: [String], prefix: String) {
        guard let image = request.image else { return }
        let template = request.template
        let reference = ImageReference(parsing: image)
        let components: [(String, String)] = [("Registry", reference.hostname), ("Repository", reference.repository),
                                               ("Tag", reference.tag)].filter { !$0.1.isEmpty }
        let name = "\(template.name)-image"
        let on = clusters.sorted().joined(separator: ", ")
        let document = overridePolicy(name, for: template, on: clusters, overriders: .object([
            "imageOverrider": .array(components.map { component, value in
                .object(["component": .string(component), "operator": .string("replace"), "value": .string(value)])
            }),
        ]))
        let title = "\(template.kind) \(template.namespace ?? "")/\(template.name)"
        change.files["\(prefix)\(name).yaml"] = AuthoredYAML.render(
            [document], comment: "The image of \(title) on \(on): \(image).")
        change.body.append("Image on \(on): \(image) (OverridePolicy \(name)).")
    }

    /// A renamed copy of the template, with its own policy placing it on `to`.
    static func copy(_ request: Request, to: [String], name: String, prefix: String) throws(AuthoringError)
        -> AuthoredChange {
        let template = request.template
        guard !request.manifests.templates.contains(where: {
            $0.kind == template.kind && $0.namespace == template.namespace && $0.name == name
        }) else {
            throw AuthoringError("\(template.kind) \(template.namespace ?? "")/\(name) already exists in the source")
        }
        var object = LiveObjectCleaning.template(template.content)
        object["metadata"]?["name"] = .string(name)
        // Its own pods: the selector and the pod labels that named the original name the copy; else a label is added.
        let selectorPath = ["spec", "selector", "matchLabels"]
        let labelsPath = ["spec", "template", "metadata", "labels"]
        if var selector = object.value(at: selectorPath)?.objectValue,
           var labels = object.value(at: labelsPath)?.objectValue {
            let renamed = selector.filter { $0.value.stringValue == template.name }.map(\.key)
            if renamed.isEmpty {
                selector["flotilla.dev/clone"] = .string(name)
                labels["flotilla.dev/clone"] = .string(name)
            } else {
                for key in renamed {
                    selector[key] = .string(name)
                    labels[key] = .string(name)
                }
            }
            object.setValue(.object(selector), at: selectorPath)
            object.setValue(.object(labels), at: labelsPath)
        }
        if let replicas = request.replicas, object.value(at: ["spec", "replicas"]) != nil {
            object.setValue(.int(Int64(replicas)), at: ["spec", "replicas"])
        }
        if let image = request.image,
           var containers = object.value(at: ["spec", "template", "spec", "containers"])?.arrayValue {
            for index in containers.indices { containers[index]["image"] = .string(image) }
            object.setValue(.array(containers), at: ["spec", "template", "spec", "containers"])
        }
        var spec = request.choice?.spec ?? PropagationSpec(resourceSelectors: [])
        spec.resourceSelectors = [ResourceSelector(apiVersion: template.apiVersion, kind: template.kind, name: name)]
        var placement = spec.placement ?? Placement()
        placement.clusterAffinity = ClusterAffinity(clusterNames: to.sorted())
        placement.clusterAffinities = nil
        placement.spreadConstraints = nil
        spec.placement = placement
        spec.propagateDeps = true
        spec.priority = nil
        spec.activationPreference = nil
        let policy = try policyDocument(kind: "PropagationPolicy", name: name, namespace: template.namespace,
                                        spec: spec)
        let title = "\(template.kind) \(template.namespace ?? "")/\(template.name)"
        return AuthoredChange(
            files: ["\(prefix)\(name).yaml": AuthoredYAML.render([object, policy], comment: """
                A copy of \(title) named \(name), on \(to.sorted().joined(separator: ", ")), written by flotilla clone.
                """)],
            subject: "Clone \(title) as \(name) to \(to.sorted().joined(separator: ", "))",
            body: ["A copy named \(name)" + (request.replicas.map { " with \($0) replica\($0 == 1 ? "" : "s")" } ?? "")
                   + ", placed on \(to.sorted().joined(separator: ", ")) by its own PropagationPolicy.",
                   "The original is not changed; its ConfigMaps and Secrets follow the copy (propagateDeps)."])
    }

    /// A policy as a document, from its typed spec.
    static func policyDocument(kind: String, name: String, namespace: String?,
                               spec: PropagationSpec) throws(AuthoringError) -> JSONValue {
        guard let data = try? JSONEncoder().encode(spec), let decoded = try? JSONSerialization.jsonObject(with: data)
        else { throw AuthoringError("cannot encode the policy \(name)") }
        var metadata: [String: JSONValue] = ["name": .string(name)]
        if let namespace { metadata["namespace"] = .string(namespace) }
        return .object(["apiVersion": .string("policy.karmada.io/v1alpha1"), "kind": .string(kind),
                        "metadata": .object(metadata), "spec": JSONValue(foundation: decoded)])
    }
}
