import FlotillaTestSupport
import Foundation
import Testing

/// `clone` and `migrate` as commits on sample-repo: the branch is made beside the work tree (which stays as it was),
/// the prune-guard trailer is added when the change needs it, a remote (`--repo`) gets the branch pushed, and a branch
/// that exists is never overwritten.
@Suite struct AuthoringCommandTests {
    static func git(_ arguments: [String], in root: URL) throws -> String {
        try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["git"] + arguments, in: root).output
    }

    @Test func aMigrationThatTripsThePruneGuardCarriesTheTrailer() throws {
        let root = try PlanBaseTests.makeRepository()
        defer { try? FileManager.default.removeItem(at: root) }
        let arguments = ["migrate", "sample-repo", "Deployment/ledger", "-n", "ledger", "--from", "onprem-dc2",
                         "--to", "onprem-dc1", "--prune-guard", "20", "--status-branch", "none"]
        let result = try runFlotilla(arguments, in: root)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("on branch flotilla/migrate/ledger"), "\(result.output)")
        #expect(result.output.contains("The commit carries `Flotilla-Allow-Prune: onprem-dc2`"), "\(result.output)")
        #expect(result.output.contains("- delete Deployment.apps ledger/ledger on onprem-dc2"), "\(result.output)")
        let message = try Self.git(["log", "-1", "--format=%B", "flotilla/migrate/ledger"], in: root)
        #expect(message.hasPrefix("Migrate Deployment ledger/ledger from onprem-dc2 to onprem-dc1\n"))
        #expect(message.contains("\n\nFlotilla-Allow-Prune: onprem-dc2\n"), "\(message)")
        // The work tree and the branch checked out are untouched.
        #expect(try Self.git(["status", "--porcelain"], in: root).isEmpty)
        #expect(try Self.git(["rev-parse", "--abbrev-ref", "HEAD"], in: root) == "main\n")
        let files = try Self.git(["show", "--name-only", "--format=", "flotilla/migrate/ledger"], in: root)
        #expect(files == "sample-repo/apps/ledger/flotilla-ledger.yaml\n")
        // Again: the branch exists, and is not overwritten.
        let again = try runFlotilla(arguments, in: root)
        #expect(again.status != 0)
        #expect(again.errors.contains("branch flotilla/migrate/ledger already exists"), "\(again.errors)")
    }

    @Test func aChangeThatDoesNotValidateLeavesNoBranch() throws {
        let root = try PlanBaseTests.makeRepository()
        defer { try? FileManager.default.removeItem(at: root) }
        // A valid object name, but the copy's selector label would be 100 characters: the API server refuses it.
        let name = String(repeating: "a", count: 100)
        let result = try runFlotilla(["clone", "sample-repo", "Deployment/ledger", "-n", "ledger", "--to", "onprem-dc1",
                                      "--name", name, "--status-branch", "none"], in: root)
        #expect(result.status != 0)
        #expect(result.errors.contains("the change does not validate (no branch made)"), "\(result.errors)")
        #expect(result.errors.contains("invalid label value"), "\(result.errors)")
        #expect(try Self.git(["branch", "--list", "flotilla/*"], in: root).isEmpty)
        // Refused before anything is written: a bad name, a bad image.
        let badName = try runFlotilla(["clone", "sample-repo", "Deployment/ledger", "-n", "ledger",
                                       "--to", "onprem-dc1", "--name", "Bad_Name", "--status-branch", "none"], in: root)
        #expect(badName.status != 0 && badName.errors.contains("--name Bad_Name"))
        let badImage = try runFlotilla(["migrate", "sample-repo", "Deployment/ledger", "-n", "ledger", "--from",
                                        "onprem-dc2", "--to", "onprem-dc1", "--override-image", "BAD IMAGE!!",
                                        "--status-branch", "none"], in: root)
        #expect(badImage.status != 0 && badImage.errors.contains("--override-image BAD IMAGE!!"))
        #expect(try Self.git(["branch", "--list", "flotilla/*"], in: root).isEmpty)
    }

    @Test func aRemoteGetsTheBranchPushed() throws {
        let root = try PlanBaseTests.makeRepository()
        defer { try? FileManager.default.removeItem(at: root) }
        let bare = root.appendingPathComponent("remote.git")
        try gitCommand(["clone", "-q", "--bare", root.path, bare.path], in: root)
        let result = try runFlotilla(["clone", "--repo", bare.path, "--ref", "main", "--path", "sample-repo",
                                      "Deployment/web-frontend", "-n", "web", "--to", "onprem-dc1", "--replicas", "1",
                                      "--push", "--status-branch", "none",
                                      "--cache-dir", root.appendingPathComponent("cache").path], in: root)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("Pushed flotilla/clone/web-frontend."), "\(result.output)")
        #expect(result.output.contains("+ create Deployment.apps web/web-frontend on onprem-dc1  replicas - → 1"),
                "\(result.output)")
        let files = try Self.git(["--git-dir", bare.path, "show", "--name-only", "--format=%s",
                                  "flotilla/clone/web-frontend"], in: root)
        #expect(files.contains("Clone Deployment web/web-frontend to onprem-dc1"), "\(files)")
        #expect(files.contains("sample-repo/apps/web/flotilla-web-frontend.yaml"))
        #expect(files.contains("sample-repo/apps/web/web-frontend-replicas.yaml"))
    }
}
