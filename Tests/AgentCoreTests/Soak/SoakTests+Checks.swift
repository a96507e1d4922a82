import AgentJSON
import Foundation
import Testing

/// What a soak window produced, for the checks.
struct SoakRun {
    let harness: VPLCHarness
    let sidecar: SidecarUnderTest
    let config: SoakConfig
    let devices: [String]
    let cycled: String
    let before: [String: EngineStart]
    let samples: [SoakSample]
    /// Times (s into the window) when the agent or the sidecar could not be read (gone).
    let gone: [Double]
    let tally: SoakTraffic.Tally
    let window: (start: Date, end: Date)
}

extension VPLCLab.SoakTests {
    /// Judges the run, records an issue per failed criterion, and prints and writes the report.
    func check(_ run: SoakRun, report: inout SoakReport) async throws {
        defer {
            report.add("report: \(run.config.reportPath)")
            print(report.text)
            try? report.write(to: run.config.reportPath)
        }
        let h = run.harness
        report.table(run.samples)
        #expect(run.gone.isEmpty, "agent or sidecar gone at t = \(run.gone)")
        #expect(run.samples.count >= 6, "too few samples to judge: \(run.samples.count)")

        // Footprint.
        func series(_ value: (SoakSample) -> Int) -> [(t: Double, value: Double)] { run.samples.map { ($0.t, Double(value($0))) } }
        let judged: [(String, FlatnessCheck, (SoakSample) -> Int, Bool)] = [
            // Private dirty memory, not PSS or all private pages: PSS and Private_Clean move with
            // every other process that maps the same libraries (the parallel suites' agents).
            ("agent RSS", Self.agentMemory, { $0.agent.rssKiB }, true), ("agent private", Self.agentMemory, { $0.agent.privateKiB }, true),
            ("agent fds", Self.fds, { $0.agent.fds }, false), ("agent threads", Self.threads, { $0.agent.threads }, false),
            ("sidecar RSS", Self.sidecarMemory, { $0.sidecar.rssKiB }, true), ("sidecar private", Self.sidecarMemory, { $0.sidecar.privateKiB }, true),
            ("sidecar fds", Self.fds, { $0.sidecar.fds }, false), ("sidecar threads", Self.threads, { $0.sidecar.threads }, false),
        ]
        for (name, rule, value, memory) in judged {
            let v = rule.judge(series(value))
            report.verdict(name, v, unit: memory ? 1024 : 1, suffix: memory ? " MiB" : "")
            #expect(v?.isFlat == true, "\(name) not flat: \(report.lines.last ?? "")")
        }

        // Heartbeat: the cloud's receive times inside the window, one connection throughout.
        let (t0, t1) = (run.window.start.timeIntervalSince1970, run.window.end.timeIntervalSince1970)
        let beats = try await h.cloud.heartbeats().compactMap { $0["received_at"]?.numberValue }.filter { $0 >= t0 && $0 <= t1 }
        let cadence = Self.cadence.judge(beats, window: t1 - t0)
        if let c = cadence {
            report.add(
                "heartbeat: \(c.count) beats; interval min \(report.fmt(c.min, 3)) s, median \(report.fmt(c.median, 3)) s, max \(report.fmt(c.max, 3)) s;"
                    + " allowed \(Self.cadence.period) ± \(Self.cadence.tolerance) s (median ± \(Self.cadence.medianTolerance) s); missing \(max(0, c.missing))"
                    + (c.outliers.isEmpty ? "" : "; outside: \(c.outliers.map { "#\($0.index) \(report.fmt($0.interval, 3)) s" })"))
        }
        #expect(cadence?.isSteady == true, "heartbeat not steady: \(report.lines.last ?? "none")")
        let connections = try await h.cloud.connections()
        report.add("cloud connections: \(connections.count) (live \(try await h.cloud.liveConnections().count))")
        #expect(connections.count == 1, "the agent reconnected during the soak: \(connections)")

        // Traffic and the vPLCs: the cycled one cycled, the others never restarted.
        let t = run.tally
        report.add("traffic: \(t.queries.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")), stop/start cycles ×\(t.cycles); mismatches \(t.failureCount)")
        for f in t.failures { report.add("  mismatch: \(f)") }
        #expect(t.failureCount == 0, "traffic mismatches: \(t.failures)")
        #expect(t.cycles >= 1 && t.queries.values.reduce(0, +) >= 10, "too little traffic: \(t)")
        var restarted: [String] = []
        for d in run.devices where d != run.cycled {
            let now = try await h.engineStart(d)
            let status = try await h.status(d)
            if now != run.before[d] || status["restart_count"] != 0 {
                restarted.append("\(d): before \(run.before[d].map(String.init(describing:)) ?? "-"), now \(now.map(String.init(describing:)) ?? "-"), agent restart_count \(status["restart_count"] ?? .null)")
            }
        }
        let cycledNow = try await h.engineStart(run.cycled)
        report.add("untouched vPLCs restarted: \(restarted.count) of \(run.devices.count - 1); cycled vPLC now \(cycledNow.map(String.init(describing:)) ?? "gone")")
        #expect(restarted.isEmpty, "untouched vPLCs restarted: \(restarted)")
        #expect(cycledNow?.running == true && cycledNow?.startedAt != run.before[run.cycled]?.startedAt, "the cycled vPLC: \(String(describing: cycledNow))")

        // Logs: no error or critical line from the agent or the sidecar since they started;
        // warnings are listed, not failed.
        for (name, text) in [("agent", h.agent.log.contents), ("sidecar", run.sidecar.log.contents)] {
            let errors = LogLevelScan.errors(text), warnings = LogLevelScan.warnings(text)
            report.add("\(name) log: \(text.split(separator: "\n").count) lines, \(errors.count) error/critical, \(warnings.count) warning")
            for line in (errors + warnings).prefix(10) { report.add("  \(line)") }
            #expect(errors.isEmpty, "\(name) logged errors: \(errors.prefix(10))")
        }
    }
}
