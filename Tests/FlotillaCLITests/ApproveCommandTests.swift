import FlotillaTestSupport
import Foundation
import Testing

/// `flotilla approve` refuses what cannot be an approval before it tags anything, and `plan --base` says in which
/// order a change to governed templates reaches the stages.
@Suite struct ApproveCommandTests {
    @Test func aStageNoRolloutPolicyHasIsRefusedWithTheStagesThereAre() throws {
        let root = try PlanBaseTests.makeRepository()
        let unknown = try runFlotilla(["approve", "qa", "sample-repo"], in: root)
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("has a stage \"qa\"")
                    && unknown.errors.contains("stages: environments/dev, environments/prod, environments/test"),
                "\(unknown.errors)")
        let invalid = try runFlotilla(["approve", "Dev", "sample-repo"], in: root)
        #expect(invalid.status != 0 && invalid.errors.contains("is not a stage name"), "\(invalid.errors)")
        // A valid stage, but no remote to push the tag to: an error, and no tag is left.
        let noRemote = try runFlotilla(["approve", "test", "sample-repo"], in: root)
        #expect(noRemote.status != 0 && noRemote.errors.contains("origin"), "\(noRemote.errors)")
    }

    @Test func approvingThroughARemotePushesTheTagThere() throws {
        let root = try PlanBaseTests.makeRepository()
        let bare = root.deletingLastPathComponent().appendingPathComponent("flotilla-approve-\(UUID()).git")
        try gitCommand(["clone", "-q", "--bare", root.path, bare.path], in: root)
        let head = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["git", "rev-parse", "HEAD"], in: root)
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
        let cache = root.appendingPathComponent(".cache").path
        let result = try runFlotilla(["approve", "prod", "--repo", "file://\(bare.path)", "--path", "sample-repo",
                                      "--cache-dir", cache], in: root)
        #expect(result.status == 0, "\(result.errors)")
        let tags = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["git", "--git-dir", bare.path, "tag", "--list",
                                                                         "--points-at", head], in: root).output
        #expect(tags.contains("flotilla/approve/prod/\(head.prefix(7))"), "\(tags)")
        // The same tag again is refused by nothing and changes nothing (it points at the same commit).
        let again = try runFlotilla(["approve", "prod", "--repo", "file://\(bare.path)", "--path", "sample-repo",
                                     "--cache-dir", cache], in: root)
        #expect(again.status == 0, "\(again.errors)")
    }

    @Test func planBaseShowsTheRolloutOrderOfAGovernedChange() throws {
        let root = try PlanBaseTests.makeRepository()
        let file = root.appendingPathComponent("sample-repo/apps/ledger/ledger.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "postgres:16.4", with: "postgres:16.5")
            .write(to: file, atomically: true, encoding: .utf8)
        try gitCommand(["commit", "-q", "-am", "ledger 16.5"], in: root)
        let result = try runFlotilla(["plan", "sample-repo", "--base", "HEAD~1", "--cluster-state", "none"], in: root)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("environments/dev: onprem-dc1: 1 change(s), now  [bake 60 s]"), "\(result.output)")
        #expect(result.output.contains("environments/test: onprem-dc2: 1 change(s), after dev passes  [manual approval]"))
        #expect(result.output.contains("environments/prod: ali-hangzhou, hw-shanghai: no change"))
    }
}
