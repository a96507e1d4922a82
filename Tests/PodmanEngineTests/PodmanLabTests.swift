import ContainerEngineSupport
import AgentJSON
import Foundation
import LabSupport
import Testing

@testable import PodmanEngine

/// The driver against a real rootful `podman system service` in the lab's network namespace
/// (`scripts/lab/podman-lab`), on the lab's MACVLAN plant LAN. A lab of the suite's own (the
/// vPLC lab suites make their MACVLAN networks on the shared one, with the same subnet);
/// serialized, as its tests each make one too.
@Suite(.serialized, .requires(DockerLab.isAvailable(.podman), "needs root and the Podman lab"))
struct PodmanLabTests {
    /// Brought up on first use (off the cooperative pool); taken down at process exit.
    static let shared = Task { try await DockerLab.blocking { try DockerLab.dedicated("pet", engine: .podman) } }

    static func lab() async throws -> DockerLab { try await shared.value }

    /// The LAN's prefix, `192.168.77`.
    static func lanPrefix(_ lab: DockerLab) -> String { lab.lanGateway.split(separator: ".").dropLast().joined(separator: ".") }

    @Test func staticIPAndMACOnEveryNetworkAtCreateAndReachableOnTheLAN() async throws {
        let lab = try await Self.lab()
        let service = PodmanLabTest.service(lab)
        let lan = PodmanLabTest.unique("lan")
        let internalNet = PodmanLabTest.unique("int")
        let name = PodmanLabTest.unique("plc")
        let ip = lab.lanAddress(10)
        _ = try await service.object(
            "network.create",
            [
                "name": .string(lan), "driver": "macvlan", "options": ["parent": .string(lab.parentInterface)],
                "labels": ["io.autonomy.managed": "true"],
                "ipam": ["subnet": .string(lab.lanSubnet), "gateway": .string(lab.lanGateway), "ip_range": .string(Self.lanPrefix(lab) + ".240/28")],
            ])
        _ = try await service.object(
            "network.create", ["name": .string(internalNet), "driver": "bridge", "internal": true, "ipam": ["subnet": "10.233.1.0/28"]])
        let listed = try await service.array("network.list", ["labels": ["io.autonomy.managed": "true"], "driver": "macvlan"])
        let mine = listed.compactMap(\.objectValue).first { $0["name"] == .string(lan) }
        #expect(mine?["options"]?.objectValue?["parent"] == .string(lab.parentInterface))
        #expect(mine?["ip_range"] == .string(Self.lanPrefix(lab) + ".240/28"))

        let created = try await service.object(
            "container.create",
            [
                "name": .string(name), "image": .string(lab.runtimeImage), "labels": ["io.autonomy.managed": "true"],
                "host_config": .object(SpecGeneratorTests.runtimeHostConfig),
                "networks": [
                    ["network": .string(lan), "ipv4_address": .string(ip), "mac_address": "02:00:00:00:01:0a"],
                    ["network": .string(internalNet), "ipv4_address": "10.233.1.5", "mac_address": "02:00:00:00:01:0b"],
                ],
            ])
        #expect(created["wiring"] == "endpoints_at_create")
        #expect(try await service.object("container.start", ["id": .string(name)]) == ["changed": true])
        #expect(try await service.object("container.start", ["id": .string(name)]) == ["changed": false])
        // The host (the agent's namespace) reaches a container on the internal bridge.
        let internalReply = try lab.exec(inNamespace: lab.labNamespace, ["curl", "-sf", "-m", "3", "http://10.233.1.5:8080/api/version"])
        #expect(internalReply.stdout.contains("lab-standin"), "\(internalReply)")

        let inspect = try await service.object("container.inspect", ["id": .string(name)])
        let networks = try #require(inspect["networks"]?.objectValue)
        // Podman honours the MAC of every network (capability per_network_mac).
        #expect(networks[lan]?.objectValue?["ip_address"] == .string(ip))
        #expect(networks[lan]?.objectValue?["mac_address"] == "02:00:00:00:01:0a")
        #expect(networks[internalNet]?.objectValue?["ip_address"] == "10.233.1.5")
        #expect(networks[internalNet]?.objectValue?["mac_address"] == "02:00:00:00:01:0b")
        let host = try #require(inspect["host_config"]?.objectValue)
        #expect(host["cap_add"]?.arrayValue?.contains("SYS_NICE") == true)
        // Podman's inspect reads the OCI spec back, which the lab's runc wrapper clamped to this
        // host's hard limits (docs/lab-podman.md); what Podman was asked is in the wrapper's log.
        let names = host["ulimits"]?.arrayValue?.compactMap { $0.objectValue?["name"]?.stringValue } ?? []
        #expect(names.contains("rtprio") && names.contains("memlock"), "\(names)")
        let id = try #require(created["id"]?.stringValue)
        let clampLog = (try? String(contentsOfFile: lab.directory + "/runc-clamp.log", encoding: .utf8)) ?? ""
        let asked = clampLog.split(separator: "\n").first { $0.contains("create \(id)") } ?? ""
        #expect(asked.contains("RLIMIT_RTPRIO 99/99") && asked.contains("RLIMIT_MEMLOCK 18446744073709551615/18446744073709551615"), "\(asked)")
        #expect(inspect["state"]?.objectValue?["running"] == true)

        // The LAN host reaches the stand-in runtime at its static address, with the asked MAC.
        let reached = await eventually(timeout: .seconds(10)) {
            (try? lab.exec(inNamespace: lab.lanhostNamespace, ["curl", "-sf", "-m", "2", "http://\(ip):8080/api/version"]))?.stdout
                .contains("lab-standin") == true
        }
        #expect(reached)
        let neigh = try lab.exec(inNamespace: lab.lanhostNamespace, ["ip", "neigh", "show", ip])
        #expect(neigh.stdout.contains("02:00:00:00:01:0a"), "\(neigh.stdout)")

        let onLAN = try await service.object("network.inspect", ["id": .string(lan)])
        #expect(onLAN["containers"]?.objectValue?.entries.first?.value.objectValue?["mac_address"] == "02:00:00:00:01:0a")
        let byLabel = try await service.array("container.list", ["labels": ["io.autonomy.managed": "true"], "network": .string(lan)])
        #expect(byLabel.compactMap { $0.objectValue?["name"]?.stringValue } == [name])

        let stats = try await service.object("container.stats", ["id": .string(name)])
        #expect(stats["source"] == "cgroup")
        #expect((stats["memory_bytes"]?.numberValue ?? 0) > 0)

        #expect(try await service.object("container.stop", ["id": .string(name), "timeout_s": 2]) == ["changed": true])
        #expect(try await service.object("container.stop", ["id": .string(name), "timeout_s": 2]) == ["changed": false])
        let stopped = try await service.object("container.stats", ["id": .string(name)])
        #expect(stopped["source"] == "engine")
        #expect(try await service.object("container.remove", ["id": .string(name)]) == ["removed": true])
        #expect(try await service.object("container.remove", ["id": .string(name)]) == ["removed": false])
        await service.cleanUp(networks: [lan, internalNet])
    }

