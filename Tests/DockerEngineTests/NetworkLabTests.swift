import ContainerEngineSupport
import AgentJSON
import DockerEngine
import LabSupport
import Testing

/// Networks through the driver service against the lab's real dockerd. (MACVLAN on the lab
/// parent is in ``MacvlanLabTests``: Docker allows one macvlan network per parent.)
@Suite(.requires(DockerLab.isAvailable, "needs root and the Docker lab"))
struct NetworkLabTests {
    @Test func createInspectListConnectDisconnectRemove() async throws {
        let lab = try await DockerLab.sharedAsync()
        let service = LabTest.service(lab)
        let net = LabTest.unique("net")
        let home = LabTest.unique("net-home")
        let name = LabTest.unique("net-c")
        let tag = LabTest.unique("tag")
        defer { Task { await service.cleanUp(containers: [name], networks: [net, home]) } }

        let created = try await service.object(
            "network.create",
            [
                "name": .string(net), "driver": "bridge", "internal": true, "labels": ["det.net": .string(tag)],
                "options": ["com.docker.network.bridge.enable_icc": "true"],
                "ipam": ["subnet": "10.231.2.0/24", "gateway": "10.231.2.254", "ip_range": "10.231.2.128/25"],
            ])
        let id = try #require(created["id"]?.stringValue)
        let n = try await service.object("network.inspect", ["id": .string(net)])
        #expect(n["id"] == .string(id))
        #expect(n["name"] == .string(net))
        #expect(n["driver"] == "bridge")
        #expect(n["internal"] == true)
        #expect(n["labels"] == ["det.net": .string(tag)])
        #expect(n["options"]?.objectValue?["com.docker.network.bridge.enable_icc"] == "true")
        #expect(n["subnet"] == "10.231.2.0/24")
        #expect(n["gateway"] == "10.231.2.254")
        #expect(n["ip_range"] == "10.231.2.128/25")
        #expect(n["containers"] == .object([:]))

        #expect(try await service.array("network.list", ["labels": ["det.net": .string(tag)]]).count == 1)
        #expect(try await service.array("network.list", ["labels": ["det.net": .string(tag)], "driver": "bridge"]).count == 1)
        #expect(try await service.array("network.list", ["labels": ["det.net": .string(tag)], "driver": "macvlan"]).isEmpty)
        let listed = try #require(try await service.array("network.list", ["labels": ["det.net": ""]]).first { $0.objectValue?["id"] == .string(id) })
        #expect(listed.objectValue?["subnet"] == "10.231.2.0/24")

        // A running container elsewhere, then connected here with a static address.
        _ = try await service.object("network.create", ["name": .string(home), "driver": "bridge", "internal": true])
        _ = try await service.object(
            "container.create",
            [
                "name": .string(name), "image": .string(lab.runtimeImage), "labels": [:], "host_config": [:],
                "networks": [["network": .string(home)]],
            ])
        _ = try await service.object("container.start", ["id": .string(name)])
        #expect(
            try await service.object("network.connect", ["network": .string(net), "container": .string(name), "ipv4_address": "10.231.2.9"])
                == [:])
        let attached = try await service.object("network.inspect", ["id": .string(id)])
        let endpoint = try #require(attached["containers"]?.objectValue?.entries.first?.value.objectValue)
        #expect(endpoint["name"] == .string(name))
        #expect(endpoint["ipv4_address"] == "10.231.2.9")
        #expect(endpoint["mac_address"] == "02:42:0a:e7:02:09")
        let seen = try await service.object("container.inspect", ["id": .string(name)])
        #expect(seen["networks"]?.objectValue?[net]?.objectValue?["ip_address"] == "10.231.2.9")

        #expect(try await service.object("network.disconnect", ["network": .string(net), "container": .string(name)]) == [:])
        #expect(try await service.object("network.inspect", ["id": .string(id)])["containers"] == .object([:]))
        #expect(try await service.object("network.remove", ["id": .string(id)]) == ["removed": true])
        #expect(try await service.object("network.remove", ["id": .string(id)]) == ["removed": false])
        #expect(await service.failure("network.inspect", ["id": .string(id)])?.code == .engineNotFound)
    }

    /// Engine 20.10 counts only running endpoints: a network that created or stopped containers
    /// are configured on can be removed, and their start fails afterwards. `container.list` with
    /// `network` is the way to see who still needs a network.
    @Test func aNetworkOfAStoppedContainerCanBeRemovedUnderIt() async throws {
        let lab = try await DockerLab.sharedAsync()
        let service = LabTest.service(lab)
        let net = LabTest.unique("gone")
        let name = LabTest.unique("gone-c")
        defer { Task { await service.cleanUp(containers: [name], networks: [net]) } }
        _ = try await service.object("network.create", ["name": .string(net), "driver": "bridge", "internal": true])
        _ = try await service.object(
            "container.create",
            [
                "name": .string(name), "image": .string(lab.runtimeImage), "labels": [:], "host_config": [:],
                "networks": [["network": .string(net)]],
            ])
        #expect(try await service.object("network.inspect", ["id": .string(net)])["containers"] == .object([:]))
        let users = try await service.array("container.list", ["labels": [:], "network": .string(net)])
        #expect(users.compactMap { $0.objectValue?["name"] } == [.string(name)])
        #expect(try await service.object("network.remove", ["id": .string(net)]) == ["removed": true])
        let start = await service.failure("container.start", ["id": .string(name)])
        #expect(start?.code == .engineNotFound)
        #expect(start?.message.contains("not found") == true)
    }
}
