import FlotillaModel
import FlotillaTestSupport
import Foundation
import Testing

/// The pull-request recipes in deploy/ci run their own `flotilla plan` step, as written, on a repository whose pull
/// request deletes the ledger app: the step records exit code 3 (held by the prune guard) and the comment names the
/// cluster; once the head commit carries the trailer the code is 1 (changes, none held).
@Suite struct CIRecipeTests {
    static let recipes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/ci")

    /// The shell of the recipe's step that runs `flotilla plan`.
    static func planScript(_ file: String) throws -> String {
        let text = try String(contentsOf: recipes.appendingPathComponent(file), encoding: .utf8)
        let document = try #require(try YAMLDocumentReader.read(text, file: file).first?.value)
        if file == "github-actions.yml" {
            let steps = document["jobs"]?["plan"]?["steps"]?.arrayValue ?? []
            return try #require(steps.compactMap { $0["run"]?.stringValue }.first { $0.contains("flotilla plan") })
        }
        let script = document["flotilla-plan"]?["script"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return try #require(script.first { $0.contains("flotilla plan") }) + "\necho \"code=$code\" > \"$OUT\""
    }

    /// Runs the step in a repository whose `main` is the base (also as origin/main) and whose HEAD is the pull request.
    static func run(_ file: String, in root: URL) throws -> (code: String, comment: String) {
        let out = root.appendingPathComponent("out.txt")
        try? FileManager.default.removeItem(at: out)
        let environment = [
            "PATH": flotillaBinary.deletingLastPathComponent().path + ":/usr/bin:/bin",
            "HOME": root.path, "BASE": "origin/main", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
            "GITHUB_OUTPUT": out.path, "GITHUB_STEP_SUMMARY": root.appendingPathComponent("summary.md").path,
            "OUT": out.path,
        ]
        let result = try runProcess(URL(fileURLWithPath: "/bin/bash"), ["-c", try planScript(file)], in: root,
                                    environment: environment)
        #expect(result.status == 0, "the step itself ends well: \(result.errors)")
        let code = try String(contentsOf: out, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return (code, try String(contentsOf: root.appendingPathComponent("plan.md"), encoding: .utf8))
    }

    @Test(arguments: ["github-actions.yml", "gitlab-ci.yml"])
    func theRecipeFailsOnAHeldPruneUnlessTheTrailerAllowsIt(_ file: String) throws {
        let root = try PlanBaseTests.makeRepository()
        defer { try? FileManager.default.removeItem(at: root) }
        try gitCommand(["update-ref", "refs/remotes/origin/main", "main"], in: root)
        try gitCommand(["checkout", "-q", "-b", "drop-ledger"], in: root)
        try gitCommand(["rm", "-r", "-q", "sample-repo/apps/ledger", "sample-repo/policies/ledger.yaml"], in: root)
        try gitCommand(["commit", "-q", "-m", "Drop the ledger"], in: root)
        let held = try Self.run(file, in: root)
        #expect(held.code == "code=3")
        #expect(held.comment.contains("### Prune guard\n\n- onprem-dc2: the change deletes 4 of 7 works"))
        try gitCommand(["commit", "-q", "--amend", "-m", "Drop the ledger\n\nFlotilla-Allow-Prune: onprem-dc2"],
                       in: root)
        let allowed = try Self.run(file, in: root)
        #expect(allowed.code == "code=1")
        #expect(allowed.comment.contains("allowed by the commit's trailer `Flotilla-Allow-Prune: onprem-dc2`"))
    }
}
