import AgentJSON
import Foundation
import LabSupport
import Testing

/// The soak (issue 7, part 3): `SOAK_VPLCS` vPLCs (default 20) run for `SOAK_SECONDS` (default
/// 90, the CI run; `scripts/soak` runs 60 min) on a Docker lab of its own, with the agent, the
/// lab cloud and the netmon sidecar, while light cloud traffic flows (SoakTraffic). Nested in
/// `VPLCLab` so it never runs beside another vPLC lab suite. See docs/soak.md.
extension VPLCLab {
@Suite("soak: many vPLCs for minutes, footprint flat, heartbeat steady, no error logs")
struct SoakTests {
    /// Agent memory (KiB): +4 MiB or +5 %, whichever is larger.
    static let agentMemory = FlatnessCheck(absolute: 4096, relative: 0.05)
    /// Sidecar memory (KiB): +1 MiB or +5 % (it is a few MiB; 4 MiB would hide a doubling).
    static let sidecarMemory = FlatnessCheck(absolute: 1024, relative: 0.05)
    /// Open file descriptors: +2 on the floor (rolling minimum over 6 samples: 30 s in CI).
    static let fds = FlatnessCheck(absolute: 2, relative: 0, floorWindow: 6)
    /// Threads: +4 (thread pools grow and shrink on demand).
    static let threads = FlatnessCheck(absolute: 4, relative: 0)
    /// Heartbeat: every 5 s (upstream's period, docs/cloud-protocol.md) ± 1 s; median ± 0.2 s.
    static let cadence = HeartbeatCadence(period: 5, tolerance: 1, medianTolerance: 0.2)

    @Test("N vPLCs for SOAK_SECONDS under light traffic: RSS/private memory/fds/threads of agent and sidecar flat, heartbeat every 5 s, untouched vPLCs never restarted, no error-level logs")
    func soak() async throws {
        let config = SoakConfig.fromEnvironment()
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("soak") }
        defer { lab.down() }
        let h = try await VPLCHarness(lab: lab, netmon: true)
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let sidecar = try #require(h.sidecar)
        var report = SoakReport()
        report.add("soak: \(config.vplcs) vPLCs for \(Int(config.seconds)) s, a sample every \(Int(config.sampleInterval)) s, runtime image \(lab.runtimeImage)")

        let devices = (0..<config.vplcs).map { uniqueDevice("soak\($0)") }
        let createStart = Date()
        // The first create alone: it makes the LAN's shared MACVLAN network. Concurrent creates
        // on an engine without it race to make it, and the loser is rolled back with
        // engine_conflict (seen; ensureMacvlan checks, then creates) — not what the soak measures.
        var failed = await h.createMany(Array(devices.prefix(1)), firstHost: 150)
        failed += await h.createMany(Array(devices.dropFirst()), firstHost: 151)
        if !failed.isEmpty {
            report.add("creates failed: \(failed)")
            try? report.write(to: config.reportPath)
        }
        try #require(failed.isEmpty, "creates failed: \(failed)\nagent log:\n\(h.agent.log.contents.suffix(4000))")
        report.add("created \(devices.count) vPLCs in \(report.fmt(Date().timeIntervalSince(createStart), 1)) s; load average \(Self.loadAverage())")
        var before: [String: EngineStart] = [:]
        for d in devices { before[d] = try await h.engineStart(d) }
        #expect(before.values.allSatisfy(\.running) && before.count == devices.count, "not all running: \(before)")

        // The window: sample at a fixed rate while the traffic runs.
        let cycled = devices[0]
        let traffic = SoakTraffic(harness: h, devices: devices, cycled: cycled, config: config)
        let (agentPID, sidecarPID) = (h.agent.process.processIdentifier, sidecar.process.processIdentifier)
        let t0 = Date()
        let deadline = t0.addingTimeInterval(config.seconds)
        let flow = Task { await traffic.run(until: deadline) }
        var samples: [SoakSample] = []
        var gone: [Double] = []
        for k in 0...Int(config.seconds / config.sampleInterval) {
            let at = t0.addingTimeInterval(Double(k) * config.sampleInterval)
            if at.timeIntervalSinceNow > 0 { try await Task.sleep(for: .seconds(at.timeIntervalSinceNow)) }  // sleep-audit: input (the soak's sampling schedule and traffic pace are its workload)
            let t = Date().timeIntervalSince(t0)
            if let a = ProcessSample.read(pid: agentPID), let s = ProcessSample.read(pid: sidecarPID) {
                samples.append(SoakSample(t: t, agent: a, sidecar: s))
            } else {
                gone.append(t)
            }
        }
        let tally = await flow.value
        report.add("window done; load average \(Self.loadAverage())")

        try await check(SoakRun(
            harness: h, sidecar: sidecar, config: config, devices: devices, cycled: cycled, before: before,
            samples: samples, gone: gone, tally: tally, window: (t0, deadline)), report: &report)
        await h.shutdown()
    }

    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}
}