    @Test func anEndpointWithoutAddressLeasesFromTheIPRange() async throws {
        let lab = try await Self.lab()
        let service = PodmanLabTest.service(lab)
        let lan = PodmanLabTest.unique("lan")
        let name = PodmanLabTest.unique("dhcp")
        _ = try await service.object(
            "network.create",
            [
                "name": .string(lan), "driver": "macvlan", "options": ["parent": .string(lab.parentInterface)],
                "ipam": ["subnet": .string(lab.lanSubnet), "gateway": .string(lab.lanGateway), "ip_range": .string(Self.lanPrefix(lab) + ".240/28")],
            ])
        _ = try await service.object(
            "container.create",
            [
                "name": .string(name), "image": .string(lab.runtimeImage), "labels": [:], "host_config": [:],
                "networks": [["network": .string(lan), "mac_address": "02:00:00:00:02:0a"]],
            ])
        _ = try await service.object("container.start", ["id": .string(name)])
        let address = try await service.object("container.inspect", ["id": .string(name)])["networks"]?.objectValue?[lan]?.objectValue?["ip_address"]?
            .stringValue ?? ""
        let last = Int(address.split(separator: ".").last ?? "") ?? 0
        #expect((240...254).contains(last), "\(address)")
        await service.cleanUp(containers: [name], networks: [lan])
    }

