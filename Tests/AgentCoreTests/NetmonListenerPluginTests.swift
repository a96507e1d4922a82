import AgentCore
import AgentJSON
import Foundation
import LabSupport
import Testing

/// The real agent with the real `libagent-netmon.so`, against a fake sidecar on a unix socket.
@Suite("Netmon listener plugin against a fake sidecar", .serialized, .labThreads)
struct NetmonListenerPluginTests {
    static let pluginID = "io.autonomy.netmon"

    /// eth0 (IPv4 + gateway), eth1 (no IPv4: dedicated candidate), docker0 (virtual).
    static let interfaces: [JSONObject] = [
        info("eth0", mac: "02:42:ac:11:00:02", address: ("192.168.77.10", 24), gateway: "192.168.77.1"),
        info("eth1", mac: "02:42:ac:11:00:03"),
        info("docker0", mac: "02:42:5e:00:00:01", address: ("172.17.0.1", 16), virtual: true),
    ]

    static func info(
        _ name: String, mac: String?, address: (String, Int)? = nil, gateway: String? = nil, virtual: Bool = false,
        status: String = "up"
    ) -> JSONObject {
        var addresses: [JSONValue] = []
        if let (a, p) = address {
            let net = a.split(separator: ".").prefix(p / 8).joined(separator: ".")
            let pad = Array(repeating: "0", count: 4 - p / 8).joined(separator: ".")
            let network = [net, pad].filter { !$0.isEmpty }.joined(separator: ".")
            addresses = [["address": .string(a), "prefixlen": .number(Double(p)), "subnet": .string("\(network)/\(p)"),
                          "network_address": .string(network)]]
        }
        return [
            "interface": .string(name), "index": 2, "operstate": "UP", "status": .string(status), "type": "ethernet",
            "virtual": .bool(virtual), "mac_address": mac.map { .string($0) } ?? .null, "mtu": 1500,
            "ipv4_addresses": .array(addresses), "gateway": gateway.map { .string($0) } ?? .null,
            "timestamp": "2026-11-26T06:30:00.123Z",
        ]
    }

    /// A lab with the plugin installed, configured for `socket` plus `config`.
    struct Setup {
        let lab: PluginLab
        let socket: String
        let agent: Agent
        let probe: NetmonProbe

        /// - Parameter withTransport: also load the mTLS transport (not started), so the
        ///   listener's `reconnect_now` call has a target.
        init(config: JSONObject = [:], withTransport: Bool = false) throws {
            lab = try PluginLab()
            socket = lab.root + "/netmon.sock"
            var settings: JSONObject = ["socket": .string(socket), "reconnect_ms": 50]
            for (k, v) in config.entries { settings[k] = v }
            var entries = [
                try lab.entry(id: NetmonListenerPluginTests.pluginID, path: try lab.install("agent-netmon"), config: settings)
            ]
            if withTransport {
                entries.append(try lab.entry(id: "io.autonomy.transport-mtls", path: try lab.install("agent-transport-mtls")))
            }
            agent = try lab.agent(configPath: try lab.writeConfig(entries))
            #expect(agent.plugins.allSatisfy { $0.state.code == "loaded" })
            probe = try NetmonProbe(agent)
        }

        /// `get_host_interfaces` with a correlation id and `extra` fields.
        func hostInterfaces(_ extra: JSONObject = [:]) async -> JSONObject {
            var message: JSONObject = ["correlation_id": 41]
            for (k, v) in extra.entries { message[k] = v }
            return await agent.dispatcher.dispatch(topic: "get_host_interfaces", message: .object(message))
        }

        /// The interface names of a `get_host_interfaces` answer (nil when it is an error).
        func names(_ extra: JSONObject = [:]) async -> [String]? {
            let answer = await hostInterfaces(extra)
            guard answer["status"] == "success" else { return nil }
            return answer["interfaces"]?.arrayValue?.compactMap { $0.objectValue?["name"]?.stringValue }
        }
    }

