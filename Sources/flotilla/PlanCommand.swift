import ArgumentParser
import FlotillaDiff
import FlotillaModel
import FlotillaPlacement
import Foundation

/// `flotilla plan`: where every template goes, with the reasons, for a terminal, a pull request or a program.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Place every template as Karmada would and print clusters, replicas, reasons and works.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, markdown, json
    }

    @OptionGroup var sourceOptions: SourceOptions

    @Option(help: "Output format: text, markdown or json.")
    var format: Format = .text

    @Option(name: .customLong("cluster-state"), help: "YAML or JSON file with each cluster's readiness, APIs and capacity.")
    var clusterState: String?

    @Option(help: "A previous plan JSON: placement is sticky, so replicas stay where they were when they can.")
    var previous: String?

    @Option(help: "Compare with this revision (a branch, tag or commit; for a folder, of the Git repository holding it).")
    var base: String?

    @Flag(name: .customLong("exit-code"),
          help: "Exit like `git diff --exit-code`: 0 no changes against --base, 1 changes, 2 error (a source that does not validate, a template that cannot be placed, a FederatedResourceQuota's overall limit exceeded).")
    var exitCode = false

    func run() async throws {
        let failure: Int32 = exitCode ? 2 : 1
        let loaded: LoadedSource
        let states: [String: ClusterState]
        let previousPlacements: [ResourceIdentity: [TargetCluster]]
        do {
            loaded = try await sourceOptions.load()
            states = try clusterState.map(Self.readClusterState) ?? [:]
            previousPlacements = try previous.map(Self.readPreviousPlan) ?? [:]
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(failure)
        }
        let manifests = loaded.manifests
        guard manifests.isValid else {
            if format == .json {
                let prefix = loaded.filePrefix
                let errors = manifests.errors.map { $0.mapFiles { prefix + $0 } }
                print(PlanRendering.json(Plan(revision: loaded.revision, placements: [], unplaced: []), errors: errors),
                      terminator: "")
            }
            for error in manifests.errors {
                FileHandle.standardError.write(Data((loaded.render(error) + "\n").utf8))
            }
            throw ExitCode(failure)
        }
        for warning in manifests.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        let source = "\(loaded.label.split(separator: " ").first ?? "")@\(loaded.revision ?? "working-tree")"
        let plan = Scheduler(manifests: manifests, states: states, previous: previousPlacements, source: source)
            .plan(revision: loaded.revision)
        var changes: [WorkChange]?
        if let base {
            do {
                let baseSource = try await sourceOptions.loadBase(base)
                guard baseSource.manifests.isValid else {
                    throw CommandError("the base revision \(base) does not validate: "
                                       + (baseSource.manifests.errors.first?.description ?? ""))
                }
                let basePlan = Scheduler(manifests: baseSource.manifests, states: states, previous: previousPlacements,
                                         source: source).plan(revision: baseSource.revision)
                changes = PlanComparison.changes(from: basePlan, to: plan)
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(failure)
            }
        }
        // FederatedResourceQuotas' overall limits, checked against what this plan places.
        let violations = QuotaCheck.violations(plan, quotas: manifests.federatedResourceQuotas)
        let quotaText = violations.isEmpty ? ""
            : "\nOver quota:\n" + violations.map { "  \($0)\n" }.joined()
        switch format {
        case .text:
            print(PlanRendering.text(plan) + quotaText
                  + (changes.map { ChangeRendering.text($0, base: base ?? "") } ?? ""), terminator: "")
        case .markdown:
            let quotaMarkdown = violations.isEmpty ? ""
                : "\n### Over quota\n\n" + violations.map { "- \($0)\n" }.joined()
            print(PlanRendering.markdown(plan) + quotaMarkdown
                  + (changes.map { ChangeRendering.markdown($0, base: base ?? "") } ?? ""), terminator: "")
        case .json:
            print(PlanRendering.json(plan, changes: changes.map(ChangeRendering.json), quotaViolations: violations),
                  terminator: "")
        }
        for violation in violations { FileHandle.standardError.write(Data("warning: \(violation)\n".utf8)) }
        guard exitCode else { return }
        if plan.placements.contains(where: { $0.error != nil }) || !violations.isEmpty { throw ExitCode(2) }
        if let changes, PlanComparison.hasChanges(changes) { throw ExitCode(1) }
    }

    /// Reads `--cluster-state`.
    static func readClusterState(_ path: String) throws -> [String: ClusterState] {
        let value = try readDocument(path)
        do {
            return try JSONDecoder().decode(ClusterStateFile.self, from: Data(value.canonicalJSON().utf8)).clusters
        } catch {
            throw CommandError("\(path): not a cluster state file (clusters: {NAME: {ready, availableReplicas, "
                               + "allocatable, allocated, allocating, apiEnablements}}): \(error)")
        }
    }

    /// Reads the placements of a previous plan JSON.
    static func readPreviousPlan(_ path: String) throws -> [ResourceIdentity: [TargetCluster]] {
        let value = try readDocument(path)
        var result: [ResourceIdentity: [TargetCluster]] = [:]
        for placement in value["placements"]?.arrayValue ?? [] {
            guard let template = placement["template"], let kind = template["kind"]?.stringValue,
                  let name = template["name"]?.stringValue else { continue }
            let identity = ResourceIdentity(group: ResourceIdentity.group(ofAPIVersion: template["apiVersion"]?.stringValue ?? ""),
                                            kind: kind, namespace: template["namespace"]?.stringValue, name: name)
            result[identity] = (placement["clusters"]?.arrayValue ?? []).compactMap { cluster in
                guard let clusterName = cluster["name"]?.stringValue else { return nil }
                return TargetCluster(name: clusterName, replicas: Int32(clamping: cluster["replicas"]?.intValue ?? 0))
            }
        }
        return result
    }

    static func readDocument(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CommandError("cannot read \(path)")
        }
        let documents = try YAMLDocumentReader.read(text, file: path)
        guard let first = documents.first else { throw CommandError("\(path) is empty") }
        return first.value
    }
}
