import Foundation

/// The engine's cluster agents, each run as one child task of one task group (a child of the engine's `run`):
/// cancelling the engine cancels them all.
final class AgentTasks: Sendable {
    private let added: AsyncStream<ClusterAgent>
    private let adding: AsyncStream<ClusterAgent>.Continuation

    init() { (added, adding) = AsyncStream.makeStream(of: ClusterAgent.self) }

    /// Starts the agent's life as a child task (once `run` is running; at once when it is).
    func start(_ agent: ClusterAgent) { adding.yield(agent) }

    /// Runs every agent started, until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await agent in added {
                group.addTask { await agent.run() }
            }
            group.cancelAll()
        }
    }
}
