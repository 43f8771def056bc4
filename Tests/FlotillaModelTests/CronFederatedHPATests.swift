import FlotillaModel
import Foundation
import Testing

/// Karmada's CronFederatedHPA: decoded and validated as its webhook does (the daemon's autoscaling runs its rules).
@Suite struct CronFederatedHPATests {
    /// The example of Karmada's documentation (a Deployment scaled up each morning), with a FederatedHPA rule beside.
    static let valid = """
        apiVersion: autoscaling.karmada.io/v1alpha1
        kind: CronFederatedHPA
        metadata: {name: nginx-cronfhpa, namespace: default}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: nginx}
          rules:
            - {name: scale-up, schedule: "*/1 * * * *", targetReplicas: 5, suspend: false}
            - {name: weekdays, schedule: "30 8 * JAN-DEC MON-FRI", targetReplicas: 3, timeZone: Asia/Shanghai,
               successfulHistoryLimit: 5, failedHistoryLimit: 0}
            - {name: hourly, schedule: "@hourly", targetReplicas: 2}
        ---
        apiVersion: autoscaling.karmada.io/v1alpha1
        kind: CronFederatedHPA
        metadata: {name: bounds, namespace: default}
        spec:
          scaleTargetRef: {apiVersion: autoscaling.karmada.io/v1alpha1, kind: FederatedHPA, name: nginx}
          rules:
            - {name: night, schedule: "0 22 * * ?", targetMinReplicas: 1, targetMaxReplicas: 3}
        """

    static func load(_ yaml: String) -> Manifests {
        ManifestLoader.load(files: [ManifestFile(path: "cron.yaml", contents: Data(yaml.utf8))])
    }

    @Test func karmadasExampleIsDecodedAndActedOn() {
        let manifests = Self.load(Self.valid)
        #expect(manifests.errors.isEmpty, "\(manifests.errors)")
        #expect(manifests.cronFederatedHPAs.map(\.metadata.name) == ["nginx-cronfhpa", "bounds"])
        #expect(manifests.cronFederatedHPAs.first?.spec.rules.map(\.schedule) == ["*/1 * * * *", "30 8 * JAN-DEC MON-FRI", "@hourly"])
        #expect(manifests.warnings.isEmpty)
        #expect(manifests.notActedOn.isEmpty)
        #expect(manifests.templates.isEmpty)
    }

    @Test(arguments: [
        ("schedule: \"*/1 * * * *\"", "schedule: \"*/1 * * *\"", "expected exactly 5 fields, found 4"),
        ("schedule: \"*/1 * * * *\"", "schedule: \"61 * * * *\"", "minute: \"61\" is beyond 0-59"),
        ("schedule: \"*/1 * * * *\"", "schedule: \"TZ=UTC 0 * * * *\"", "use timeZone"),
        ("schedule: \"*/1 * * * *\"", "schedule: \"@fortnightly\"", "unrecognized descriptor"),
        ("timeZone: Asia/Shanghai", "timeZone: Mars/Olympus", "unknown time zone \"Mars/Olympus\""),
        ("failedHistoryLimit: 0", "failedHistoryLimit: 33", "failedHistoryLimit\": must be between 0 and 32"),
        ("name: hourly", "name: scale-up", "duplicate rule name \"scale-up\""),
        ("targetReplicas: 2}", "suspend: true}", "a workload target needs targetReplicas"),
        ("targetMinReplicas: 1, targetMaxReplicas: 3", "targetMinReplicas: 4, targetMaxReplicas: 3",
         "must be greater than or equal to targetMinReplicas"),
        ("targetMinReplicas: 1, targetMaxReplicas: 3", "suspend: false",
         "a FederatedHPA target needs targetMinReplicas or targetMaxReplicas"),
    ])
    func invalidRulesAreRefusedWithTheirPath(from: String, to: String, message: String) {
        let manifests = Self.load(Self.valid.replacingOccurrences(of: from, with: to))
        #expect(manifests.errors.contains { $0.description.contains(message) }, "\(manifests.errors)")
    }
}
