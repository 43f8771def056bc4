import FlotillaKube
import Foundation

extension ClusterAgent {
    /// The agent's life, one child task of the engine's per-cluster task group, until it is cancelled or stopped:
    /// probes on the engine's clock, and the syncs and heals asked for, one at a time. Calls to the cluster block,
    /// so each is handed to one of the agent's lanes; the task itself only waits.
    public func run() async {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                if let dial {
                    group.addTask { await self.probeLoop(dial) }
                    // Started, not waited for: an unreachable cluster must not hold anything.
                    _ = ensureInformers([Self.nodeKind, Self.namespaceKind], wait: 0)
                } else {
                    state.withLock { $0.probeError = connectionError ?? "no connection" }
                }
                group.addTask { await self.workLoop() }
            }
        } onCancel: {
            stop()
        }
    }

    /// Stops the agent: its informers, its loops, what waits for its view.
    public func stop() {
        stopped.store(true, ordering: .releasing)
        state.withLock { state in for informer in state.informers.values { informer.stop() } }
        wake.finish()
        signalViewChanged()
    }

    var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Asks for a sync (now, or after `delay` seconds of the engine's clock); asks made before it starts coalesce
    /// into one.
    public func requestSync(after delay: Double = 0) {
        guard delay <= 0 else {
            clock.schedule(after: delay, tag: "sync-delay \(name)") { [weak self] in self?.requestSync() }
            return
        }
        state.withLock { $0.syncWanted = true }
        wake.yield()
    }

    /// Asks for a heal of the pending drift (coalesced: one heal takes every key pending when it starts).
    func scheduleHeal() {
        let start = state.withLock { state -> Bool in
            if state.healScheduled { return false }
            state.healScheduled = true
            return true
        }
        if start { wake.yield() }
    }

    /// Runs what was asked for, one at a time on the sync lane: heals first (drift is healed within milliseconds),
    /// then a sync. A failed sync is retried with backoff on the engine's clock, unless another was asked for.
    private func workLoop() async {
        for await _ in wakes {
            while !isStopped {
                let (heal, sync) = state.withLock { ($0.healScheduled, $0.syncWanted) }
                if heal {
                    guard await syncLane.run({ self.heal() }) != nil else { return }
                    continue
                }
                guard sync else { break }
                state.withLock { $0.syncWanted = false }
                guard let ok = await syncLane.run({ self.sync() }) else { return }
                onChange(name, false)
                if state.withLock({ $0.syncWanted }) { continue }
                settle(ok)
            }
        }
    }

    /// After a sync that nothing followed: resets the backoff, or schedules a retry with backoff that holds nothing
    /// (a new revision meanwhile syncs at once). One retry is pending at most, and a pass that fails while one is
    /// pending does not lengthen the next.
    private func settle(_ ok: Bool) {
        if ok {
            state.withLock { $0.failures = 0 }
            return
        }
        guard !isStopped else { return }
        let permanent = onlyPermanentFailures
        let failures = state.withLock { state -> Int? in
            if state.retryPending { return nil }
            state.retryPending = true
            state.failures = permanent ? max(state.failures + 1, 6) : state.failures + 1
            return state.failures
        }
        guard let failures else { return }
        let delay = min(30, 0.5 * pow(2, Double(min(failures, 6)))) * Double.random(in: 0.8...1.2)
        clock.schedule(after: delay, tag: "sync-retry \(name)") { [weak self] in
            guard let self else { return }
            self.state.withLock { $0.retryPending = false }
            if !self.isStopped { self.requestSync() }
        }
    }

    /// Probes every probe interval of the engine's clock until stopped or cancelled; each probe (blocking) runs on
    /// the probe lane.
    private func probeLoop(_ dial: ClusterDial) async {
        let probe = Prober(dial: dial)
        while !isStopped && !Task.isCancelled {
            guard await probeLane.run({ self.probe(probe) }) == true else { return }
            if isStopped || Task.isCancelled { return }
            await clock.sleep(for: settings.probeInterval)
        }
    }
}

/// The probe's own connection, opened at the first probe; used only on the probe lane.
final class Prober: @unchecked Sendable {
    let dial: ClusterDial
    private var opened: (any KubeTransport)?
    private var failed = false

    init(dial: ClusterDial) { self.dial = dial }

    /// The connection (nil when it cannot be opened: the cluster has no usable connection at all).
    var transport: (any KubeTransport)? {
        if opened == nil, !failed {
            opened = try? dial.open()
            failed = opened == nil
        }
        return opened
    }
}
