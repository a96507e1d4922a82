import BenchSupport
import Foundation

func median(_ v: [Double]) -> Double { percentile(v, 0.5) }

func percentile(_ v: [Double], _ p: Double) -> Double {
    guard !v.isEmpty else { return .nan }
    let s = v.sorted()
    let r = p * Double(s.count - 1)
    let lo = Int(r.rounded(.down))
    let hi = min(lo + 1, s.count - 1)
    return s[lo] + (s[hi] - s[lo]) * (r - Double(lo))
}

func f(_ v: Double, _ d: Int = 1) -> String { String(format: "%.\(d)f", v) }

extension Bench {
    func report(
        agentTimes: [Double], cliTimes: [Double], cliRunTimes: [Double], statusTimes: [Double], one: Fleet, many: Fleet
    ) {
        let ms = { (v: [Double]) in v.map { $0 * 1000 } }
        let a = ms(agentTimes), c = ms(cliTimes), r = ms(cliRunTimes), s = ms(statusTimes)
        let ratio = median(a) / median(c)
        print("# vplc-bench")
        print("")
        print("Engine: \(args.engine) at \(env["DOCKER_HOST"]) (Debian's \(args.engine == "podman" ? "podman 4.3, rootful service" : "docker.io") in the lab namespace); image \(env["RUNTIME_IMAGE_REPO"]):latest; \(ProcessInfo.processInfo.activeProcessorCount) cores.")
        print("")
        print("## Create to running (\(args.runs) runs each, interleaved)")
        print("")
        print("| Measurement | median ms | p90 ms | max ms | Target | Met |")
        print("|---|---|---|---|---|---|")
        print("| agent: `create_new_runtime` → `operation_update` succeeded (journal, labels, internal bridge, static IP on MACVLAN, start, inspect, record) | \(f(median(a))) | \(f(percentile(a, 0.9))) | \(f(a.max() ?? .nan)) | ≤ 1.1 × CLI | \(ratio <= 1.1 ? "yes" : "NO") |")
        print("| \(args.engine) CLI, same container: `network create --internal` + `run -d` + `network connect` | \(f(median(c))) | \(f(percentile(c, 0.9))) | \(f(c.max() ?? .nan)) | baseline | - |")
        print("| \(args.engine) CLI, `run -d` alone (context) | \(f(median(r))) | \(f(percentile(r, 0.9))) | \(f(r.max() ?? .nan)) | - | - |")
        print("| ratio agent ÷ CLI (medians) | \(f(ratio, 2))× | | | ≤ 1.1× | \(ratio <= 1.1 ? "yes" : "NO") |")
        print("")
        print("## get_device_status (\(args.statusCalls) sequential calls, one running vPLC; includes the engine's inspect)")
        print("")
        print("| p50 ms | p90 ms | p99 ms | max ms |")
        print("|---|---|---|---|")
        print("| \(f(median(s), 2)) | \(f(percentile(s, 0.9), 2)) | \(f(percentile(s, 0.99), 2)) | \(f(s.max() ?? .nan, 2)) |")
        print("")
        print("## Fleet cost: 1 vs \(many.vplcs) running vPLCs")
        print("")
        print("| Measurement | 1 vPLC | \(many.vplcs) vPLCs | growth |")
        print("|---|---|---|---|")
        print("| usage pass (stats of every vPLC, concurrently; from each cgroup), median ms | \(f(one.passMs)) | \(f(many.passMs)) | \(f(many.passMs / one.passMs, 1))× |")
        print("| `list_devices` p50 ms | \(f(median(one.listMs), 2)) | \(f(median(many.listMs), 2)) | \(f(median(many.listMs) / median(one.listMs), 1))× |")
        print("| `get_consumption_device` p50 ms | \(f(median(one.consumptionMs), 2)) | \(f(median(many.consumptionMs), 2)) | \(f(median(many.consumptionMs) / median(one.consumptionMs), 1))× |")
        print("| PSS of the process (agent in-process + bench), MiB | \(f(one.pssMiB)) | \(f(many.pssMiB)) | +\(f(many.pssMiB - one.pssMiB)) MiB |")
        print("")
        addRows(a: a, c: c, r: r, s: s, ratio: ratio, one: one, many: many)
        print("The heartbeat (libagent-host-topics) reads /proc and statvfs only and never calls the engine, so its cost")
        print("does not depend on the number of vPLCs; the per-vPLC engine work is the usage pass above, which runs")
        print("concurrently and off the heartbeat's path (upstream ran `docker stats` serially inside the heartbeat).")
    }
}

