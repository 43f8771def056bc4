import FlotillaEngine
import FlotillaGit
import FlotillaModel
import FlotillaPlacement
import Foundation

/// What the daemon recorded on the status branch that `flotilla plan` plans with by default, so its plan is the
/// daemon's: the last placement (`status/state.txt`; placement is sticky) and the clusters' state the daemon planned
/// with (`status/cluster-state.json`: readiness, capacity, API enablement).
struct StatusBranchInputs {
    var commit: String
    var state: PersistedState?
    var clusters: [String: ClusterState]?

    static let files: Set<String> = ["state.txt", "cluster-state.json"]

    /// Reads the branch of the source's repository (a Git URL, or the repository holding a folder); nil when there
    /// is no such branch or repository.
    static func read(_ options: SourceOptions, branch: String, prefix: String) async -> StatusBranchInputs? {
        let commit: String
        let read: [GitFile]
        do {
            if let url = options.gitURL {
                let source = try GitSource(url: url, credentials: try options.credentials(), cacheRoot: options.cacheRoot,
                                           timeout: .seconds(options.gitTimeout), logger: options.logger("flotilla.git"))
                let snapshot = try await source.snapshot(ref: branch, path: prefix, include: { Self.files.contains($0) })
                (commit, read) = (snapshot.commit, snapshot.files)
            } else {
                let (repository, _) = try GitMirror.enclosing(options.source ?? ".")
                guard let resolved = ["refs/heads/\(branch)", "refs/remotes/origin/\(branch)"]
                    .lazy.compactMap({ try? repository.resolveLocal($0) }).first else { return nil }
                commit = resolved
                read = try repository.readFiles(commit: resolved, path: prefix, include: { Self.files.contains($0) })
            }
        } catch {
            return nil
        }
        var inputs = StatusBranchInputs(commit: commit)
        for file in read {
            let text = String(decoding: file.contents, as: UTF8.self)
            if file.path == "state.txt" { inputs.state = PersistedState.decode(text) }
            if file.path == "cluster-state.json" {
                inputs.clusters = try? JSONDecoder().decode(ClusterStateFile.self, from: file.contents).clusters
            }
        }
        guard inputs.state != nil || inputs.clusters != nil else { return nil }
        return inputs
    }
}
