import FlotillaTestSupport
import Foundation
import Testing

/// The built `flotilla` executable, beside the test bundle.
/// The built `flotilla` executable, for tests that start it themselves.
var flotillaBinary: URL { flotilla }

private let flotilla: URL = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    while directory.path != "/" {
        let candidate = directory.appendingPathComponent("flotilla")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: ".build/debug/flotilla")
}()

private let projectRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs the built `flotilla` with arguments, from the project root.
func runFlotilla(_ arguments: [String], in directory: URL = projectRoot) throws -> CommandResult {
    try runProcess(flotilla, arguments, in: directory)
}

@Suite struct ValidateCommandTests {
    @Test func theSampleRepositoryIsValid() throws {
        let result = try runFlotilla(["validate", "sample-repo"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("Clusters: 4 (ali-hangzhou, hw-shanghai, onprem-dc1, onprem-dc2)"))
        #expect(result.output.contains("Deployment.apps"))
        #expect(result.output.contains("FederatedHPA              2"))
        #expect(result.output.contains("CronFederatedHPA          1"))
        #expect(result.output.hasSuffix("Valid.\n"))
        #expect(result.errors.isEmpty)
    }

    /// A Karmada kind Flotilla does not act on is valid: `validate` and `plan` warn with its file and line.
    @Test func karmadaKindsNotActedOnAreWarningsInValidateAndPlan() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-cli-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try """
            apiVersion: cluster.karmada.io/v1alpha1
            kind: Cluster
            metadata: {name: east}
            spec: {syncMode: Push}
            ---
            apiVersion: networking.karmada.io/v1alpha1
            kind: MultiClusterService
            metadata: {name: web, namespace: default}
            spec: {types: [CrossCluster]}

            """.write(to: folder.appendingPathComponent("fleet.yaml"), atomically: true, encoding: .utf8)
        let warning = "warning: fleet.yaml:6: MultiClusterService.networking.karmada.io web is accepted but not acted on"
        let validated = try runFlotilla(["validate", folder.path])
        #expect(validated.status == 0, "\(validated.errors)")
        #expect(validated.errors.contains(warning), "\(validated.errors)")
        #expect(validated.output.contains("Not acted on: 1 Karmada object(s)"))
        let planned = try runFlotilla(["plan", folder.path])
        #expect(planned.status == 0, "\(planned.errors)")
        #expect(planned.errors.contains(warning), "\(planned.errors)")
    }

    @Test func aTabIndentedFileExitsOneNamingFileAndLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-cli-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("apps"),
                                                withIntermediateDirectories: true)
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: broken\n"
            .write(to: folder.appendingPathComponent("apps/broken.yaml"), atomically: true, encoding: .utf8)
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Fine_Not\n"
            .write(to: folder.appendingPathComponent("apps/name.yaml"), atomically: true, encoding: .utf8)
        let absent = try runFlotilla(["validate", "\(folder.path)/absent"])
        #expect(absent.status == 1)
        #expect(absent.errors == "error: no such folder: \(folder.path)/absent\n")
        let real = try runFlotilla(["validate", folder.path])
        #expect(real.status == 1)
        let lines = real.errors.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("\(folder.path)/apps/broken.yaml:4:1: syntax error: found character that cannot start any token"))
        #expect(lines[1].hasPrefix("\(folder.path)/apps/name.yaml:4: invalid metadata.name \"Fine_Not\""))
        #expect(lines[2] == "2 errors in \(folder.path)")
        #expect(real.output.isEmpty)
    }

    @Test func anOverrideThatCannotApplyToATemplateItSelectsIsAnErrorAtThePolicysLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-cli-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let sample = projectRoot.appendingPathComponent("sample-repo").path
        for entry in try FileManager.default.contentsOfDirectory(atPath: sample) {
            try FileManager.default.copyItem(atPath: "\(sample)/\(entry)", toPath: folder.appendingPathComponent(entry).path)
        }
        let policy = """
            # a comment line
            apiVersion: policy.karmada.io/v1alpha1
            kind: OverridePolicy
            metadata: {name: broken, namespace: shop}
            spec:
              resourceSelectors:
                - {apiVersion: apps/v1, kind: Deployment, name: orders-api}
              overrideRules:
                - targetCluster: {clusterNames: [hw-shanghai]}
                  overriders:
                    plaintext:
                      - {path: /spec/template/spec/nothere/0/image, operator: replace, value: "x:1"}

            """
        try policy.write(to: folder.appendingPathComponent("policies/broken.yaml"), atomically: true, encoding: .utf8)
        let result = try runFlotilla(["validate", folder.path])
        #expect(result.status == 1)
        let lines = result.errors.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(result.errors)")
        #expect(lines.first?.hasPrefix("\(folder.path)/policies/broken.yaml:2: OverridePolicy: invalid value at "
            + "\"spec.overrideRules[0]\": broken on cluster hw-shanghai: /spec/template/spec/nothere/0/image") == true,
                "\(result.errors)")
        #expect(lines.first?.hasSuffix("(template Deployment.apps shop/orders-api)") == true)
    }

    @Test func aGitURLWithRefAndPath() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-cli-git-\(UUID())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let bare = scratch.appendingPathComponent("fleet.git")
        let work = scratch.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("deploy"),
                                                withIntermediateDirectories: true)
        try gitCommand(["init", "-q", "--bare", "-b", "main", bare.path], in: scratch)
        try gitCommand(["init", "-q", "-b", "main"], in: work)
        try "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good}\n"
            .write(to: work.appendingPathComponent("deploy/cm.yaml"), atomically: true, encoding: .utf8)
        try gitCommand(["add", "-A"], in: work)
        try gitCommand(["commit", "-q", "-m", "good"], in: work)
        try gitCommand(["tag", "good"], in: work)
        try "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: BAD}\n"
            .write(to: work.appendingPathComponent("deploy/cm.yaml"), atomically: true, encoding: .utf8)
        try gitCommand(["commit", "-q", "-am", "bad"], in: work)
        try gitCommand(["push", "-q", bare.path, "main", "good"], in: work)
        let cache = scratch.appendingPathComponent("cache").path

        let good = try runFlotilla(["validate", "file://\(bare.path)", "--ref", "good", "--path", "deploy", "--cache-dir", cache])
        #expect(good.status == 0, "\(good.errors)")
        #expect(good.output.contains("Source: file://\(bare.path) @ "))
        #expect(good.output.contains("ConfigMap  1"))

        let bad = try runFlotilla(["validate", "--repo", "file://\(bare.path)", "--path", "deploy", "--cache-dir", cache])
        #expect(bad.status == 1)
        #expect(bad.errors.hasPrefix("deploy/cm.yaml:3: invalid metadata.name \"BAD\""))

        let missing = try runFlotilla(["validate", "file://\(bare.path)", "--ref", "nope", "--cache-dir", cache])
        #expect(missing.status == 1)
        #expect(missing.errors == "error: ref \"nope\" not found in file://\(bare.path)\n")
    }
}
