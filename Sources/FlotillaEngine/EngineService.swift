import ServiceLifecycle

/// Runs the engine under swift-service-lifecycle: SIGTERM cancels it, and it returns once in-flight writes are done.
public struct EngineService: Service {
    public let engine: Engine

    public init(engine: Engine) { self.engine = engine }

    public func run() async throws {
        let engine = self.engine
        // Structured: the engine (and each cluster's child task under it) is cancelled by the graceful shutdown.
        await cancelWhenGracefulShutdown { await engine.run() }
    }
}
