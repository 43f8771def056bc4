import Foundation
import Testing
@testable import FlotillaModel

/// What a hostile (or careless) commit can put in a source: each gets a clear error naming the file, and the loader
/// neither exhausts memory nor follows links out of the tree.
struct HostileInputTests {
    /// "Billion laughs": nine levels of nine aliases, a few hundred bytes that would expand to 9^9 values.
    static let aliasBomb = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: lol, namespace: default}
        data:
          a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
          b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
          c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
          d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
          e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
          f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
          g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
          h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
          i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]

        """

    @Test func anAliasBombIsAnErrorWithFileLineAndTheLimit() {
        let found = errors("---\n" + Self.aliasBomb, file: "apps/bomb.yaml")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("apps/bomb.yaml:2") == true, "\(found)")
        #expect(found.first?.contains("more than 1000000 values") == true, "\(found)")
    }

    @Test func aliasesWithinTheLimitStillExpand() {
        let manifests = load(["a.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ok, namespace: default, labels: &labels {app: web}}
            data: {x: "1"}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ok2, namespace: default, labels: *labels}

            """])
        #expect(manifests.errors.isEmpty)
        #expect(manifests.templates.last?.labels["app"] == "web")
    }

    @Test func filesAndRevisionsOverTheirSizeLimitsAreErrors() {
        let big = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big, namespace: default}\ndata: {x: \""
            + String(repeating: "x", count: 2000) + "\"}\n"
        let small = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: small, namespace: default}\n"
        let files = [ManifestFile(path: "a/big.yaml", contents: Data(big.utf8)),
                     ManifestFile(path: "b/small.yaml", contents: Data(small.utf8))]
        let perFile = ManifestLoader.load(files: files, limits: ManifestLimits(fileBytes: 1000))
        #expect(perFile.errors.map(\.description)
                == ["a/big.yaml:1: cannot read file: \(big.utf8.count) bytes, over the limit of 1000 bytes per file"])
        #expect(perFile.templates.map(\.name) == ["small"])
        let perRevision = ManifestLoader.load(files: files, limits: ManifestLimits(revisionBytes: 2100))
        #expect(perRevision.errors.count == 1)
        #expect(perRevision.errors.first?.description.hasPrefix("b/small.yaml:1: cannot read file: the revision's manifests exceed") == true)
    }

    @Test func symlinksLeadingOutOfAFolderSourceAreRefusedAndLoopsReadOnce() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-links-\(UUID())")
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-outside-\(UUID())")
        defer {
            try? FileManager.default.removeItem(at: root)
            try? FileManager.default.removeItem(at: outside)
        }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("apps"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n"
            .write(to: root.appendingPathComponent("apps/a.yaml"), atomically: true, encoding: .utf8)
        try "secret: stolen\n".write(to: outside.appendingPathComponent("x.yaml"), atomically: true, encoding: .utf8)
        // A loop: apps/again → the source root.
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("apps/again").path,
                                                   withDestinationPath: root.path)
        let looped = try ManifestLoader.files(inDirectory: root.path)
        #expect(looped.map(\.path) == ["apps/a.yaml"])

        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("apps/out").path,
                                                   withDestinationPath: outside.path)
        #expect(throws: ManifestError.self) { try ManifestLoader.files(inDirectory: root.path) }
        let manifests = ManifestLoader.load(directory: root.path)
        #expect(manifests.errors.map(\.description) == ["apps/out:1: cannot read file: a symbolic link that leads out of the source; not followed"],
                "\(manifests.errors)")
    }

    @Test(arguments: ["99999999999Gi", "9999999999999999999", "1e30", "99999999999999999E"])
    func quantitiesBeyond64BitsAreOutOfRangeNotATrap(_ text: String) {
        let quantity = Quantity(text)
        #expect(quantity.milliValue == nil)
        #expect(!quantity.isInRange)
    }

    @Test func quantitiesWithinRangeKeepTheirValues() {
        #expect(Quantity("8Ei").integerValue == nil)  // 2^63: one past Int64.max
        #expect(Quantity("4Gi").milliValue == Int64(4_294_967_296_000))
        #expect(Quantity("1500m").integerValue == 2)
    }
}

/// Resource quantities of a template are checked when it is loaded: out of range is a validation error with its line.
struct QuantityValidationTests {
    @Test func anOutOfRangeRequestIsAnErrorAtItsLine() {
        let found = errors("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: default}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                    - name: web
                      image: nginx
                      resources:
                        requests:
                          memory: "99999999999Gi"

            """, file: "apps/web.yaml")
        #expect(found == ["apps/web.yaml:14: Deployment: invalid value at "
                          + "\"spec.template.spec.containers[0].resources.requests.memory\": \"99999999999Gi\" is out of range"],
                "\(found)")
    }

    @Test func aRequestThatIsNotAQuantityIsAnError() {
        let found = errors("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: default}
            spec:
              containers: [{name: c, image: nginx, resources: {limits: {cpu: lots}}}]

            """)
        #expect(found.count == 1 && found[0].contains("\"lots\" is not a quantity"), "\(found)")
    }
}

/// Names from the repository that become paths are validated.
struct PathNameTests {
    @Test(arguments: ["../../etc/passwd", "a/b", "..", "UPPER"])
    func aSecretRefNameThatIsNotASecretNameIsAnError(_ name: String) {
        let found = errors("""
            apiVersion: cluster.karmada.io/v1alpha1
            kind: Cluster
            metadata: {name: a}
            spec:
              syncMode: Push
              secretRef: {namespace: karmada-cluster, name: "\(name)"}

            """, file: "clusters/a.yaml")
        #expect(found.count == 1 && found[0].hasPrefix("clusters/a.yaml:6:") && found[0].contains("spec.secretRef.name"),
                "\(found)")
    }
}
