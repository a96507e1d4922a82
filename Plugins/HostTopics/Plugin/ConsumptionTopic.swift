import AgentContracts
import AgentJSON
import AgentPluginKit
import HostMetrics

/// `get_consumption_orchestrator` (spec §2.8): static host facts (read once) plus the recorded
/// CPU and memory history for the requested periods. As upstream, the answer has no `status`.
struct ConsumptionTopic: Sendable {
    let info: HostInfo
    let recorder: UsageRecorder?

    static let contract = ConsumptionContracts.orchestrator

    var topic: Topic {
        Topic("get_consumption_orchestrator", contract: Self.contract.readingOnly()) { request in answer(request.message) }
    }

    func answer(_ message: JSONObject) -> JSONObject {
        let now = WallSeconds.now()
        let cpuRange = UsagePeriod.range(message["cpuPeriod"]?.stringValue ?? "", now: now)
        let memRange = UsagePeriod.range(message["memoryPeriod"]?.stringValue ?? "", now: now)
        return [
            "ip_addresses": .array(
                HostInfo.ipv4Addresses().map { ["interface": .string($0.interface), "ip_address": .string($0.address)] }),
            "memory": .number(Double(info.memoryTotalMB)), "cpu": .number(Double(info.logicalCPUs)),
            "os": .string(info.os), "kernel": .string(info.kernel), "disk": .number(Double(info.diskTotalGB)),
            "cpu_usage": .array(
                (recorder?.samples(in: cpuRange) ?? []).map {
                    ["timestamp": .number($0.timestamp.rounded(.down)), "cpu": .number($0.cpuPercent.rounded())]
                }),
            "memory_usage": .array(
                (recorder?.samples(in: memRange) ?? []).map {
                    ["timestamp": .number($0.timestamp.rounded(.down)), "memory": .number($0.memoryMB.rounded())]
                }),
        ]
    }
}