    @Test("the greeting fills get_host_interfaces (with MACs); network_change removed/down update it")
    func greetingAndChanges() async throws {
        let setup = try Setup(withTransport: true)
        let sidecar = try FakeNetmonSidecar(path: setup.socket, interfaces: Self.interfaces)
        defer { sidecar.stop() }
        #expect(await netmonEventually { await setup.names() == ["eth0", "eth1"] })

        let answer = await setup.hostInterfaces()
        #expect(answer["action"] == "get_host_interfaces")
        #expect(answer["correlation_id"] == 41)
        let items = (answer["interfaces"]?.arrayValue ?? []).compactMap(\.objectValue)
        try #require(items.count == 2)
        #expect(
            items[0]
                == [
                    "name": "eth0", "ip_address": "192.168.77.10", "ipv4_addresses": ["192.168.77.10"],
                    "mac_address": "02:42:ac:11:00:02", "subnet": "192.168.77.0/24", "gateway": "192.168.77.1",
                ])
        #expect(items[1]["mac_address"] == "02:42:ac:11:00:03")
        #expect(items[1]["dedicated_only"] == true)
        #expect(await setup.names(["include_virtual": true]) == ["docker0", "eth0", "eth1"])
        let brief = await setup.hostInterfaces(["detailed": false])
        #expect((brief["interfaces"]?.arrayValue ?? []).allSatisfy { $0.objectValue?["subnet"] == nil })
        // The contract refuses a non-boolean option.
        #expect(await setup.hostInterfaces(["detailed": "yes"])["status"] == "error")

        // removed: gone from the answer and from the provider's table.
        sidecar.broadcast("network_change", ["interface": "eth1", "ipv4_addresses": [], "status": "removed"])
        #expect(await netmonEventually { await setup.names() == ["eth0"] })
        #expect(await setup.probe.invoke("interface", ["name": "eth1"]).body["code"] == "unknown_interface")
        // down: kept, without addresses.
        sidecar.broadcast("network_change", ["interface": "eth0", "ipv4_addresses": [], "status": "down"])
        #expect(await netmonEventually { (await setup.probe.invoke("interface", ["name": "eth0"])).body["status"] == "down" })
        let down = await setup.hostInterfaces()
        #expect(down["interfaces"]?.arrayValue?.first?.objectValue?["ip_address"] == .null)
        #expect(down["interfaces"]?.arrayValue?.first?.objectValue?["mac_address"] == "02:42:ac:11:00:02")

