import HostMetrics
import Synchronization

/// Records host CPU and memory every few seconds for `get_consumption_orchestrator` (48 h kept in
/// memory, as upstream). Its own sampler, so its CPU baseline is independent of the heartbeat's.
final class UsageRecorder: Sendable {
    private let sampler: HostMetricsSampler
    private let interval: Duration
    private let history = Mutex(UsageHistory())
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(sampler: HostMetricsSampler, intervalMilliseconds: Int) {
        self.sampler = sampler
        interval = .milliseconds(intervalMilliseconds)
    }

    func start() {
        _ = sampler.sample()  // prime the CPU counters
        let t = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)  // harmless: cancelled at stop, checked next
                if Task.isCancelled { return }
                let s = sampler.sample()
                let sample = UsageHistory.Sample(
                    timestamp: WallSeconds.now(), cpuPercent: s.cpuPercent, memoryMB: s.memoryUsedGB * 1024)
                history.withLock { $0.append(sample) }
            }
        }
        task.withLock { $0 = t }
    }

    func stop() async {
        let t = task.withLock { $0 }
        t?.cancel()
        await t?.value
    }

    func samples(in range: ClosedRange<Double>) -> [UsageHistory.Sample] {
        history.withLock { $0.samples(in: range) }
    }
}
