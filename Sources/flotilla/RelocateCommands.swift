import ArgumentParser
import FlotillaAuthoring
import FlotillaModel
import FlotillaPlacement
import Foundation

/// What `clone` and `migrate` share: the template named, where the daemon places it now, and the commit.
struct RelocationTarget: ParsableArguments {
    @OptionGroup var template: TemplateArguments

    @Option(help: "Replicas on the new clusters (an OverridePolicy), or of the copy.")
    var replicas: Int?

    @Option(name: .customLong("override-image"),
            help: "The containers' image on the new clusters (an OverridePolicy's imageOverrider), or of the copy.")
    var image: String?

    @OptionGroup var branchOptions: BranchOptions

    @OptionGroup var inputOptions: PlanInputOptions

    /// Plans the source as the daemon does and hands the template, its placement and its policy to `author`.
    func run(branch: (KubernetesObject) -> String,
             _ author: (RelocationAuthoring.Request) throws(AuthoringError) -> AuthoredChange,
             move: RelocationAuthoring.Move) async throws {
        let (options, kind, name) = try template.split()
        let loaded = try await options.load()
        let manifests = loaded.manifests
        guard manifests.isValid else {
            throw CommandError("the source does not validate: "
                               + manifests.errors.map { loaded.render($0) }.joined(separator: "; "))
        }
        let identity = try ExplainCommand.find(kind: kind, name: name, namespace: template.namespace, in: manifests.templates)
        guard let template = manifests.templates.first(where: { $0.identity == identity }) else {
            throw CommandError("no template \(kind)/\(name)")
        }
        let inputs = try await inputOptions.inputs(options)
        let plan = inputs.scheduler(for: manifests, source: "").plan()
        let placement = plan.placements.first { $0.identity == identity }
        let request = RelocationAuthoring.Request(template: template, manifests: manifests,
                                                  current: placement?.clusters.map(\.name) ?? [],
                                                  choice: placement?.choice, move: move, replicas: replicas,
                                                  image: image)
        let change = try author(request)
        try await AuthoringCommit.run(change, branch: branch(template), options: branchOptions, source: options,
                                      inputs: inputOptions)
    }
}

/// `flotilla clone`: a template also placed on more clusters, or a renamed copy placed there, as a commit.
struct CloneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clone",
        abstract: "Also run a template on other clusters (or a renamed copy there), as a commit on a new branch.",
        discussion: "Usage: flotilla clone [SOURCE] KIND/NAME [-n NS] --to C1[,C2...] [--name NEW] [--replicas N] "
            + "[--override-image IMAGE] [--branch B] [--push].")

    @OptionGroup var common: RelocationTarget

    @Option(help: "The clusters, comma-separated.")
    var to: String

    @Option(help: "A name for a copy (default: the template itself is placed on the clusters too).")
    var name: String?

    func run() async throws {
        let clusters = to.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        try await common.run(branch: { "flotilla/clone/\(name ?? $0.name)" }, RelocationAuthoring.change,
                             move: .clone(to: clusters, name: name))
    }
}

/// `flotilla migrate`: a template moved from one cluster to another, as a commit; the daemon brings it up on the new
/// cluster before it prunes it from the old one.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move a template from one cluster to another, as a commit on a new branch.",
        discussion: "Usage: flotilla migrate [SOURCE] KIND/NAME [-n NS] --from A --to B [--replicas N] "
            + "[--override-image IMAGE] [--branch B] [--push].")

    @OptionGroup var common: RelocationTarget

    @Option(help: "The cluster it leaves.")
    var from: String

    @Option(help: "The cluster it moves to.")
    var to: String

    func run() async throws {
        try await common.run(branch: { "flotilla/migrate/\($0.name)" }, RelocationAuthoring.change,
                             move: .migrate(from: from, to: to))
    }
}