    @Test func anImageArchiveIsLoadedUnderItsNames() async throws {
        let lab = try await Self.lab()
        let service = PodmanLabTest.service(lab)
        let tag = PodmanLabTest.unique("load")
        let ref = "\(lab.runtimeImageRepo):\(tag)"
        let archive = lab.directory + "/\(tag).tar"
        // An archive of the stand-in image under a new name, made with the service's own export.
        let tagged = try await lab.engineAPI("POST", "/v4.0.0/libpod/images/\(lab.runtimeImage)/tag?repo=\(lab.runtimeImageRepo)&tag=\(tag)")
        #expect(tagged.status == 201, "\(tagged)")
        let saved = try lab.run(
            ["curl", "-sf", "--unix-socket", lab.socketPath, "-o", archive, "http://d/v4.0.0/libpod/images/\(ref)/get?format=docker-archive"])
        #expect(saved.status == 0, "\(saved)")
        let removed = try await lab.engineAPI("DELETE", "/v4.0.0/libpod/images/\(ref)")
        #expect(removed.status == 200, "\(removed)")
        #expect(await service.failure("image.inspect", ["ref": .string(ref)])?.code == .engineNotFound)

        let loaded = try await service.object("image.load", ["tar_path": .string(archive)])
        #expect(loaded["names"]?.arrayValue?.contains { $0.stringValue?.hasSuffix("\(lab.runtimeImageRepo):\(tag)") == true } == true, "\(loaded)")
        #expect(try await service.object("image.inspect", ["ref": .string(ref)])["id"]?.stringValue?.hasPrefix("sha256:") == true)
        #expect(await service.failure("image.load", ["tar_path": "/nonexistent.tar"])?.code == .badParams)
        _ = try await lab.engineAPI("DELETE", "/v4.0.0/libpod/images/\(ref)")
    }

    @Test func errorsAreTheProtocolsCodes() async throws {
        let lab = try await Self.lab()
        let service = PodmanLabTest.service(lab)
        let net = PodmanLabTest.unique("int")
        let name = PodmanLabTest.unique("err")
        _ = try await service.object("network.create", ["name": .string(net), "driver": "bridge", "internal": true])
        #expect(await service.failure("network.create", ["name": .string(net), "driver": "bridge"])?.code == .engineConflict)
        let missingNet = await service.failure(
            "container.create",
            ["name": .string(name), "image": .string(lab.runtimeImage), "labels": [:], "host_config": [:], "networks": [["network": "pet-nope"]]])
        #expect(missingNet?.code == .engineNotFound, "\(String(describing: missingNet))")
        _ = try await service.object(
            "container.create",
            ["name": .string(name), "image": .string(lab.runtimeImage), "labels": [:], "host_config": [:], "networks": [["network": .string(net)]]])
        let taken = await service.failure(
            "container.create",
            ["name": .string(name), "image": .string(lab.runtimeImage), "labels": [:], "host_config": [:], "networks": [["network": .string(net)]]])
        #expect(taken?.code == .engineConflict, "\(String(describing: taken))")
        #expect(await service.failure("container.inspect", ["id": "pet-nope"])?.code == .engineNotFound)
        #expect(await service.failure("image.inspect", ["ref": "lab/nope:1"])?.code == .engineNotFound)
        #expect(await service.failure("container.update", ["id": .string(name), "restart_policy": "always"])?.code == .unknownMethod)
        let caps = try await service.object("engine.capabilities")
        #expect(caps["engine"] == "podman" && caps["per_network_mac"] == true, "\(caps)")
        // What the vPLC plugin refuses on this engine with engine_unsupported (no agent.upgrader).
        #expect(caps["upgrader"] == false && caps["restart_policy_update"] == false && caps["device_node"] == false, "\(caps)")
        let version = try await service.object("engine.version")
        #expect(version["engine_version"]?.stringValue?.hasPrefix("4.") == true)
        #expect(try await service.object("engine.ping") == ["ok": true])
        await service.cleanUp(containers: [name], networks: [net])
    }

    @Test func eventsInDockersVocabularyWithReconnectState() async throws {
        let lab = try await Self.lab()
        let service = PodmanLabTest.service(lab)
        let name = PodmanLabTest.unique("ev")
        let mark = PodmanLabTest.unique("mark")
        let log = EventLog()
        let feed = try service.subscribe(
            filter: ["type": ["container"], "event": ["die", "start"], "label": [.string("pet.events=\(mark)")]], onEvent: log.callback)
        #expect(await log.wait("stream.open") != nil)
        _ = try await service.object(
            "container.create",
            ["name": .string(name), "image": .string(lab.runtimeImage), "labels": ["pet.events": .string(mark)], "host_config": [:], "networks": [["network": "none"]]])
        _ = try await service.object("container.start", ["id": .string(name)])
        let start = try #require(await log.wait("container.start", subject: name))
        #expect(start["attributes"]?.objectValue?["pet.events"] == .string(mark))
        let kill = try await lab.engineAPI("POST", "/v4.0.0/libpod/containers/\(name)/kill?signal=KILL")
        #expect(kill.status == 204)
        let die = try #require(await log.wait("container.die", subject: name))
        #expect(die["attributes"]?.objectValue?["exitCode"] == "137")
        feed.cancel()
        #expect(log.first("stream.lost") == nil)
        #expect(log.first("container.kill") == nil && log.first("container.create") == nil, "\(log.kinds)")
        await service.cleanUp(containers: [name])
    }
}
