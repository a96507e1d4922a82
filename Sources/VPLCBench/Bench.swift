import AgentCore
import AgentJSON
import Foundation

/// The measurements and the report.
struct Bench {
    let agent: Agent
    let env: LabEnv
    let ops: OperationWaiter
    let args: BenchArgs
    let network = "bench-lan"

    func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    func dispatch(_ topic: String, _ message: JSONObject) async -> JSONObject {
        await agent.dispatcher.dispatch(topic: topic, payload: JSONWriter.bytes(.object(message)))
    }

    /// Sends a long operation and waits for its end; answers the seconds it took.
    func operate(_ topic: String, _ message: JSONObject) async -> Double {
        let t0 = now()
        let ack = await dispatch(topic, message)
        guard let id = ack["operation_id"]?.stringValue, let end = await ops.wait(id), end["status"] == "succeeded" else {
            fail("\(topic) failed: \(ack)")
        }
        return now() - t0
    }

    func createMessage(_ name: String, host: Int) -> JSONObject {
        [
            "container_name": .string(name),
            "vnic_configs": [[
                "name": "lan", "parent_interface": .string(env["LAB_PARENT"]), "network_mode": "static",
                "ip": .string(env.address(host)), "subnet": .string(env["LAN_SUBNET"]), "gateway": .string(env["LAN_GATEWAY"]),
            ]],
        ]
    }

    /// Runs the engine's CLI (the baseline): `docker` with the lab's `DOCKER_HOST`, or `podman
    /// --remote` on the lab's socket; both take the same arguments here.
    @discardableResult
    func docker(_ arguments: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: args.docker)
        p.arguments = args.engine == "podman" ? ["--remote", "--url", env["DOCKER_HOST"]] + arguments : arguments
        p.environment = ["DOCKER_HOST": env["DOCKER_HOST"], "PATH": "/usr/bin:/bin"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { fail("cannot run \(args.docker): \(error)") }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// The same container as the agent makes (settings of spec §5.1), made with the engine's CLI:
    /// internal bridge, `docker run -d` on the LAN with the static IP, connect the bridge.
    func cliCreate(_ name: String, host: Int) -> (total: Double, run: Double) {
        let image = env["RUNTIME_IMAGE_REPO"] + ":latest"
        let t0 = now()
        // Podman's CLI starts a DNS server per bridge unless told not to; the driver makes none.
        let dns = args.engine == "podman" ? ["--disable-dns"] : []
        guard docker(["network", "create", "--internal"] + dns + [name + "_internal"]) == 0 else { fail("network create failed") }
        let t1 = now()
        let status = docker([
            "run", "-d", "--name", name, "--network", network, "--ip", env.address(host), "--cap-add", "SYS_NICE",
            "--cap-add", "MKNOD", "--ulimit", "rtprio=99:99", "--ulimit", "memlock=-1:-1", "--device-cgroup-rule",
            "c 188:* rmw", "--device-cgroup-rule", "c 166:* rmw", "--device-cgroup-rule", "c 4:* rmw", "--restart", "no",
            "--label", "bench=1", image,
        ])
        let t2 = now()
        guard status == 0, docker(["network", "connect", name + "_internal", name]) == 0 else { fail("docker run failed") }
        return (now() - t0, t2 - t1)
    }

    func cliDelete(_ name: String) {
        docker(["rm", "-f", name])
        docker(["network", "rm", name + "_internal"])
    }

    func run() async {
        // One shared MACVLAN network on the lab parent, used by both sides (the agent reuses an
        // existing network with the same parent and subnet).
        docker(["network", "rm", network])
        guard docker([
            "network", "create", "-d", "macvlan", "--subnet", env["LAN_SUBNET"], "--gateway", env["LAN_GATEWAY"], "-o",
            "parent=\(env["LAB_PARENT"])", network,
        ]) == 0 else { fail("cannot create the MACVLAN network") }
        defer { docker(["network", "rm", network]) }

        // 1. create-to-running, interleaved with the CLI baseline.
        var agentTimes: [Double] = []
        var cliTimes: [Double] = []
        var cliRunTimes: [Double] = []
        _ = await operate("create_new_runtime", createMessage("bench-warm", host: 99))
        _ = await operate("delete_device", ["device_id": "bench-warm"])
        for i in 0..<args.runs {
            let name = "bench-a\(i)"
            agentTimes.append(await operate("create_new_runtime", createMessage(name, host: 100 + i)))
            _ = await operate("delete_device", ["device_id": .string(name)])
            let cli = cliCreate("bench-c\(i)", host: 150 + i)
            cliTimes.append(cli.total)
            cliRunTimes.append(cli.run)
            cliDelete("bench-c\(i)")
        }

        // 2. get_device_status latency on a running vPLC.
        _ = await operate("create_new_runtime", createMessage("bench-status", host: 200))
        var statusTimes: [Double] = []
        for _ in 0..<args.statusCalls {
            let t0 = now()
            let r = await dispatch("get_device_status", ["device_id": "bench-status"])
            statusTimes.append(now() - t0)
            if r["status"] != "success" { fail("status: \(r)") }
        }

        // 3. fleet: cost of the usage pass and of queries with 1 and with K vPLCs.
        let one = await fleetFigures(vplcs: 1)
        for i in 1..<args.fleet { _ = await operate("create_new_runtime", createMessage("bench-f\(i)", host: 201 + i)) }
        let many = await fleetFigures(vplcs: args.fleet)
        for i in 1..<args.fleet { _ = await operate("delete_device", ["device_id": .string("bench-f\(i)")]) }
        _ = await operate("delete_device", ["device_id": "bench-status"])

        report(agentTimes: agentTimes, cliTimes: cliTimes, cliRunTimes: cliRunTimes, statusTimes: statusTimes, one: one, many: many)
    }

    struct Fleet {
        var vplcs: Int
        var passMs: Double
        var passes: [Double]
        var listMs: [Double]
        var consumptionMs: [Double]
        var pssMiB: Double
    }

    func fleetFigures(vplcs: Int) async -> Fleet {
        // Let the sampler run a few passes with this fleet.
        // harmless: bench tooling; a pause
        try? await Task.sleep(for: .seconds(3))
        var passes: [Double] = []
        var list: [Double] = []
        var consumption: [Double] = []
        for _ in 0..<20 {
            let t0 = now()
            let r = await dispatch("list_devices", [:])
            list.append((now() - t0) * 1000)
            if let p = r["sampler"]?.objectValue?["last_pass_ms"]?.numberValue { passes.append(p) }
            let t1 = now()
            _ = await dispatch("get_consumption_device", ["device_id": "bench-status", "cpuPeriod": "1h", "memoryPeriod": "1h"])
            consumption.append((now() - t1) * 1000)
            // harmless: bench tooling; a pause
            try? await Task.sleep(for: .milliseconds(150))
        }
        return Fleet(vplcs: vplcs, passMs: median(passes), passes: passes, listMs: list, consumptionMs: consumption, pssMiB: pss())
    }

    func pss() -> Double {
        // harmless: bench tooling; no smaps_rollup reads as NaN in the table
        guard let text = try? String(contentsOfFile: "/proc/self/smaps_rollup", encoding: .utf8) else { return .nan }
        for line in text.split(separator: "\n") where line.hasPrefix("Pss:") {
            return (Double(line.split(separator: " ")[1]) ?? .nan) / 1024
        }
        return .nan
    }
}
