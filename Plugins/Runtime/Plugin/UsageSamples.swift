import HostMetrics
import RuntimeModel

/// The vPLCs' usage history (CPU percentage and memory per sample, 48 h) and the last sampling
/// pass. Owned by ``UsageSampler``; read by `get_consumption_device` and `list_devices`.
actor UsageSamples {
    private var usage: [String: UsageHistory] = [:]
    private var lastStats: [String: CPUUsage.Reading] = [:]
    /// The last usage pass: how long it took and how many vPLCs it sampled.
    private(set) var lastPass: (milliseconds: Double, vplcs: Int)? = nil

    /// Records the duration and size of a pass.
    func recordPass(milliseconds: Double, vplcs: Int) { lastPass = (milliseconds, vplcs) }

    /// Adds a stats sample; its CPU percentage comes from the previous one (0 for the first).
    func add(_ device: String, now: Double, cpuNs: Double, systemNs: Double, cpus: Double, memoryMB: Double) {
        let reading = CPUUsage.Reading(cpuNs: cpuNs, systemNs: systemNs)
        let cpu = CPUUsage.percent(from: lastStats[device], to: reading, cpus: cpus)
        lastStats[device] = reading
        var h = usage[device] ?? UsageHistory()
        h.append(.init(timestamp: now, cpuPercent: cpu, memoryMB: memoryMB))
        usage[device] = h
    }

    /// The history of `device`, nil before its first sample.
    func history(_ device: String) -> UsageHistory? { usage[device] }

    /// Forgets `device` (deleted).
    func forget(_ device: String) {
        usage[device] = nil
        lastStats[device] = nil
    }
}
