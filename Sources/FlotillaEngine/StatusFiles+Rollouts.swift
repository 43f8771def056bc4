import FlotillaModel
import Foundation

extension StatusReport {
    /// One RolloutPolicy's rollout: the revision being promoted and each stage's state, revision and clusters.
    public struct Rollout: Sendable, Codable, Hashable {
        public struct Stage: Sendable, Codable, Hashable {
            public var name: String
            public var state: String
            public var since: Date
            /// The revision its clusters have (`mixed` while a batch is being updated).
            public var revision: String
            public var message: String?
            /// Each cluster of the stage and its revision.
            public var clusters: [ClusterRevision]
        }

        public struct ClusterRevision: Sendable, Codable, Hashable {
            public var name: String
            public var revision: String
        }

        public var name: String
        public var target: String
        public var startedAt: Date
        public var rolledBack: String?
        public var stages: [Stage]

        /// The report of a progress over the stages' clusters.
        public init(_ progress: RolloutProgress, clusters: [[String]]) {
            name = progress.name
            target = progress.target
            startedAt = progress.startedAt
            rolledBack = progress.rolledBack
            stages = progress.stages.enumerated().map { index, stage in
                let members = index < clusters.count ? clusters[index] : []
                let revisions = members.map { ClusterRevision(name: $0, revision: progress.revision(of: $0)) }
                let distinct = Set(revisions.map(\.revision))
                return Stage(name: stage.name, state: stage.state.rawValue, since: stage.since,
                             revision: distinct.count > 1 ? "mixed" : distinct.first ?? progress.target,
                             message: stage.message, clusters: revisions)
            }
        }
    }
}

extension StatusFiles {
    /// `status/rollouts/<name>.yaml`.
    static func rolloutFile(_ rollout: StatusReport.Rollout) -> String {
        let iso = ISO8601DateFormatter()
        var text = "# Flotilla rollout (written by the daemon; do not edit)\n"
        text += "name: \(yamlString(rollout.name))\ntarget: \(yamlString(rollout.target))\n"
        text += "startedAt: \(yamlString(iso.string(from: rollout.startedAt)))\n"
        if let stage = rollout.rolledBack { text += "rolledBack: \(yamlString(stage))\n" }
        text += "stages:\n"
        for stage in rollout.stages {
            text += "  - name: \(yamlString(stage.name))\n    state: \(stage.state)\n"
            text += "    revision: \(yamlString(stage.revision))\n    since: \(yamlString(iso.string(from: stage.since)))\n"
            if let message = stage.message { text += "    message: \(yamlString(message))\n" }
            text += "    clusters:\(stage.clusters.isEmpty ? " []" : "")\n"
            for cluster in stage.clusters {
                text += "      - {name: \(yamlString(cluster.name)), revision: \(yamlString(cluster.revision))}\n"
            }
        }
        return text
    }

    /// The summary's section on rollouts (nothing without any).
    static func rolloutSummary(_ rollouts: [StatusReport.Rollout]) -> String {
        guard !rollouts.isEmpty else { return "" }
        var text = "\n## Rollouts\n\n| rollout | target | stage | state | revision | clusters | note |\n"
        text += "| --- | --- | --- | --- | --- | --- | --- |\n"
        for rollout in rollouts {
            for stage in rollout.stages {
                text += "| \(rollout.name) | \(rollout.target.prefix(12)) | \(stage.name) | \(stage.state) "
                    + "| \(stage.revision.prefix(12)) | \(stage.clusters.map(\.name).joined(separator: ", ")) "
                    + "| \(cell(stage.message ?? "")) |\n"
            }
        }
        return text
    }
}
