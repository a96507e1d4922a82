import Foundation

/// The soak's report as text: the sample table, the verdict of every criterion with its figures,
/// the heartbeat cadence, the traffic tally and the log levels seen. Printed and written to
/// `SoakConfig.reportPath`.
struct SoakReport {
    var lines: [String] = []

    mutating func add(_ line: String) { lines.append(line) }

    var text: String { lines.joined(separator: "\n") + "\n" }

    /// The sample table: time into the window, then RSS/PSS/private dirty (MiB), fds and threads of the
    /// agent and of the sidecar.
    mutating func table(_ samples: [SoakSample]) {
        add("   t(s) | agent RSS   PSS dirty MiB  fds thr | sidecar RSS   PSS dirty MiB  fds thr")
        for s in samples {
            let a = s.agent, c = s.sidecar
            add(
                "\(pad(fmt(s.t, 0), 7)) | \(pad(mib(a.rssKiB), 9)) \(pad(mib(a.pssKiB), 5)) \(pad(mib(a.privateKiB), 9)) \(pad(String(a.fds), 4)) \(pad(String(a.threads), 3))"
                    + " | \(pad(mib(c.rssKiB), 11)) \(pad(mib(c.pssKiB), 5)) \(pad(mib(c.privateKiB), 9)) \(pad(String(c.fds), 4)) \(pad(String(c.threads), 3))")
        }
    }

    /// One criterion's line: first/last value, medians of the thirds, step and fitted rise against
    /// the slack, and the verdict.
    mutating func verdict(_ name: String, _ v: FlatnessCheck.Verdict?, unit: Double = 1, suffix: String = "") {
        guard let v else { return add("\(name): too few samples") }
        let me = self
        let f = { (x: Double) in me.fmt(x / unit, unit == 1 ? 1 : 2) + suffix }
        add(
            "\(name): first \(f(v.first)) last \(f(v.last)); median 2nd third \(f(v.middleMedian)), last third \(f(v.lastMedian));"
                + " step \(f(v.step)), fitted rise \(f(v.rise)), allowed step ≤ \(f(v.slack)), rise ≤ \(f(1.5 * v.slack)) → \(v.isFlat ? "flat" : "GROWING")")
    }

    func write(to path: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

    func mib(_ kib: Int) -> String { fmt(Double(kib) / 1024, 2) }

    func fmt(_ x: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", x) }

    func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
}