        // eth0 comes back on another network: the transport is asked to reconnect now (counted).
        sidecar.broadcast("network_change", Self.info("eth0", mac: "02:42:ac:11:00:02", address: ("10.20.0.7", 16), gateway: "10.20.0.1"))
        #expect(await netmonEventually { (await setup.probe.invoke("status")).body["reconnect_requests"] == 1 })
        let all = await setup.probe.invoke("interfaces")
        #expect(all.body["connected"] == true)
        #expect(all.body["interfaces"]?.arrayValue?.count == 2)  // eth0 + docker0 (virtual kept in the provider's table)
        await setup.agent.shutdown()
    }

    @Test("commands are matched by id while events keep flowing; sidecar errors keep code and field")
    func commandMultiplexing() async throws {
        let setup = try Setup()
        let release = DispatchSemaphore(value: 0)
        let sidecar = try FakeNetmonSidecar(path: setup.socket, interfaces: Self.interfaces) { command, client in
            switch command["command"]?.stringValue {
            case "get_dhcp_status":
                // Slow: an event now, the reply only after 1 s and the test's go.
                client.send([
                    "type": "network_change",
                    "data": .object(Self.info("eth1", mac: "02:42:ac:11:00:03", address: ("10.9.9.9", 24))),
                ])
                Thread {
                    Thread.sleep(forTimeInterval: 1)  // sleep-audit: input (a fake sidecar that answers late)
                    release.wait()
                    FakeNetmonSidecar.reply(to: command, ["clients": [], "marker": "slow"], on: client)
                }.start()
            case "start_dhcp":
                FakeNetmonSidecar.reply(
                    to: command,
                    ["success": false, "error": "no process 999999", "code": "no_such_process", "field": "container_pid"],
                    on: client)
            default:
                FakeNetmonSidecar.reply(to: command, ["marker": "fast"], on: client)
            }
        }
        defer { sidecar.stop() }
        #expect(await netmonEventually { await setup.names() != nil })
        let events = try setup.probe.subscribe()
        defer { events.cancel() }

        let probe = setup.probe
        let slow = Task { await probe.invoke("command", ["command": "get_dhcp_status"]) }
        #expect(await netmonEventually { sidecar.commands.contains { $0["command"] == "get_dhcp_status" } })
        // Sent after the slow one, answered first, and to the right caller.
        let fast = await probe.invoke("command", ["command": "get_status"])
        #expect(fast.status == 0)
        #expect(fast.body["marker"] == "fast")
        #expect(fast.body["echo"] == "get_status")
        #expect(fast.body["id"] == nil)
        // The event sent while the slow command waits is applied at once.
        #expect(await netmonEventually { (await probe.invoke("interface", ["name": "eth1"])).body["ipv4_addresses"]?.arrayValue?.count == 1 })
        #expect(events.kinds.contains("network_change"))
        release.signal()
        let slowAnswer = await slow.value
        #expect(slowAnswer.status == 0)
        #expect(slowAnswer.body["marker"] == "slow")
        #expect(slowAnswer.body["echo"] == "get_dhcp_status")
        // Every command went out with a fresh id.
        let ids = sidecar.commands.compactMap { $0["id"]?.numberValue }
        #expect(ids.count == 2 && Set(ids).count == 2)

        let refused = await probe.invoke("command", ["command": "start_dhcp", "container_pid": 999_999])
        #expect(refused.status != 0)
        #expect(refused.body["code"] == "no_such_process")
        #expect(refused.body["field"] == "container_pid")
        #expect(refused.body["message"] == "no process 999999")
        let bad = await probe.invoke("command", [:])
        #expect(bad.body["code"] == "bad_params")
        #expect((await probe.invoke("nonsense")).body["code"] == "unknown_method")
        await setup.agent.shutdown()
    }

    @Test("a lost sidecar fails waiting commands at once; the plugin reconnects and rebuilds the cache")
    func reconnectAndRebuild() async throws {
        let setup = try Setup(config: ["command_timeout_ms": 120_000])
        let first = try FakeNetmonSidecar(path: setup.socket, interfaces: Self.interfaces) { command, client in
            if command["command"] != "hang" { FakeNetmonSidecar.reply(to: command, [:], on: client) }
        }
        #expect(await netmonEventually { await setup.names() == ["eth0", "eth1"] })
        let events = try setup.probe.subscribe()
        defer { events.cancel() }
        let probe = setup.probe
        let hanging = Task { await probe.invoke("command", ["command": "hang"]) }
        #expect(await netmonEventually { first.commands.contains { $0["command"] == "hang" } })

        first.stop()
        let lost = await hanging.value  // long before the 120 s command timeout
        #expect(lost.body["code"] == "netmon_unavailable")
        #expect(await netmonEventually { (await probe.invoke("status")).body["connected"] == false })
        #expect((await probe.invoke("command", ["command": "get_status"])).body["code"] == "netmon_unavailable")

        let second = try FakeNetmonSidecar(
            path: setup.socket, interfaces: [Self.info("enp3s0", mac: "02:00:00:00:00:35", address: ("10.1.0.5", 24), gateway: "10.1.0.1")])
        defer { second.stop() }
        #expect(await netmonEventually { await setup.names() == ["enp3s0"] })
        // Each sidecar greets with network_discovery then device_discovery: the names change on
        // the first, so wait for the second before reading the counters (seen once in CI as 3).
        #expect(await netmonEventually { ((await probe.invoke("status")).body["events"]?.numberValue ?? 0) >= 4 })
        let status = await probe.invoke("status")
        #expect(status.body["connected"] == true)
        #expect(status.body["reconnects"] == 1)
        #expect(status.body["socket"] == .string(setup.socket))
        #expect((status.body["events"]?.numberValue ?? 0) >= 4)
        #expect(status.body["last_event_at"]?.stringValue?.hasSuffix("Z") == true)
        let kinds = events.kinds
        let down = kinds.firstIndex(of: "netmon.disconnected")
        let up = kinds.lastIndex(of: "netmon.connected")
        #expect(down != nil && up != nil && down! < up!)
        #expect((await probe.invoke("command", ["command": "get_status"])).body["success"] == true)
        await setup.agent.shutdown()
    }

    @Test("without a sidecar: the upstream empty-cache error and netmon_unavailable")
    func noSidecar() async throws {
        let setup = try Setup()
        let answer = await setup.hostInterfaces()
        #expect(answer["status"] == "error")
        #expect(
            answer["error"]
                == "Network interface cache is empty. The netmon sidecar may not be running or has not yet discovered interfaces.")
        #expect(answer["code"] == "interface_cache_empty")
        #expect(answer["correlation_id"] == 41)
        let command = await setup.probe.invoke("command", ["command": "get_status"])
        #expect(command.body["code"] == "netmon_unavailable")
        #expect((await setup.probe.invoke("status")).body["connected"] == false)
        await setup.agent.shutdown()
    }

    @Test("an empty discovery is the empty-cache error; an unanswered command times out")
    func emptyDiscoveryAndTimeout() async throws {
        let setup = try Setup(config: ["command_timeout_ms": 300])
        let sidecar = try FakeNetmonSidecar(path: setup.socket, interfaces: []) { _, _ in }
        defer { sidecar.stop() }
        #expect(await netmonEventually { (await setup.probe.invoke("status")).body["events"] == 2 })
        #expect(await setup.hostInterfaces()["code"] == "interface_cache_empty")
        let late = await setup.probe.invoke("command", ["command": "get_status"])
        #expect(late.body["code"] == "netmon_timeout")
        await setup.agent.shutdown()
    }

    @Test("the upstream Python sidecar: id-less replies in order, no MAC, virtual derived from the name")
    func pythonSidecar() async throws {
        let setup = try Setup()
        let python: [JSONObject] = [
            ["interface": "ens33", "index": 2, "operstate": "UP", "type": "ethernet",
             "ipv4_addresses": [["address": "192.168.1.5", "prefixlen": 24, "subnet": "192.168.1.0/24", "network_address": "192.168.1.0"]],
             "gateway": "192.168.1.1", "timestamp": "2026-11-26T06:30:00.123456"],
            ["interface": "docker0", "index": 3, "operstate": "UP", "type": "ethernet", "ipv4_addresses": [], "gateway": nil,
             "timestamp": "2026-11-26T06:30:00.123456"],
        ]
        let sidecar = try FakeNetmonSidecar(path: setup.socket, interfaces: python, pythonStyle: true) { command, client in
            // Answers strictly in order, after a short pause, without ids.
            Thread.sleep(forTimeInterval: 0.1)  // sleep-audit: input (a fake sidecar that answers late)
            FakeNetmonSidecar.reply(to: command, [:], on: client)
        }
        defer { sidecar.stop() }
        #expect(await netmonEventually { await setup.names() == ["ens33"] })
        let item = (await setup.hostInterfaces())["interfaces"]?.arrayValue?.first?.objectValue
        #expect(item?["mac_address"] == .null)
        #expect(item?["gateway"] == "192.168.1.1")
        // Concurrent commands: the sidecar answers in arrival order, each reply reaches its caller.
        let probe = setup.probe
        let names = ["get_dhcp_status", "get_device_status", "get_status", "discover_devices"]
        let echoes = await withTaskGroup(of: (String, JSONValue?).self) { group in
            for name in names { group.addTask { (name, (await probe.invoke("command", ["command": .string(name)])).body["echo"]) } }
            var out: [String: JSONValue?] = [:]
            for await (name, echo) in group { out[name] = echo }
            return out
        }
        for name in names { #expect(echoes[name] == .some(.string(name))) }
        #expect(sidecar.commands.count == names.count)
        await setup.agent.shutdown()
    }

    @Test("bad settings fail the load with a typed error naming the key")
    func badConfig() throws {
        for (config, key) in [
            (["command_timeout_ms": "soon"] as JSONObject, "command_timeout_ms"),
            (["socket": "relative/netmon.sock"], "socket"),
            (["reconnect_ms": 0], "reconnect_ms"),
        ] {
            let lab = try PluginLab()
            let path = try lab.install("agent-netmon")
            let agent = try lab.agent(configPath: try lab.writeConfig([try lab.entry(id: Self.pluginID, path: path, config: config)]))
            guard case .failed(let refusal) = agent.plugins[0].state else {
                Issue.record("\(key): expected init_failed, got \(agent.plugins[0].state)")
                continue
            }
            #expect(refusal.code.rawValue == "init_failed")
            #expect(refusal.message.contains("[bad_config]"))
            #expect(refusal.message.contains(key))
        }
    }
}
