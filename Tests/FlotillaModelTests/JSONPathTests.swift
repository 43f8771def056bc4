import FlotillaModel
import Testing

/// The JSONPath subset of `statePreservation` rules. The cases marked "Karmada" are from Karmada's
/// `pkg/util/helper/preservedlabelstate_test.go` (`Test_BuildPreservedLabelState`, `Test_parseJSONValue`),
/// Copyright The Karmada Authors, Apache-2.0.
struct JSONPathTests {
    static let list = try! JSONValue.parse("""
        {"apiVersion": "v1", "kind": "List", "items": [
          {"metadata": {"name": "nginx-01", "resourceVersion": "1148"}, "status": {"replicas": 2, "ready": true}},
          {"metadata": {"name": "nginx-02", "resourceVersion": "1149"}, "status": {"replicas": 3.5}}]}
        """)

    @Test(arguments: [
        // Karmada: successful case, child operator, wildcard, subscript.
        ("{ .replicas }", #"{"replicas": 2, "health": true}"#, "2"),
        ("{ .health }", #"{"replicas": 2, "health": true}"#, "true"),
        ("{ ['kind'] }", nil, "List"),
        ("{ .items[*].metadata.name }", nil, "nginx-01 nginx-02"),
        ("{ .items[0].metadata.name }", nil, "nginx-01"),
        // Beyond Karmada's cases: negative index, quoted keys with dots, text around actions, floats, objects.
        ("{.items[-1].metadata.name}", nil, "nginx-02"),
        ("{.items[1].status.replicas}", nil, "3.5"),
        (#"{.metadata.labels["app.kubernetes.io/name"]}"#, #"{"metadata": {"labels": {"app.kubernetes.io/name": "web"}}}"#, "web"),
        ("id-{.a}-{.b}", #"{"a": 1, "b": "x"}"#, "id-1-x"),
        ("{.items[0].status}", nil, #"{"ready":true,"replicas":2}"#),
        ("{$.kind}", nil, "List"),
    ] as [(String, String?, String)])
    func evaluates(_ path: String, _ document: String?, _ expected: String) throws {
        let root = try document.map { try JSONValue.parse($0) } ?? Self.list
        #expect(try JSONPath(path).evaluate(root) == expected)
    }

    @Test func aPathThatReachesNothingIsAnError() throws {
        // Karmada: "target field not found".
        #expect(throws: JSONPath.Failure.self) { try JSONPath("{ .replicas }").evaluate(try JSONValue.parse(#"{"readyReplicas": 2}"#)) }
        #expect(throws: JSONPath.Failure.self) { try JSONPath("{.items[5].metadata}").evaluate(Self.list) }
        #expect(throws: JSONPath.Failure.self) { try JSONPath("{.kind.name}").evaluate(Self.list) }
    }

    @Test(arguments: ["{ %health }", "{.a", "{.items[?(@.x==1)]}", "{..resourceVersion}", "{.a[}"])
    func invalidOrUnsupportedTemplatesAreRefused(_ path: String) {
        // Karmada: "invalid jsonPath" ({ %health }); the others are refused rather than guessed.
        #expect(throws: JSONPath.Failure.self) { try JSONPath(path) }
    }
}
