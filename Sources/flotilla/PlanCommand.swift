import ArgumentParser
import FlotillaDiff
import FlotillaEngine
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

    @Option(name: .customLong("cluster-state"),
            help: "YAML or JSON file with each cluster's readiness, APIs and capacity; `none` for no state (default: what the daemon recorded on the status branch).")
    var clusterState: String?

    @Option(help: "A previous plan JSON: placement is sticky, so replicas stay where they were when they can; `none` for a first placement (default: the placement the daemon recorded on the status branch).")
    var previous: String?

    @Option(help: "Compare with this revision (a branch, tag or commit; for a folder, of the Git repository holding it).")
    var base: String?

    @Option(name: .customLong("status-branch"),
            help: "The branch the daemon writes its status to (`none`: do not read it).")
    var statusBranch: String = "flotilla/status"

    @Option(name: .customLong("status-prefix"), help: "The folder of the status branch the daemon writes to.")
    var statusPrefix: String = "status"

    @Option(name: .customLong("prune-guard"),
            help: "The daemon's prune guard in percent: with --base, a cluster whose works the change deletes beyond it (or empties) is named, as the daemon would hold it.")
    var pruneGuard: Double = 50

    @Flag(name: .customLong("exit-code"),
          help: "Exit like `git diff --exit-code`: 0 no changes against --base, 1 changes, 2 error (a source that does not validate, a template that cannot be placed, a FederatedResourceQuota's overall limit exceeded), 3 the daemon's prune guard would hold the change (no Flotilla-Allow-Prune trailer for a cluster it names).")
    var exitCode = false

    func run() async throws {
        let failure: Int32 = exitCode ? 2 : 1
        let loaded: LoadedSource
        let inputs: PlanInputs
        do {
            loaded = try await sourceOptions.load()
            inputs = try await planInputs()
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
        if let note = inputs.note { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        let source = "\(loaded.label.split(separator: " ").first ?? "")@\(loaded.revision ?? "working-tree")"
        var changes: [WorkChange]?
        if let base {
            do {
                let baseSource = try await sourceOptions.loadBase(base)
                guard baseSource.manifests.isValid else {
                    throw CommandError("the base revision \(base) does not validate: "
                                       + (baseSource.manifests.errors.first?.description ?? ""))
                }
                let baseScheduler = inputs.scheduler(for: baseSource.manifests, source: source)
                let basePlan = baseScheduler.plan(revision: baseSource.revision)
                // The daemon reaches the head with the base's placement in force: placement is sticky from there.
                let previous = LastGoodWorks.placements(plan: basePlan, previous: baseScheduler.previous)
                let plan = inputs.scheduler(for: manifests, previous: previous, source: source)
                    .plan(revision: loaded.revision)
                changes = PlanComparison.changes(from: basePlan, to: plan)
                try report(plan, quotas: manifests.federatedResourceQuotas, changes: changes, message: loaded.message)
                return
            } catch let exit as ExitCode {
                throw exit
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(failure)
            }
        }
        let plan = inputs.scheduler(for: manifests, source: source).plan(revision: loaded.revision)
        try report(plan, quotas: manifests.federatedResourceQuotas, changes: nil, message: loaded.message)
    }

    /// Prints the plan (and the comparison with the base) and exits as `--exit-code` says.
    private func report(_ plan: Plan, quotas: [FederatedResourceQuota], changes: [WorkChange]?,
                        message: String?) throws {
        // FederatedResourceQuotas' overall limits, checked against what this plan places.
        let violations = QuotaCheck.violations(plan, quotas: quotas)
        let quotaText = violations.isEmpty ? ""
            : "\nOver quota:\n" + violations.map { "  \($0)\n" }.joined()
        let allowance = message.flatMap(PruneAllowance.init(message:))
        let held = changes.map { changes in
            PruneGuardCheck.warnings(changes, guardPercent: pruneGuard, trailer: PruneAllowance.line(for:),
                                     allowed: { allowance?.allows($0) ?? false })
        }
        switch format {
        case .text:
            print(PlanRendering.text(plan) + quotaText
                  + (changes.map { ChangeRendering.text($0, base: base ?? "") } ?? "")
                  + PruneGuardCheck.text(held ?? []), terminator: "")
        case .markdown:
            let quotaMarkdown = violations.isEmpty ? ""
                : "\n### Over quota\n\n" + violations.map { "- \($0)\n" }.joined()
            print(PlanRendering.markdown(plan) + quotaMarkdown
                  + (changes.map { ChangeRendering.markdown($0, base: base ?? "") } ?? "")
                  + PruneGuardCheck.markdown(held ?? []), terminator: "")
        case .json:
            print(PlanRendering.json(plan, changes: changes.map(ChangeRendering.json), quotaViolations: violations,
                                     extra: held.map { ["pruneGuard": PruneGuardCheck.json($0)] } ?? [:]),
                  terminator: "")
        }
        for violation in violations { FileHandle.standardError.write(Data("warning: \(violation)\n".utf8)) }
        for warning in held ?? [] { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        guard exitCode else { return }
        if plan.placements.contains(where: { $0.error != nil }) || !violations.isEmpty { throw ExitCode(2) }
        if (held ?? []).contains(where: { !$0.allowed }) { throw ExitCode(3) }
        if let changes, PlanComparison.hasChanges(changes) { throw ExitCode(1) }
    }

    /// The previous placement and the clusters' state to plan with: the files given, else what the daemon recorded
    /// on the status branch (so the plan is the daemon's), else none.
    private func planInputs() async throws -> PlanInputs {
        var inputs = PlanInputs()
        let recorded = statusBranch == "none" ? nil
            : await StatusBranchInputs.read(sourceOptions, branch: statusBranch, prefix: statusPrefix)
        switch clusterState {
        case "none": break
        case let path?: inputs.states = try Self.readClusterState(path)
        case nil: inputs.states = recorded?.clusters ?? [:]
        }
        switch previous {
        case "none": inputs.given = [:]
        case let path?: inputs.given = try Self.readPreviousPlan(path)
        case nil: break
        }
        inputs.recorded = recorded?.state
        if let recorded {
            var used: [String] = []
            if recorded.state != nil {
                if previous == nil { used.append("placement") }
                used += ["autoscaled replicas", "evictions", "taints"]
            }
            if clusterState == nil, recorded.clusters != nil { used.append("cluster state") }
            inputs.note = "planning as the daemon does, with what it recorded on \(statusBranch) at "
                + "\(recorded.commit.prefix(12)): \(used.joined(separator: ", "))"
        }
        return inputs
    }

    /// What a plan starts from besides the source.
    struct PlanInputs {
        var states: [String: ClusterState] = [:]
        /// A previous plan given on the command line (`none`: empty).
        var given: [ResourceIdentity: [TargetCluster]]?
        /// The daemon's recorded state.
        var recorded: PersistedState?
        var note: String?

        /// The scheduler for `manifests`: the daemon's, when it recorded its state; `previous` replaces the previous
        /// placement.
        func scheduler(for manifests: Manifests, previous: [ResourceIdentity: [TargetCluster]]? = nil,
                       source: String) -> Scheduler {
            let previous = previous ?? given
            if let recorded {
                return recorded.scheduler(manifests: manifests, states: states, previous: previous, source: source)
            }
            return Scheduler(manifests: manifests, states: states, previous: previous ?? [:], source: source)
        }
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
