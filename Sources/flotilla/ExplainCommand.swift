import ArgumentParser
import FlotillaModel
import FlotillaPlacement
import Foundation

/// `flotilla explain`: why one template went where it did — the policies, each cluster's filters and capacity, the
/// division of its replicas and the overrides — from the same inputs as `plan`.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain one template's placement: policies, filters per cluster, capacity, division, overrides.",
        discussion: "Usage: flotilla explain [SOURCE] KIND/NAME [-n NAMESPACE]. KIND is the template's kind, "
            + "case-insensitive, optionally with its group (Deployment, deployment.apps) or plural (deployments).")

    @OptionGroup var template: TemplateArguments

    @OptionGroup var inputOptions: PlanInputOptions

    @Option(help: "Output format: text, markdown or json.")
    var format: PlanCommand.Format = .text

    func run() async throws {
        let (options, kind, name) = try template.split()
        let wanted = "\(kind)/\(name)"
        let loaded: LoadedSource
        let inputs: PlanInputOptions.PlanInputs
        do {
            loaded = try await options.load()
            inputs = try await inputOptions.inputs(options)
        } catch {
            throw CommandError("\(error)")
        }
        let manifests = loaded.manifests
        guard manifests.isValid else {
            for error in manifests.errors {
                FileHandle.standardError.write(Data((loaded.render(error) + "\n").utf8))
            }
            throw ExitCode(1)
        }
        if let note = inputs.note { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        let identity = try Self.find(kind: kind, name: name, namespace: template.namespace, in: manifests.templates)
        let source = "\(loaded.label.split(separator: " ").first ?? "")@\(loaded.revision ?? "working-tree")"
        let scheduler = inputs.scheduler(for: manifests, source: source)
        guard let explanation = scheduler.explain(identity) else {
            throw CommandError("no template \(wanted) in the source")
        }
        switch format {
        case .text: print(ExplanationRendering.text(explanation), terminator: "")
        case .markdown: print(ExplanationRendering.markdown(explanation), terminator: "")
        case .json: print(ExplanationRendering.json(explanation), terminator: "")
        }
    }

    /// The one template of that kind and name (in that namespace); an error naming the candidates otherwise.
    static func find(kind: String, name: String, namespace: String?,
                     in templates: [KubernetesObject]) throws -> ResourceIdentity {
        let wanted = kind.lowercased()
        let matches = templates.filter { template in
            let own = template.kind.lowercased()
            let kinds = [own, own + "s", own + "es", template.group.isEmpty ? own : "\(own).\(template.group)",
                         "\(own)s.\(template.group)"]
            return template.name == name && kinds.contains(wanted)
                && (namespace == nil || template.namespace == namespace)
        }.map(\.identity)
        let found = Array(Set(matches)).sorted()
        switch found.count {
        case 1: return found[0]
        case 0:
            throw CommandError("no template \(kind)/\(name)" + (namespace.map { " in namespace \($0)" } ?? "")
                               + " in the source")
        default:
            throw CommandError("\(kind)/\(name) is in more than one namespace ("
                               + found.map { $0.namespace ?? "cluster-scoped" }.joined(separator: ", ")
                               + "): choose one with -n")
        }
    }
}
