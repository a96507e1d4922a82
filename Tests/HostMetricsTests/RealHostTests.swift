import Foundation
import HostMetrics
import Testing

@Suite("HostMetricsSampler on the real host")
struct RealHostTests {
    @Test func plausibleNumbers() {
        let sampler = HostMetricsSampler()
        let first = sampler.sample()
        let second = sampler.sample()
        for sample in [first, second] {
            #expect(sample.cpuPercent >= 0 && sample.cpuPercent <= 100)
            #expect(sample.memoryTotalGB > 0)
            #expect(sample.memoryUsedGB >= 0 && sample.memoryUsedGB <= sample.memoryTotalGB)
            #expect(sample.diskTotalGB > 0)
            #expect(sample.diskUsedGB >= 0 && sample.diskUsedGB <= sample.diskTotalGB)
            #expect(sample.hostUptimeSeconds > 0)
        }
    }
}
