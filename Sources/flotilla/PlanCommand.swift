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

    @OptionGroup var inputOptions: PlanInputOptions

    @Option(help: "Output format: text, markdown or json.")
    var format: Format = .text

    @Option(help: "Compare with this revision (a branch, tag or commit; for a folder, of the Git repository holding it).")
    var base: String?

    @Option(name: .customLong("prune-guard"),
            help: "The daemon's prune guard in percent: with --base, a cluster whose works the change deletes beyond it (or empties) is named, as the daemon would hold it.")
    var pruneGuard: Double = 50

    @Flag(name: .customLong("exit-code"),
          help: "Exit like `git diff --exit-code`: 0 no changes against --base, 1 changes, 2 error (a source that does not validate, a template that cannot be placed, a FederatedResourceQuota's overall limit exceeded), 3 the daemon's prune guard would hold the change (no Flotilla-Allow-Prune trailer for a cluster it names).")
    var exitCode = false

    func run() async throws {
        let failure: Int32 = exitCode ? 2 : 1
        let loaded: LoadedSource
        let inputs: PlanInputOptions.PlanInputs
        do {
            loaded = try await sourceOptions.load()
            inputs = try await inputOptions.inputs(sourceOptions)
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
                let (plan, delta) = inputs.delta(base: baseSource.manifests, baseRevision: baseSource.revision,
                                                 head: manifests, headRevision: loaded.revision, source: source)
                changes = delta
                try report(plan, manifests: manifests, changes: changes, message: loaded.message,
                           order: RolloutOrder.steps(delta, head: manifests, base: baseSource.manifests))
                return
            } catch let exit as ExitCode {
                throw exit
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(failure)
            }
        }
        let plan = inputs.scheduler(for: manifests, source: source).plan(revision: loaded.revision)
        try report(plan, manifests: manifests, changes: nil, message: loaded.message)
    }

    /// Prints the plan (and the comparison with the base) and exits as `--exit-code` says.
    private func report(_ plan: Plan, manifests: Manifests, changes: [WorkChange]?, message: String?,
                        order: [RolloutOrder.Step] = []) throws {
        let quotas = manifests.federatedResourceQuotas
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
            print(PlanRendering.text(plan) + RolloutRendering.text(manifests) + quotaText
                  + (changes.map { ChangeRendering.text($0, base: base ?? "") } ?? "") + RolloutOrder.text(order)
                  + PruneGuardCheck.text(held ?? []), terminator: "")
        case .markdown:
            let quotaMarkdown = violations.isEmpty ? ""
                : "\n### Over quota\n\n" + violations.map { "- \($0)\n" }.joined()
            print(PlanRendering.markdown(plan) + RolloutRendering.markdown(manifests) + quotaMarkdown
                  + (changes.map { ChangeRendering.markdown($0, base: base ?? "") } ?? "") + RolloutOrder.markdown(order)
                  + PruneGuardCheck.markdown(held ?? []), terminator: "")
        case .json:
            print(PlanRendering.json(plan, changes: changes.map(ChangeRendering.json), quotaViolations: violations,
                                     extra: (held.map { ["pruneGuard": PruneGuardCheck.json($0)] } ?? [:])
                                        .merging(RolloutRendering.json(manifests).map { ["rolloutStages": $0] } ?? [:]) { a, _ in a }
                                        .merging(order.isEmpty ? [:] : ["rolloutOrder": RolloutOrder.json(order)]) { a, _ in a }),
                  terminator: "")
        }
        for violation in violations { FileHandle.standardError.write(Data("warning: \(violation)\n".utf8)) }
        for warning in held ?? [] { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        guard exitCode else { return }
        if plan.placements.contains(where: { $0.error != nil }) || !violations.isEmpty { throw ExitCode(2) }
        if (held ?? []).contains(where: { !$0.allowed }) { throw ExitCode(3) }
        if let changes, PlanComparison.hasChanges(changes) { throw ExitCode(1) }
    }

}
