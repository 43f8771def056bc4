import ArgumentParser
import FlotillaEngine
import FlotillaModel
import FlotillaPlacement
import Foundation

/// `flotilla approve STAGE`: approves a rollout stage for a revision by pushing the tag
/// `flotilla/approve/<stage>/<short revision>`, which the daemon reads after its next fetch.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a rollout stage for a revision: push the tag flotilla/approve/<stage>/<revision>.",
        discussion: """
            The stage must be one of a RolloutPolicy's stages in the revision. The tag is an ordinary Git tag, pushed \
            to the source's remote (a folder's origin): whoever may push tags may approve, and the tag records who did.
            """)

    @Argument(help: "The stage to approve (a RolloutPolicy's stage name).")
    var stage: String

    @Option(help: "The revision to approve (a commit id or prefix, branch or tag; default: the source's head).")
    var revision: String?

    @OptionGroup var source: SourceOptions

    func run() async throws {
        if let problem = ResourceNames.dns1123LabelProblem(stage) {
            throw CommandError("\"\(stage)\" is not a stage name: \(problem)")
        }
        let repository = try AuthoringRepository.open(source)
        let commit: String
        if let revision {
            commit = try await repository.resolve(revision)
        } else {
            commit = try await repository.base(ref: source.gitURL == nil ? nil : source.ref)
        }
        let manifests = try await repository.manifests(at: commit)
        let stages = manifests.rolloutPolicies.flatMap { policy in policy.spec.stages.map { "\(policy.metadata.name)/\($0.name)" } }
        guard manifests.rolloutPolicies.contains(where: { $0.spec.stages.contains { $0.name == stage } }) else {
            throw CommandError("no RolloutPolicy of \(commit.prefix(12)) has a stage \"\(stage)\""
                               + (stages.isEmpty ? " (it has no RolloutPolicy)" : "; stages: \(stages.sorted().joined(separator: ", "))"))
        }
        let tag = RolloutProgress.approvalTag(stage: stage, revision: commit)
        try await repository.pushTag(tag, commit: commit, credentials: try source.credentials())
        print("Approved \(stage) for \(commit.prefix(12)): pushed the tag \(tag).")
    }
}
