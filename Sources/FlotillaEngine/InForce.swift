import FlotillaGit
import FlotillaModel
import FlotillaPlacement
import Foundation

extension GitSnapshot {
    /// The manifests of the snapshot's files.
    public var manifests: Manifests { manifests(cache: nil) }

    /// The manifests, re-parsing only files that changed since the cache last saw them.
    public func manifests(cache: ManifestParseCache?) -> Manifests {
        ManifestLoader.load(files: files.map { ManifestFile(path: $0.path, contents: $0.contents) }, cache: cache)
    }
}

/// The revision in force.
struct InForce: Sendable {
    var commit: String
    var files: [GitFile]
    var manifests: Manifests
    var plan: Plan
    /// The works handed to each cluster (with the last good works of templates this revision could not render).
    var works: [String: [ObjectKey: DesiredWork]]
    /// What the plan was computed from (the next revision reuses the placements whose inputs did not change).
    var inputs: ReusablePlacements.Inputs
    /// The works as the plan rendered them (without last good works kept for failed templates), and where each
    /// template's are.
    var rendered: [String: [ObjectKey: DesiredWork]]
    var index: Engine.WorkIndex
    var appliedAt: Date
    /// The replicas autoscaling had set on templates when this plan was made.
    var scaled: [ResourceIdentity: Int32] = [:]
}
