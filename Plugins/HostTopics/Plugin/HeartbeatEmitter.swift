import AgentClock
import AgentJSON
import AgentPluginKit
import HostMetrics
import Logging
import Synchronization

/// Emits the `heartbeat` event (spec §3 fields, plus `agent_version` and
/// `cert_expires_in_days`) at a fixed rate while the transport is connected.
///
/// - Finds the transport through the registry at every beat, so load order does not matter.
/// - Heartbeats are sent without queueing: one that cannot be sent is dropped, never delivered
///   late.
/// - A failed send is logged, signalled as the local event `local.heartbeat_failed` (counted by
///   the metrics endpoint, never sent to the cloud) and the beat goes on (upstream stopped after
///   3 failures).
/// - Sampling reads only /proc and statvfs: nothing slow (no Docker) sits on this path.
final class HeartbeatEmitter: Sendable {
    private let host: PluginHost
    private let sampler: HostMetricsSampler
    private let interval: Duration
    private let clock: any AgentClock
    private let logger: Logger
    private let task = Mutex<Task<Void, Never>?>(nil)
    /// Beats sent and failed since start (for diagnostics and tests).
    let counters = Mutex<(sent: Int, failed: Int)>((0, 0))

    /// Beats every `intervalMilliseconds` of `clock` (the fixed rate of ``FixedRate``).
    init(host: PluginHost, sampler: HostMetricsSampler, intervalMilliseconds: Int, clock: any AgentClock = SystemClock()) {
        self.host = host
        self.clock = clock
        self.sampler = sampler
        self.interval = .milliseconds(intervalMilliseconds)
        var logger = host.logger(label: "heartbeat")
        logger.logLevel = .info
        self.logger = logger
    }

    func start() {
        _ = sampler.sample()  // prime the CPU counters so the first beat covers one interval
        let t = Task { await self.run() }
        task.withLock { $0 = t }
    }

    func stop() async {
        let t = task.withLock { $0 }
        t?.cancel()
        await t?.value
    }

    private func run() async {
        var rate = FixedRate(period: interval, start: clock.now)
        var failures = 0
        while !Task.isCancelled {
            do { try await rate.waitForTick(on: clock) } catch { return }  // cancelled: stopping
            guard let transport = host.lookup("agent.transport") else { continue }
            let status: JSONObject
            do throws(PluginError) { status = try await transport.invoke("status").objectValue ?? [:] } catch {
                logger.warning("heartbeat skipped: the transport's status is unavailable (\(error.code)): \(error.message)")
                continue
            }
            guard status["connected"]?.boolValue == true else { continue }
            let payload = makePayload(status: status)
            do {
                try await transport.send("heartbeat", payload, queue: false)
                counters.withLock { $0.sent += 1 }
                if failures > 0 { logger.info("heartbeat delivered again after \(failures) failure(s)") }
                failures = 0
            } catch {
                failures += 1
                counters.withLock { $0.failed += 1 }
                logger.warning("heartbeat not sent (\(error.code)): \(error.message); still beating")
                // harmless: a local signal for the metrics endpoint; `unsupported` when nobody listens.
                try? host.emit("local.heartbeat_failed", ["code": .string(error.code), "failures": .number(Double(failures))])
            }
        }
    }

    /// The heartbeat payload, fields as upstream (spec §3) plus `cert_expires_in_days`.
    func makePayload(status: JSONObject) -> JSONObject {
        let s = sampler.sample()
        return [
            "agent_id": status["agent_id"] ?? "UNKNOWN",
            "agent_version": host.config("agent.version") ?? "unknown",
            "cpu_usage": .number(s.cpuPercent),
            "memory_usage": .number(s.memoryUsedGB),
            "memory_total": .number(s.memoryTotalGB),
            "disk_usage": .number(s.diskUsedGB),
            "disk_total": .number(s.diskTotalGB),
            "uptime": .number(Double(ProcessUptime.seconds())),
            "status": "active",
            "timestamp": .string(UpstreamTimestamp.now()),
            "cert_expires_in_days": status["cert_expires_in_days"] ?? .null,
        ]
    }
}
