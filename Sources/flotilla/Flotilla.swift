import ArgumentParser

/// The `flotilla` command line.
@main
struct Flotilla: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flotilla",
        abstract: "GitOps multi-cluster reconciler: Karmada-style placement, driven from Git.",
        version: "0.1.0",
        subcommands: [Validate.self, PlanCommand.self, ExplainCommand.self, ApproveCommand.self, ImportCommand.self, CloneCommand.self, MigrateCommand.self, RunCommand.self, UpCommand.self, StatusCommand.self, DiffCommand.self, SimCommand.self]
    )
}
