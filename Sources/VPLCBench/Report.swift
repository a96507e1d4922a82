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
        print("Engine: \(env["DOCKER_HOST"]) (Debian docker.io in the lab namespace); image \(env["RUNTIME_IMAGE_REPO"]):latest; \(ProcessInfo.processInfo.activeProcessorCount) cores.")
        print("")
        print("## Create to running (\(args.runs) runs each, interleaved)")
        print("")
        print("| Measurement | median ms | p90 ms | max ms | Target | Met |")
        print("|---|---|---|---|---|---|")
        print("| agent: `create_new_runtime` → `operation_update` succeeded (journal, labels, internal bridge, static IP on MACVLAN, start, inspect, record) | \(f(median(a))) | \(f(percentile(a, 0.9))) | \(f(a.max() ?? .nan)) | ≤ 1.1 × CLI | \(ratio <= 1.1 ? "yes" : "NO") |")
        print("| docker CLI, same container: `network create --internal` + `run -d` + `network connect` | \(f(median(c))) | \(f(percentile(c, 0.9))) | \(f(c.max() ?? .nan)) | baseline | - |")
        print("| docker CLI, `run -d` alone (context) | \(f(median(r))) | \(f(percentile(r, 0.9))) | \(f(r.max() ?? .nan)) | - | - |")
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
        print("The heartbeat (libagent-host-topics) reads /proc and statvfs only and never calls the engine, so its cost")
        print("does not depend on the number of vPLCs; the per-vPLC engine work is the usage pass above, which runs")
        print("concurrently and off the heartbeat's path (upstream ran `docker stats` serially inside the heartbeat).")
    }
}
