import Testing
@testable import FlotillaModel

/// Labels the API server refuses (apimachinery's `IsQualifiedName` and `IsValidLabelValue`) are errors with file and
/// line, on the object and on its pod template, before anything is applied.
@Suite struct LabelValidationTests {
    @Test(arguments: [
        ("app", nil), ("app.kubernetes.io/name", nil), ("example.com/a_b.c-d", nil), ("A1", nil),
        ("", "name part must be non-empty"), ("/app", "prefix part must be non-empty"),
        ("-app", "name part must consist"), ("Example.com/app", "prefix part a lowercase RFC 1123 subdomain"),
        (String(repeating: "a", count: 64), "name part must be no more than 63 characters"),
    ] as [(String, String?)])
    func labelKeys(_ key: String, _ problem: String?) {
        let found = ResourceNames.labelKeyProblem(key)
        if let problem {
            #expect(found?.hasPrefix(problem) == true, "\(key): \(found ?? "nil")")
        } else {
            #expect(found == nil)
        }
    }

    @Test(arguments: [("", true), ("web", true), ("v1.2_3-x", true), ("-x", false), ("a b", false),
                      (String(repeating: "a", count: 64), false)])
    func labelValues(_ value: String, _ valid: Bool) {
        #expect((ResourceNames.labelValueProblem(value) == nil) == valid, "\(value)")
    }

    @Test func aBadLabelIsAnErrorWithItsLine() {
        let text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata:
                  labels:
                    app: \(String(repeating: "w", count: 70))
                spec: {containers: [{name: web, image: nginx}]}
            """
        let found = errors(text)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("test.yaml:9") == true, "\(found)")
        #expect(found.first?.contains("invalid label value") == true && found.first?.contains("63 characters") == true)
    }
}
