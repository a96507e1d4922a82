import ContainerEngineSupport
import AgentJSON
import DockerEngine
import LabSupport
import Testing

/// MACVLAN on the lab's plant LAN and a dockerd restart, in a lab of their own (Docker allows
/// one macvlan network per parent, and a restart would disturb other suites). Serialized.
@Suite(.serialized, .requires(DockerLab.isAvailable, "needs root and the Docker lab"))
struct MacvlanLabTests {
    /// Brought up on first use (off the cooperative pool); taken down at process exit.
    static let lab = Task { try await DockerLab.blocking { try DockerLab.dedicated("mv") } }

    @Test func createThenConnectWithStaticAddressesOnTheLAN() async throws {
        let lab = try await Self.lab.value
        let service = LabTest.service(lab)
        let lan = LabTest.unique("lan")
        let internalNet = LabTest.unique("int")
        let name = LabTest.unique("plc")
        let ip = lab.lanAddress(10)
        defer { Task { await service.cleanUp(containers: [name], networks: [lan, internalNet]) } }

        let subnetPrefix = String(lab.lanGateway.split(separator: ".").dropLast().joined(separator: "."))
        _ = try await service.object(
            "network.create",
            [
                "name": .string(lan), "driver": "macvlan",
                "options": ["parent": .string(lab.parentInterface), "macvlan_mode": "bridge"],
                "labels": ["io.autonomy.managed": "true"],
                "ipam": ["subnet": .string(lab.lanSubnet), "gateway": .string(lab.lanGateway), "ip_range": .string(subnetPrefix + ".128/25")],
            ])
        _ = try await service.object(
            "network.create", ["name": .string(internalNet), "driver": "bridge", "internal": true, "ipam": ["subnet": "10.232.1.0/24"]])
        let listed = try await service.array("network.list", ["labels": ["io.autonomy.managed": "true"], "driver": "macvlan"])
        #expect(listed.first?.objectValue?["options"]?.objectValue?["parent"] == .string(lab.parentInterface))

        let created = try await service.object(
            "container.create",
            [
                "name": .string(name), "image": .string(lab.runtimeImage), "labels": ["io.autonomy.managed": "true"],
                "host_config": ["CapAdd": ["NET_ADMIN"]],
                "networks": [
                    ["network": .string(lan), "ipv4_address": .string(ip), "mac_address": "02:00:00:00:01:0a"],
                    ["network": .string(internalNet), "ipv4_address": "10.232.1.5", "mac_address": "02:00:00:00:01:0b"],
                ],
            ])
        #expect(created["wiring"] == "create_then_connect")
        #expect(try await service.object("container.start", ["id": .string(name)]) == ["changed": true])

        let networks = try #require(try await service.object("container.inspect", ["id": .string(name)])["networks"]?.objectValue)
        let onLAN = try #require(networks[lan]?.objectValue)
        #expect(onLAN["ip_address"] == .string(ip))
        #expect(onLAN["gateway"] == .string(lab.lanGateway))
        #expect(onLAN["mac_address"] == "02:00:00:00:01:0a")  // the container-level MAC lands on the first network
        let onInternal = try #require(networks[internalNet]?.objectValue)
        #expect(onInternal["ip_address"] == "10.232.1.5")
        // API 1.41 ignores an endpoint MAC given to connect: Docker derives it from the IP.
        #expect(onInternal["mac_address"] == "02:42:0a:e8:01:05")

        // The LAN host reaches the container's static address over the MACVLAN (the stand-in
        // runtime's plain-HTTP port).
        var answer = ""
        let reached = try await LabTest.eventually(10) {
            let r = try await DockerLab.blocking {
                try lab.exec(inNamespace: lab.lanhostNamespace, ["curl", "-sf", "-m", "1", "http://\(ip):8080/api/version"])
            }
            answer = r.stdout
            return r.succeeded
        }
        #expect(reached)
        #expect(answer.contains("lab-standin-1"))

        let lanView = try await service.object("network.inspect", ["id": .string(lan)])
        let endpoint = try #require(lanView["containers"]?.objectValue?.entries.first?.value.objectValue)
        #expect(endpoint["ipv4_address"] == .string(ip))
        #expect(endpoint["mac_address"] == "02:00:00:00:01:0a")

        // One macvlan network per parent: a second one is refused (HTTP 500 on Engine 20.10).
        let second = await service.failure(
            "network.create",
            ["name": .string(LabTest.unique("lan2")), "driver": "macvlan", "options": ["parent": .string(lab.parentInterface)]])
        #expect(second?.code == .engineError)
        #expect(second?.message.contains("already using parent interface") == true)

        #expect(try await service.object("network.disconnect", ["network": .string(internalNet), "container": .string(name)]) == [:])
        let after = try await service.object("container.inspect", ["id": .string(name)])
        #expect(after["networks"]?.objectValue?.keys == [lan])
        #expect(try await service.object("container.remove", ["id": .string(name)]) == ["removed": true])
        #expect(try await service.object("network.remove", ["id": .string(lan)]) == ["removed": true])
        #expect(try await service.object("network.remove", ["id": .string(internalNet)]) == ["removed": true])
    }

    @Test func theEventStreamReportsLossAndReopensAcrossADockerdRestart() async throws {
        let lab = try await Self.lab.value
        let service = LabTest.service(lab)
        let name = LabTest.unique("rs")
        defer { Task { await service.cleanUp(containers: [name]) } }
        let log = EventLog()
        let feed = EventFeed(
            engine: service.engine, filter: EventFilter(types: ["container"]),
            backoff: .init(initial: .milliseconds(200), maximum: .seconds(1)), onEvent: log.callback)
        defer { feed.cancel() }
        #expect(await log.wait("stream.open") != nil)

        try await DockerLab.blocking { try lab.restartDockerd() }
        #expect(await LabTest.eventually(20) { log.kinds.filter { $0 == "stream.open" }.count == 2 })
        #expect(Array(log.kinds.prefix(3)) == ["stream.open", "stream.lost", "stream.open"])
        #expect(log.first("stream.lost")?["code"] == "engine_unreachable")

        _ = try await service.object(
            "container.create",
            ["name": .string(name), "image": .string(lab.runtimeImage), "labels": [:], "host_config": [:], "networks": [["network": "none"]]])
        _ = try await service.object("container.start", ["id": .string(name)])
        #expect(await log.wait("container.start", subject: name) != nil)
    }
}
