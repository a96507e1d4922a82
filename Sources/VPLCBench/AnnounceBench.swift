import AgentJSON
import BenchSupport
import Foundation

/// `--mode announce`: what a LAN host sees of a vPLC's address (docs/networking.md, "Address
/// announcements and conflict detection"). scripts/bench-network runs it twice in one run, with
/// the runtime plugin's `announce_addresses`/`probe_addresses` on and off (`--label on|off`).
struct AnnounceBench {
    let bench: Bench
    var network: NetworkBench { NetworkBench(bench: bench) }

    var args: BenchArgs { bench.args }
    var env: LabEnv { bench.env }

    /// A LAN host reaching a vPLC (scripts/lab/lan-watch.py in its namespace): the milliseconds
    /// until its connection was up, measured by the script.
    func lanWatch(_ arguments: [String]) -> (ip: String, ms: Double) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        let script = URL(fileURLWithPath: args.labScript).deletingLastPathComponent().appendingPathComponent("lan-watch.py").path
        p.arguments = ["netns", "exec", env["LANHOST_NS"], "python3", script] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.standardError
        do { try p.run() } catch { fail("cannot run lan-watch.py: \(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        // handled: bench tooling; fails with what the script printed
        guard p.terminationStatus == 0, let o = try? JSONParser.parse(Array(data)).objectValue, let ms = o["reachable_ms"]?.numberValue,
            let ip = o["ip"]?.stringValue
        else {
            lanHost(["neigh", "show"])
            fail("lan-watch.py \(arguments.joined(separator: " ")): \(String(decoding: data, as: UTF8.self)) (LAN host's neighbours above)")
        }
        return (ip, ms)
    }

    /// `ip -n <LAN host> ARGS` (output to stdout), for the LAN host's neighbour table.
    func lanHost(_ arguments: [String]) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["-n", env["LANHOST_NS"]] + arguments
        // harmless: bench tooling; a flush that fails leaves an entry the run then shows
        try? p.run()
        p.waitUntilExit()
    }

    func run() async {
        let label = args.label
        _ = await network.waitHostInterface(env["LAB_PARENT"])

        // 1. Recreated on its address: the LAN host's entry still names the old MAC. It tries as
        //    an HMI polling a PLC does: a new connection each second until one is up.
        var createMs: [Double] = []
        var recreateReach: [Double] = []
        let address = env.address(141)
        for i in 0..<args.runs {
            let first = "bench-n\(i)a", second = "bench-n\(i)b"
            // The LAN host starts each run without an entry for the address (the last run's is stale).
            lanHost(["neigh", "flush", "to", address, "dev", "eth0"])
            createMs.append(await bench.operate("create_new_runtime", bench.createMessage(first, host: 141)) * 1000)
            _ = lanWatch(["reach", "--ip", address, "--timeout", "20", "--attempt", "1"])
            let old = await bench.dispatch("get_device_status", ["device_id": .string(first)])["vnics"]?.arrayValue?.first?.objectValue?["mac_address"]?.stringValue ?? "-"
            _ = await bench.operate("delete_device", ["device_id": .string(first)])
            createMs.append(await bench.operate("create_new_runtime", bench.createMessage(second, host: 141)) * 1000)
            let new = await bench.dispatch("get_device_status", ["device_id": .string(second)])["vnics"]?.arrayValue?.first?.objectValue?["mac_address"]?.stringValue ?? "-"
            FileHandle.standardError.write(Data("announce \(label): \(address) was \(old), recreated with \(new)\n".utf8))
            recreateReach.append(lanWatch(["reach", "--ip", address, "--timeout", "60", "--attempt", "1"]).ms)
            _ = await bench.operate("delete_device", ["device_id": .string(second)])
        }

        // 2. Renumbered: the LAN host connects as soon as dnsmasq has leased the new address.
        let lanPrefix = String(env["LAN_GATEWAY"].split(separator: ".").dropLast().joined(separator: ".")) + "."
        let original = env["LAN_SUBNET"]
        _ = await bench.operate("create_new_runtime", network.dhcpMessage("bench-nd"))
        _ = await network.waitVNIC("bench-nd", network.leased(lanPrefix))
        let s = await bench.dispatch("get_device_status", ["device_id": "bench-nd"])
        guard let mac = s["vnics"]?.arrayValue?.first?.objectValue?["mac_address"]?.stringValue else { fail("no MAC for bench-nd: \(s)") }
        var renumberReach: [Double] = []
        for i in 0..<args.renumbers {
            let (to, prefix) = i % 2 == 0 ? ("192.168.76.0/23", "192.168.76.") : (original, lanPrefix)
            let watcher = Task.detached {
                lanWatch(["reach-after-lease", "--leases", env["LAB_DIR"] + "/dnsmasq.leases", "--mac", mac, "--prefix", prefix, "--timeout", "30"])
            }
            // harmless: bench tooling; lets the watcher read the lease file before it changes
            try? await Task.sleep(for: .milliseconds(300))
            network.renumber(to)
            renumberReach.append(await watcher.value.ms)
            _ = await network.waitVNIC("bench-nd", network.leased(prefix))
        }
        _ = await bench.operate("delete_device", ["device_id": "bench-nd"])
        if args.renumbers % 2 == 1 { network.renumber(original) }

        let inMs = { (v: Double) in f(v) + " ms" }
        print("# vplc-bench --mode announce (address announcements and probes \(label))")
        print("")
        print("| Measurement | runs | median ms | p90 ms | max ms |")
        print("|---|---|---|---|---|")
        for (name, v) in [
            ("vPLC recreated on its address → LAN host (stale neighbour entry) connected", recreateReach),
            ("LAN renumbered: dnsmasq's lease → LAN host connected to the DHCP vPLC", renumberReach),
            ("static vPLC: `create_new_runtime` → running (includes the conflict probe when on)", createMs),
        ] {
            print("| \(name) | \(v.count) | \(f(median(v))) | \(f(percentile(v, 0.9))) | \(f(v.max() ?? .nan)) |")
        }
        let on = label == "on"
        BenchRows.add(
            "vPLC recreated on its address → LAN host with a stale entry connected (announcements \(label))", runs: recreateReach.count,
            median: inMs(median(recreateReach)), p99: inMs(percentile(recreateReach, 0.99)), target: on ? "≤ 100 ms (9.3 s before)" : "–",
            met: on ? (median(recreateReach) <= 100 ? "yes" : "**no**") : "–")
        BenchRows.add(
            "LAN renumbered: lease → LAN host connected to the DHCP vPLC (announcements \(label))", runs: renumberReach.count,
            median: inMs(median(renumberReach)), p99: inMs(percentile(renumberReach, 0.99)), target: on ? "≤ 100 ms" : "–",
            met: on ? (median(renumberReach) <= 100 ? "yes" : "**no**") : "–")
        BenchRows.add(
            "static vPLC: `create_new_runtime` → running (conflict probe \(label))", runs: createMs.count, median: inMs(median(createMs)),
            p99: inMs(percentile(createMs, 0.99)), target: on ? "probe adds ≤ 300 ms (vs off)" : "–")
    }
}
