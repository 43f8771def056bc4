import Foundation
import Testing
@testable import FlotillaModel

@Suite struct YAMLDocumentReaderTests {
    @Test func multiDocumentYAMLKeepsEveryFieldAndLine() throws {
        let text = """
        a: 1
        b: [true, "x", 2.5, null]
        ---
        # a comment
        ---
        c:
          d: yes
          e: "123"
          f: 2024-01-01
        """
        let documents = try YAMLDocumentReader.read(text, file: "f.yaml")
        #expect(documents.count == 2)
        #expect(documents[0].value == .object(["a": .int(1), "b": .array([.bool(true), .string("x"), .double(2.5), .null])]))
        #expect(documents[0].location == SourceLocation(file: "f.yaml", line: 1))
        #expect(documents[1].location.line == 6)
        #expect(documents[1].value["c"]?["d"] == .bool(true))
        #expect(documents[1].value["c"]?["e"] == .string("123"))
        // Timestamps stay strings, as they do once Kubernetes turns YAML into JSON.
        #expect(documents[1].value["c"]?["f"] == .string("2024-01-01"))
        #expect(documents[1].fieldLines["c.e"] == 8)
        #expect(documents[1].location(ofField: "c.e.missing").line == 8)
    }

    @Test func anchorsAndMergeKeysExpand() throws {
        let text = """
        base: &base {x: 1, y: 2}
        derived:
          <<: *base
          y: 3
        """
        let value = try #require(try YAMLDocumentReader.read(text, file: "f.yaml").first).value
        #expect(value["derived"] == .object(["x": .int(1), "y": .int(3)]))
    }

    @Test(arguments: [
        ("a:\n\tb: 1\n", 2, "found character that cannot start any token"),
        ("a: [1, 2\n", 2, "did not find expected ',' or ']'"),
        ("a: 1\n  b: 2\n", 2, "mapping values are not allowed in this context"),
    ])
    func syntaxErrorsCarryLineAndColumn(text: String, line: Int, problem: String) {
        #expect {
            _ = try YAMLDocumentReader.read(text, file: "bad.yaml")
        } throws: { error in
            guard case .syntax(let location, let message)? = error as? ManifestError else { return false }
            return location.file == "bad.yaml" && location.line == line && location.column != nil
                && message.contains(problem)
        }
    }

    /// A key defined twice is accepted as the API server's default field validation accepts it: the last value wins,
    /// and a warning names the first definition's line.
    @Test func aKeyDefinedTwiceIsAWarningAndTheLastValueWins() throws {
        let text = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: b, namespace: default, name: c}
        data:
          "k": one
          k: two
          other: x
          k: three
        ---
        second: {a: 1, a: 2}
        """
        let documents = try YAMLDocumentReader.read(text, file: "f.yaml")
        #expect(documents.count == 2)
        #expect(documents[0].value.value(at: ["metadata", "name"]) == .string("c"))
        #expect(documents[0].value["data"] == .object(["k": .string("three"), "other": .string("x")]))
        #expect(documents[1].value["second"] == .object(["a": .int(2)]))
        #expect(documents[0].warnings == [
            "f.yaml:3:12: mapping key \"name\" defined more than once; the last value is used",
            "f.yaml:5:3: mapping key \"k\" defined more than once; the last value is used",
            "f.yaml:6:3: mapping key \"k\" defined more than once; the last value is used",
            "f.yaml:10:10: mapping key \"a\" defined more than once; the last value is used",
        ])
        // Through the loader, the warnings reach `validate`, `plan` and the status; the source stays valid.
        let first = String(text[..<text.range(of: "---")!.lowerBound])
        let manifests = ManifestLoader.load(files: [ManifestFile(path: "f.yaml", contents: Data(first.utf8))])
        #expect(manifests.isValid && manifests.warnings.count == 3, "\(manifests.errors) \(manifests.warnings)")
        #expect(manifests.templates.first?.name == "c")
        // The field lines still point at the key that is used.
        #expect(documents[0].fieldLines["data.k"] == 8)
    }

    @Test func syntaxErrorInALaterDocumentIsNotSwallowed() {
        let text = "a: 1\n---\nb: [\n"
        #expect(throws: ManifestError.self) { _ = try YAMLDocumentReader.read(text, file: "f.yaml") }
    }
}
