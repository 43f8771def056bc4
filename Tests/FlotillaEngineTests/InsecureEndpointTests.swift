@testable import FlotillaEngine
import FlotillaKube
import FlotillaModel
import Foundation
import Testing

/// Credentials never go to a plain `http://` endpoint unless `--allow-insecure-endpoints` says so.
@Suite struct InsecureEndpointTests {
    static func cluster(_ name: String) -> Cluster {
        let yaml = "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: \(name)}\nspec: {syncMode: Push}\n"
        return ManifestLoader.load(files: [ManifestFile(path: "c.yaml", contents: Data(yaml.utf8))]).clusters[0]
    }

    static func credentials(server: String, user: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-insecure-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let kubeconfig = """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "\(server)"}}]
            users: [{name: u, user: \(user)}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            current-context: x
            """
        try kubeconfig.write(to: folder.appendingPathComponent("east"), atomically: true, encoding: .utf8)
        return folder.path
    }

    @Test(arguments: [
        ("http://10.0.0.1:8080", "{token: s3cret}", false, false),
        ("http://10.0.0.1:8080", "{token: s3cret}", true, true),
        ("http://10.0.0.1:8080", "{}", false, true),
        ("https://10.0.0.1:6443", "{token: s3cret}", false, true),
    ])
    func credentialsGoOnlyOverTLSUnlessAllowed(server: String, user: String, allow: Bool, reachable: Bool) throws {
        let folder = try Self.credentials(server: server, user: user)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (connection, problem) = Engine.connection(for: Self.cluster("east"), kubeconfig: nil,
                                                      credentialsDirectory: folder, allowInsecureEndpoints: allow)
        #expect((connection != nil) == reachable)
        if !reachable {
            #expect(problem == "refusing to send credentials to \(server) over plain http:// "
                        + "(use https, or --allow-insecure-endpoints)")
            #expect(problem?.contains("s3cret") == false)
        }
    }
}
