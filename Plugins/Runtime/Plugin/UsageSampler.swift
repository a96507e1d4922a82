import AgentClock
import AgentJSON
import AgentPluginKit
import HostMetrics
import RuntimeModel

/// Samples one-shot stats of every vPLC that should run, all at once, every
/// `usage_interval_ms` (the cost of a pass does not grow with the number of vPLCs the way
/// upstream's serial `docker stats` did).
///
/// Owns: the ``UsageSamples`` (history per vPLC, the last pass).
final class UsageSampler: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let store: RuntimeStore
    /// The sampling period.
    let intervalMilliseconds: Int
    let clock: any AgentClock
    let samples = UsageSamples()

    init(host: PluginHost, engine: any ContainerEngine, store: RuntimeStore, intervalMilliseconds: Int, clock: any AgentClock) {
        self.host = host
        self.engine = engine
        self.store = store
        self.intervalMilliseconds = intervalMilliseconds
        self.clock = clock
    }

    /// Starts sampling until cancelled (a pass at once, then one per period).
    func start(in tasks: BackgroundTasks) {
        let task = Task { [self] in
            while !Task.isCancelled {
                let t0 = host.monotonicNanoseconds
                let n = await self.sampleOnce()
                await samples.recordPass(milliseconds: Double(host.monotonicNanoseconds - t0) / 1e6, vplcs: n)
                try? await clock.sleep(for: .milliseconds(intervalMilliseconds))  // harmless: cancelled at shutdown
            }
        }
        tasks.add(task)
    }

    /// One sampling pass; answers how many vPLCs were sampled (none when the store cannot be
    /// read: logged).
    @discardableResult
    func sampleOnce() async -> Int {
        guard let records = store.recordsForPass("usage_sample") else { return 0 }
        let running = records.filter { $0.desired == .running }.map(\.deviceID)
        return await withTaskGroup(of: Bool.self) { group in
            for device in running {
                group.addTask { [self] in
                    // harmless: a vPLC whose stats the engine cannot give now is left out of this pass (not sampled)
                    guard let s = try? await engine.object("container.stats", ["id": .string(device)]) else { return false }
                    await samples.add(
                        device, now: WallClock.now(), cpuNs: s["cpu_total_ns"]?.numberValue ?? 0,
                        systemNs: s["system_cpu_ns"]?.numberValue ?? 0, cpus: s["online_cpus"]?.numberValue ?? 1,
                        memoryMB: (s["memory_bytes"]?.numberValue ?? 0) / 1_048_576)
                    return true
                }
            }
            var n = 0
            for await ok in group where ok { n += 1 }
            return n
        }
    }
}
