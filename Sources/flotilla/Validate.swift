import ArgumentParser
import FlotillaModel
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
        print(ValidationSummary(label: loaded.label, manifests: manifests).text, terminator: "")
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
        ]
        for (kind, count) in policies {
            lines.append("  \(kind.padding(toLength: 24, withPad: " ", startingAt: 0))  \(count)")
        }
        lines.append("Valid.")
        return lines.joined(separator: "\n") + "\n"
    }
}
