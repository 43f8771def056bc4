import ArgumentParser
import FlotillaAuthoring
import FlotillaEngine
import FlotillaKube
import FlotillaModel
import FlotillaPlacement
import Foundation

/// `flotilla import`: a workload running in one member cluster becomes templates and a policy in Git, as a commit on a
/// new branch for review; the daemon then takes the live objects over in place.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write a live workload of one cluster (and what it uses) into the source, as a commit on a new branch.",
        discussion: "Usage: flotilla import [SOURCE] KIND/NAME -n NAMESPACE --cluster C [--with-deps] [--into PATH] "
            + "[--spread provider|region|C1,C2] [--registry PROVIDER=HOST ...] [--include-secret-values]. The cluster "
            + "is reached as the daemon reaches it: the kubeconfig context named after it, else --credentials.")

    @OptionGroup var sourceOptions: SourceOptions

    @Argument(help: "KIND/NAME of the live object (when SOURCE is given before it).")
    var target: String?

    @Option(name: [.short, .customLong("namespace")], help: "The object's namespace.")
    var namespace: String = "default"

    @Option(help: "The member cluster it runs in (registered in the source).")
    var cluster: String

    @Option(help: "Kubeconfig (default: $KUBECONFIG, else ~/.kube/config).")
    var kubeconfig: String?

    @Option(name: .customLong("credentials"), help: "Folder of per-cluster kubeconfig files, as the daemon's.")
    var credentialsDirectory: String?

    @Option(name: .customLong("api-version"), help: "The object's apiVersion when KIND is not a built-in workload.")
    var apiVersion: String?

    @Flag(name: .customLong("with-deps"),
          help: "Also import the ConfigMaps, Secrets, ServiceAccounts and PVCs it uses and the Services selecting it.")
    var withDependencies = false

    @Option(help: "Folder of the source the files go to (default: apps/<namespace>).")
    var into: String?

    @Option(help: "Place it over more clusters: provider, region, or a comma-separated list (default: pinned to --cluster).")
    var spread: String?

    @Option(name: .customLong("registry"), help: "PROVIDER=HOST: the image registry of a provider's clusters (repeatable).")
    var registries: [String] = []

    @Flag(name: .customLong("include-secret-values"), help: "Write Secret values into Git (default: placeholders).")
    var includeSecretValues = false

    @OptionGroup var branchOptions: BranchOptions

    @OptionGroup var inputOptions: PlanInputOptions

    /// Built-in kinds by lower-case name, plural and short name.
    static let builtIn: [String: (apiVersion: String, kind: String)] = {
        var table: [String: (String, String)] = [:]
        for (apiVersion, kind, short) in [("apps/v1", "Deployment", "deploy"), ("apps/v1", "StatefulSet", "sts"),
                                          ("apps/v1", "DaemonSet", "ds"), ("batch/v1", "Job", "job"),
                                          ("batch/v1", "CronJob", "cj"), ("v1", "Service", "svc"),
                                          ("v1", "ConfigMap", "cm"), ("v1", "Secret", "secret"),
                                          ("v1", "ServiceAccount", "sa"), ("v1", "PersistentVolumeClaim", "pvc"),
                                          ("networking.k8s.io/v1", "Ingress", "ing")] {
            let lower = kind.lowercased()
            for name in [lower, lower + "s", short, lower + "." + ResourceIdentity.group(ofAPIVersion: apiVersion)] {
                table[name] = (apiVersion, kind)
            }
        }
        return table
    }()

    func run() async throws {
        let (options, kindText, name) = try sourceOptions.splitting(target)
        guard let (apiVersion, kind) = apiVersion.map({ ($0, kindText) }) ?? Self.builtIn[kindText.lowercased()] else {
            throw CommandError("\(kindText) is not a built-in kind: give its --api-version")
        }
        let loaded = try await options.load()
        guard loaded.manifests.isValid else {
            throw CommandError("the source does not validate: "
                               + loaded.manifests.errors.map { loaded.render($0) }.joined(separator: "; "))
        }
        let manifests = loaded.manifests
        guard let registered = manifests.clusters.first(where: { $0.name == cluster }) else {
            throw CommandError("cluster \(cluster) is not registered in the source (a Cluster named so)")
        }
        let client = try connect(registered)
        let live: JSONValue
        do {
            live = try client.get(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name)
        } catch {
            throw CommandError("cannot read \(kind) \(namespace)/\(name) from \(cluster): \(error)")
        }
        var dependencies: [JSONValue] = []
        if withDependencies {
            let template = KubernetesObject(content: LiveObjectCleaning.template(live),
                                            location: SourceLocation(file: "", line: 0))
            for dependency in WorkloadInterpreter.dependencies(of: template) {
                do {
                    dependencies.append(try client.get(apiVersion: "v1", kind: dependency.kind, namespace: namespace,
                                                       name: dependency.name))
                } catch {
                    let warning = "warning: \(dependency) is used but not readable: \(error)\n"
                    FileHandle.standardError.write(Data(warning.utf8))
                }
            }
            let labels = template.content.value(at: ["spec", "template", "metadata", "labels"])?.objectValue ?? [:]
            let services = (try? client.list(apiVersion: "v1", kind: "Service", namespace: namespace).items) ?? []
            dependencies += services.filter { service in
                guard let selector = service.value(at: ["spec", "selector"])?.objectValue, !selector.isEmpty else {
                    return false
                }
                return selector.allSatisfy { labels[$0.key] == $0.value }
            }
        }
        var registryMap: [String: String] = [:]
        for entry in registries {
            guard let equals = entry.firstIndex(of: "=") else {
                throw CommandError("--registry \(entry): PROVIDER=HOST")
            }
            registryMap[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        let spreading: ImportAuthoring.Spread? = spread.map { text in
            switch text {
            case "provider": return .provider
            case "region": return .region
            default: return .clusters(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            }
        }
        let change = try ImportAuthoring.change(ImportAuthoring.Request(
            cluster: cluster, workload: live, dependencies: dependencies,
            into: into ?? "apps/\(namespace)", spread: spreading, clusters: manifests.clusters, registries: registryMap,
            includeSecretValues: includeSecretValues))
        try await AuthoringCommit.run(change, branch: "flotilla/import/\(name)", options: branchOptions,
                                      source: options, inputs: inputOptions)
    }

    /// A client for the cluster, reached as the daemon reaches it.
    func connect(_ cluster: Cluster) throws -> KubeClient {
        let path = kubeconfig ?? ProcessInfo.processInfo.environment["KUBECONFIG"]
            ?? (FileManager.default.homeDirectoryForCurrentUser.path + "/.kube/config")
        let config = FileManager.default.fileExists(atPath: path) ? try Kubeconfig.load(path: path) : nil
        let (found, problem) = Engine.connection(for: cluster, kubeconfig: config,
                                                 credentialsDirectory: credentialsDirectory,
                                                 allowInsecureEndpoints: false)
        guard let connection = found else {
            throw CommandError("cannot reach cluster \(cluster.name): "
                               + (problem ?? "no kubeconfig context or credentials"))
        }
        return KubeClient(transport: try CurlTransport(connection: connection))
    }
}