extension Bench {
    /// The same figures as rows for scripts/bench (see ``BenchRows``).
    func addRows(a: [Double], c: [Double], r: [Double], s: [Double], ratio: Double, one: Fleet, many: Fleet) {
        let ms = { (v: Double, d: Int) in f(v, d) + " ms" }
        let met = ratio <= 1.1 ? "yes" : "**no**"
        BenchRows.add(
            "create → running through the agent (`create_new_runtime` → `operation_update` succeeded)", runs: a.count,
            median: ms(median(a), 1), p99: ms(percentile(a, 0.99), 1), target: "≤ 1.1 × CLI", met: met)
        BenchRows.add(
            "baseline: the same container with the \(args.engine) CLI (`network create --internal` + `run -d` + `network connect`)",
            runs: c.count, median: ms(median(c), 1), p99: ms(percentile(c, 0.99), 1), target: "baseline")
        BenchRows.add("\(args.engine) CLI `run -d` alone (context)", runs: r.count, median: ms(median(r), 1), p99: ms(percentile(r, 0.99), 1))
        BenchRows.add(
            "**ratio agent ÷ \(args.engine) CLI** (medians; p99 ÷ p99)", runs: a.count, median: "**" + f(ratio, 2) + "×**",
            p99: f(percentile(a, 0.99) / percentile(c, 0.99), 2) + "×", target: "≤ 1.1×", met: met)
        BenchRows.add(
            "`get_device_status` on a running vPLC (includes the engine's inspect)", runs: s.count, median: ms(median(s), 2),
            p99: ms(percentile(s, 0.99), 2))
        for fleet in [one, many] {
            BenchRows.add(
                "usage pass (stats of all vPLCs from their cgroups, concurrently), \(fleet.vplcs) running vPLC(s)",
                runs: fleet.passes.count, median: ms(fleet.passMs, 1), p99: ms(percentile(fleet.passes, 0.99), 1),
                target: fleet.vplcs == one.vplcs ? "–" : "off the heartbeat path", met: "–")
        }
        let growth = median(many.consumptionMs) / median(one.consumptionMs)
        for fleet in [one, many] {
            BenchRows.add(
                "`get_consumption_device`, \(fleet.vplcs) running vPLC(s)", runs: fleet.consumptionMs.count,
                median: ms(median(fleet.consumptionMs), 2), p99: ms(percentile(fleet.consumptionMs, 0.99), 2),
                target: fleet.vplcs == one.vplcs ? "–" : "flat (≤ 1.5× of 1 vPLC)",
                met: fleet.vplcs == one.vplcs ? "–" : (growth <= 1.5 ? "yes (\(f(growth, 2))×)" : "**no** (\(f(growth, 2))×)"))
        }
        for fleet in [one, many] {
            BenchRows.add(
                "`list_devices`, \(fleet.vplcs) running vPLC(s)", runs: fleet.listMs.count, median: ms(median(fleet.listMs), 2),
                p99: ms(percentile(fleet.listMs, 0.99), 2))
        }
        BenchRows.add(
            "PSS of the bench process (agent in-process), 1 → \(many.vplcs) vPLCs", runs: 1,
            median: f(one.pssMiB) + " → " + f(many.pssMiB) + " MiB", p99: "–")
    }
}
