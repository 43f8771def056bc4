import FlotillaModel
import Testing
@testable import FlotillaDiff

@Suite struct FieldDiffTests {
    static func value(_ yaml: String) -> JSONValue {
        (try? YAMLDocumentReader.read(yaml, file: "t.yaml").first?.value) ?? .null
    }

    @Test(arguments: [
        ("a: 1", "a: 1", [String]()),
        ("a: 1", "a: 2", ["a"]),
        ("a: {b: 1, c: 2}", "a: {b: 1, c: 3, d: 4}", ["a.c", "a.d"]),
        ("l: [1, 2]", "l: [1, 3]", ["l[1]"]),
        ("l: [1, 2]", "l: [1, 2, 3]", ["l"]),
        ("s: {containers: [{name: a, image: x}]}", "s: {containers: [{name: a, image: y}]}", ["s.containers[0].image"]),
        ("a: 1\nb: 2", "b: 2", ["a"]),
    ])
    func paths(before: String, after: String, expected: [String]) {
        #expect(FieldDiff.paths(Self.value(before), Self.value(after)) == expected)
    }

    @Test func ignoredPathsAreLeftOut() {
        let before = Self.value("metadata: {annotations: {flotilla.dev/source: a@1, keep: x}}")
        let after = Self.value("metadata: {annotations: {flotilla.dev/source: a@2, keep: y}}")
        #expect(FieldDiff.paths(before, after, ignoring: ["metadata.annotations.flotilla.dev/source"])
                == ["metadata.annotations.keep"])
    }
}
