import ArgumentParser
import FlotillaModel
import FlotillaPlacement
import Foundation

/// `flotilla validate`: parse and validate a source; every error with file:line.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse and validate a source; print a summary, or every error as file:line: message.")

    @OptionGroup var sourceOptions: SourceOptions

    func run() async throws {
        let loaded: LoadedSource
        do {
            loaded = try await sourceOptions.load()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let manifests = loaded.manifests
        guard manifests.isValid else {
            for error in manifests.errors {
                FileHandle.standardError.write(Data((loaded.render(error) + "\n").utf8))
            }
            let count = manifests.errors.count
            FileHandle.standardError.write(Data("\(count) error\(count == 1 ? "" : "s") in \(loaded.label)\n".utf8))
            throw ExitCode(1)
        }
        // Overrides are checked against the templates they select, on every cluster (as the daemon would render
        // them): one that cannot apply would leave its template's works at their last good state.
        let problems = Self.overrideProblems(manifests, filePrefix: loaded.render)
        guard problems.isEmpty else {
            for problem in problems { FileHandle.standardError.write(Data((problem + "\n").utf8)) }
            let count = problems.count
            FileHandle.standardError.write(Data("\(count) error\(count == 1 ? "" : "s") in \(loaded.label)\n".utf8))
            throw ExitCode(1)
        }
        for warning in manifests.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        print(ValidationSummary(label: loaded.label, manifests: manifests).text, terminator: "")
    }

    /// `file:line: message` for every override that fails on a template it selects, sorted.
    static func overrideProblems(_ manifests: Manifests, filePrefix render: (ManifestError) -> String) -> [String] {
        let plan = Scheduler(manifests: manifests, states: [:], previous: [:], source: "").plan(revision: nil)
        var locations: [String: SourceLocation] = [:]
        for policy in manifests.overridePolicies {
            locations["OverridePolicy \(policy.metadata.namespace ?? "default")/\(policy.metadata.name)"] = policy.location
            locations["OverridePolicy \(policy.metadata.name)"] = locations["OverridePolicy \(policy.metadata.name)"]
                ?? policy.location
        }
        for policy in manifests.clusterOverridePolicies {
            locations["ClusterOverridePolicy \(policy.metadata.name)"] = policy.location
        }
        var problems: Set<String> = []
        for placement in plan.placements {
            for error in placement.overrideErrors {
                let location = locations["\(error.policyKind) \(placement.template.namespace ?? "default")/\(error.policyName)"]
                    ?? locations["\(error.policyKind) \(error.policyName)"] ?? placement.template.location
                let message = "\(error.policyName) on cluster \(error.cluster): \(error.reason) "
                    + "(template \(placement.identity))"
                problems.insert(render(.invalidValue(location, kind: error.policyKind,
                                                     field: "spec.overrideRules[\(error.ruleIndex)]", message: message)))
            }
        }
        return problems.sorted()
    }
}

/// The summary `validate` prints for a valid source.
struct ValidationSummary {
    let label: String
    let manifests: Manifests

    var text: String {
        var lines = ["Source: \(label)", "Files: \(manifests.fileCount)", "Templates: \(manifests.templates.count)"]
        let counts = manifests.templateCountsByKind
        let width = counts.map(\.kind.count).max() ?? 0
        for (kind, count) in counts {
            lines.append("  \(kind.padding(toLength: width, withPad: " ", startingAt: 0))  \(count)")
        }
        let clusters = manifests.clusters.map(\.name).sorted()
        lines.append("Clusters: \(clusters.count)\(clusters.isEmpty ? "" : " (\(clusters.joined(separator: ", ")))")")
        lines.append("Policies:")
        let policies: [(String, Int)] = [
            ("PropagationPolicy", manifests.propagationPolicies.count),
            ("ClusterPropagationPolicy", manifests.clusterPropagationPolicies.count),
            ("OverridePolicy", manifests.overridePolicies.count),
            ("ClusterOverridePolicy", manifests.clusterOverridePolicies.count),
            ("FederatedHPA", manifests.federatedHPAs.count),
            ("CronFederatedHPA", manifests.cronFederatedHPAs.count),
        ] + (manifests.rolloutPolicies.isEmpty ? [] : [("RolloutPolicy", manifests.rolloutPolicies.count)])
        for (kind, count) in policies {
            lines.append("  \(kind.padding(toLength: 24, withPad: " ", startingAt: 0))  \(count)")
        }
        if !manifests.notActedOn.isEmpty {
            lines.append("Not acted on: \(manifests.notActedOn.count) Karmada object(s) (see the warnings)")
        }
        lines.append("Valid.")
        return lines.joined(separator: "\n") + "\n"
    }
}
