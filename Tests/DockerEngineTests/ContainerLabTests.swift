import ContainerEngineSupport
import AgentJSON
import DockerEngine
import LabSupport
import Testing

/// Containers through the driver service against the lab's real dockerd (Engine 20.10, API 1.41).
@Suite(.requires(DockerLab.isAvailable, "needs root and the Docker lab"))
struct ContainerLabTests {
    @Test func versionAndPing() async throws {
        let service = LabTest.service(try await DockerLab.sharedAsync())
        let v = try await service.object("engine.version")
        #expect(v["api_version"] == "1.41")
        #expect(v["engine_api_version"] == "1.41")
        #expect(v["engine_version"]?.stringValue?.hasPrefix("20.10") == true)
        #expect(v["min_api_version"] == "1.12")
        #expect(v["os"] == "linux")
        #expect(try await service.object("engine.ping") == ["ok": true])
        #expect(try await service.engine.apiVersion(timeout: .seconds(5)) == APIVersion(1, 41))
        // API 1.41: only the first network gets the MAC asked (docs/container-driver.md).
        let caps = try await service.object("engine.capabilities")
        #expect(caps["engine"] == "docker" && caps["per_network_mac"] == false && caps["wiring"] == "create_then_connect")
        #expect(caps["upgrader"] == true && caps["restart_policy_update"] == true && caps["device_node"] == true, "\(caps)")
        #expect(ContainerDriverService.capabilities(.endpointsAtCreate)["per_network_mac"] == true)
    }

    @Test func anOverriddenVersionIsUsedWithoutNegotiating() async throws {
        let service = LabTest.service(try await DockerLab.sharedAsync(), apiVersion: APIVersion(1, 40))
        #expect(try await service.engine.apiVersion(timeout: .seconds(5)) == APIVersion(1, 40))
        #expect(try await service.object("engine.version")["api_version"] == "1.40")
        let list = try await service.array("container.list", ["labels": ["det.none": "x"]])
        #expect(list.isEmpty)  // /v1.40/containers/json answered
    }

    @Test func lifecycle() async throws {
        let lab = try await DockerLab.sharedAsync()
        let service = LabTest.service(lab)
        let net = LabTest.unique("lc-net")
        let name = LabTest.unique("lc")
        defer { Task { await service.cleanUp(containers: [name], networks: [net]) } }
        _ = try await service.object(
            "network.create", ["name": .string(net), "driver": "bridge", "internal": true, "ipam": ["subnet": "10.231.1.0/24"]])
        let created = try await service.object(
            "container.create",
            [
                "name": .string(name), "image": .string(lab.runtimeImage), "labels": ["det.test": .string(name)],
                "env": ["DET=1"],
                "host_config": [
                    "CapAdd": ["SYS_NICE"], "Ulimits": [["Name": "rtprio", "Soft": 99, "Hard": 99]],
                    "RestartPolicy": ["Name": "on-failure", "MaximumRetryCount": 2],
                ],
                "networks": [["network": .string(net), "ipv4_address": "10.231.1.10"]],
            ])
        let id = try #require(created["id"]?.stringValue)
        #expect(created["wiring"] == "create_then_connect")
        #expect(created["warnings"] == [])

        #expect(try await service.object("container.start", ["id": .string(name)]) == ["changed": true])
        #expect(try await service.object("container.start", ["id": .string(id)]) == ["changed": false])

        let running = try await service.object("container.inspect", ["id": .string(name)])
        #expect(running["id"] == .string(id))
        #expect(running["name"] == .string(name))
        #expect(running["image"] == .string(lab.runtimeImage))
        #expect(running["labels"]?.objectValue?["det.test"] == .string(name))
        let state = try #require(running["state"]?.objectValue)
        #expect(state["status"] == "running")
        #expect((state["pid"]?.numberValue ?? 0) > 0)
        let host = try #require(running["host_config"]?.objectValue)
        #expect(host["cap_add"] == ["SYS_NICE"])
        #expect(host["ulimits"] == [["name": "rtprio", "soft": 99, "hard": 99]])
        #expect(host["restart_policy"] == "on-failure")
        let endpoint = try #require(running["networks"]?.objectValue?[net]?.objectValue)
        #expect(endpoint["ip_address"] == "10.231.1.10")
        #expect(endpoint["prefix"] == 24)
        #expect(endpoint["gateway"] == "10.231.1.1")
        #expect(endpoint["mac_address"] == "02:42:0a:e7:01:0a")  // derived from the IP

        let stats = try await service.object("container.stats", ["id": .string(name)])
        #expect((stats["cpu_total_ns"]?.numberValue ?? 0) > 0)
        #expect((stats["system_cpu_ns"]?.numberValue ?? 0) > 0)
        #expect((stats["online_cpus"]?.numberValue ?? 0) >= 1)
        #expect((stats["memory_bytes"]?.numberValue ?? 0) > 0)
        #expect((stats["memory_limit_bytes"]?.numberValue ?? 0) > 0)
        #expect(stats["read"]?.stringValue?.hasPrefix("0001") == false)
        // The test process shares the host's mount and PID namespaces: the cheap cgroup path applies.
        #expect(stats["source"] == "cgroup", "\(stats)")

        #expect(try await service.object("container.stop", ["id": .string(name), "timeout_s": 5]) == ["changed": true])
        #expect(try await service.object("container.stop", ["id": .string(name)]) == ["changed": false])
        let stopped = try await service.object("container.inspect", ["id": .string(name)])
        #expect(stopped["state"]?.objectValue?["running"] == false)
        #expect(stopped["state"]?.objectValue?["status"] == "exited")
        // The stand-in's PID 1 ends on the TERM; one the engine had to SIGKILL after timeout_s exits 137.
        #expect(stopped["state"]?.objectValue?["exit_code"] != 137, "\(stopped)")

        #expect(try await service.object("container.restart", ["id": .string(name), "timeout_s": 1]) == [:])
        #expect(try await service.object("container.inspect", ["id": .string(name)])["state"]?.objectValue?["running"] == true)

        #expect(try await service.object("container.remove", ["id": .string(name)]) == ["removed": true])
        #expect(try await service.object("container.remove", ["id": .string(name)]) == ["removed": false])
        let gone = await service.failure("container.inspect", ["id": .string(name)])
        #expect(gone?.code == .engineNotFound)
        #expect(gone?.httpStatus == 404)
        #expect(try await service.object("network.remove", ["id": .string(net)]) == ["removed": true])
    }

    @Test func listFiltersByLabels() async throws {
        let lab = try await DockerLab.sharedAsync()
        let service = LabTest.service(lab)
        let group = LabTest.unique("grp")
        let a = LabTest.unique("la")
        let b = LabTest.unique("lb")
        defer { Task { await service.cleanUp(containers: [a, b]) } }
        for (name, role) in [(a, "a"), (b, "b")] {
            _ = try await service.object(
                "container.create",
                [
                    "name": .string(name), "image": .string(lab.runtimeImage),
                    "labels": ["det.group": .string(group), "det.role": .string(role)], "host_config": [:],
                    "networks": [["network": "none"]],
                ])
        }
        let both = try await service.array("container.list", ["labels": ["det.group": .string(group)]])
        #expect(Set(both.compactMap { $0.objectValue?["name"]?.stringValue }) == [a, b])
        let onlyA = try await service.array("container.list", ["labels": ["det.group": .string(group), "det.role": "a"]])
        #expect(onlyA.count == 1)
        let entry = try #require(onlyA.first?.objectValue)
        #expect(entry["name"] == .string(a))
        #expect(entry["state"] == "created")
        #expect(entry["image"] == .string(lab.runtimeImage))
        #expect(entry["labels"]?.objectValue?["det.role"] == "a")
        let present = try await service.array("container.list", ["labels": ["det.group": .string(group), "det.role": ""]])
        #expect(present.count == 2)
        let running = try await service.array("container.list", ["labels": ["det.group": .string(group)], "all": false])
        #expect(running.isEmpty)
        #expect(entry["networks"] == ["none"])
        // The network filter sees created (not running) containers, which a network's own
        // `containers` (running endpoints only) does not.
        #expect(try await service.array("container.list", ["labels": ["det.group": .string(group)], "network": "none"]).count == 2)
        #expect(try await service.array("container.list", ["labels": ["det.group": .string(group)], "network": "host"]).isEmpty)
    }

    /// What the upgrade helper does to the agent's container: read its settings, turn its
    /// restart policy off, rename it, and make another from them (host network, a bind mount).
    @Test func renameUpdateAndRecreateSettings() async throws {
        let lab = try await DockerLab.sharedAsync()
        let service = LabTest.service(lab)
        let name = LabTest.unique("rn")
        let renamed = name + "_previous"
        defer { Task { await service.cleanUp(containers: [name, renamed]) } }
        _ = try await service.object(
            "container.create",
            [
                "name": .string(name), "image": .string(lab.runtimeImage), "labels": [:], "env": ["DET=1"],
                "entrypoint": ["/bin/sh"], "cmd": ["/start.sh"],
                "host_config": [
                    "Binds": ["/tmp:/hosttmp:ro"], "GroupAdd": ["999"], "RestartPolicy": ["Name": "unless-stopped"],
                ],
                "networks": [["network": "host"]],
            ])
        let before = try await service.object("container.inspect", ["id": .string(name)])
        let host = try #require(before["host_config"]?.objectValue)
        #expect(host["network_mode"] == "host")
        #expect(host["binds"] == ["/tmp:/hosttmp:ro"])
        #expect(host["group_add"] == ["999"])
        #expect(host["restart_policy"] == "unless-stopped")
        #expect(before["config"]?.objectValue?["entrypoint"] == ["/bin/sh"])
        #expect(before["config"]?.objectValue?["cmd"] == ["/start.sh"])
        #expect(before["config"]?.objectValue?["env"]?.arrayValue?.contains("DET=1") == true)
        #expect(before["image_id"]?.stringValue?.hasPrefix("sha256:") == true)
        #expect(before["networks"]?.objectValue?.keys == ["host"])
        let image = try await service.object("image.inspect", ["ref": .string(lab.runtimeImage)])
        #expect(image["config"]?.objectValue?["cmd"] == ["/bin/sh", "/start.sh"])

        #expect(try await service.object("container.update", ["id": .string(name), "restart_policy": "no"]) == [:])
        let updated = try await service.object("container.inspect", ["id": .string(name)])
        #expect(updated["host_config"]?.objectValue?["restart_policy"] == "no")
        #expect(try await service.object("container.rename", ["id": .string(name), "name": .string(renamed)]) == [:])
        #expect(try await service.object("container.inspect", ["id": .string(renamed)])["id"] == before["id"])
        #expect(await service.failure("container.inspect", ["id": .string(name)])?.code == .engineNotFound)
        #expect(await service.failure("container.rename", ["id": .string(name), "name": "x"])?.code == .engineNotFound)
    }

    @Test func imageInspectAndImport() async throws {
        let lab = try await DockerLab.sharedAsync()
        let service = LabTest.service(lab)
        let image = try await service.object("image.inspect", ["ref": .string(lab.runtimeImage)])
        #expect(image["id"]?.stringValue?.hasPrefix("sha256:") == true)
        #expect(image["repo_tags"]?.arrayValue?.contains(.string(lab.runtimeImage)) == true)
        #expect((image["size"]?.numberValue ?? 0) > 100_000)

        // A tar made here: one file, imported as an image.
        let dir = "/tmp/" + LabTest.unique("tar")
        defer { _ = try? lab.run(["rm", "-rf", dir]) }
        let made = try await DockerLab.blocking {
            try lab.run(["sh", "-c", "mkdir -p \(dir)/root/etc && echo det > \(dir)/root/etc/det && tar -C \(dir)/root -cf \(dir)/img.tar ."])
        }
        #expect(made.succeeded)
        let repo = "det/" + LabTest.unique("import")
        let imported = try await service.object("image.import", ["tar_path": .string(dir + "/img.tar"), "repo": .string(repo), "tag": "t1"])
        let id = try #require(imported["id"]?.stringValue)
        #expect(id.hasPrefix("sha256:"))
        let again = try await service.object("image.inspect", ["ref": .string(repo + ":t1")])
        #expect(again["id"] == .string(id))
        #expect(again["repo_tags"] == [.string(repo + ":t1")])

        _ = try await DockerLab.blocking { try lab.run(["sh", "-c", "echo not a tar > \(dir)/bad.tar"]) }
        let bad = await service.failure("image.import", ["tar_path": .string(dir + "/bad.tar"), "repo": .string(repo), "tag": "bad"])
        #expect(bad?.code == .engineError)
        #expect(bad?.message.contains("tar") == true)
        _ = try? await lab.engineAPI("DELETE", "/images/\(repo):t1")
    }

    @Test func engineErrorsMapToCodes() async throws {
        let lab = try await DockerLab.sharedAsync()
        let service = LabTest.service(lab)
        let name = LabTest.unique("err")
        let net = LabTest.unique("err-net")
        let overlap = LabTest.unique("err-ovl")
        defer { Task { await service.cleanUp(containers: [name], networks: [net, overlap]) } }

        #expect(await service.failure("container.inspect", ["id": "det-no-such-container"])?.code == .engineNotFound)
        #expect(await service.failure("container.start", ["id": "det-no-such-container"])?.code == .engineNotFound)
        #expect(await service.failure("image.inspect", ["ref": "det/no-such-image:1"])?.code == .engineNotFound)

        _ = try await service.object(
            "network.create", ["name": .string(net), "driver": "bridge", "internal": true, "ipam": ["subnet": "10.231.4.0/24"]])
        let duplicate = await service.failure("network.create", ["name": .string(net), "driver": "bridge"])
        #expect(duplicate?.code == .engineConflict)
        #expect(duplicate?.httpStatus == 409)
        let pool = await service.failure(
            "network.create", ["name": .string(overlap), "driver": "bridge", "ipam": ["subnet": "10.231.4.0/25"]])
        #expect(pool?.code == .engineForbidden)  // Engine 20.10 answers 403 for a pool overlap
        #expect(pool?.message.contains("overlaps") == true)

        let create: JSONObject = [
            "name": .string(name), "image": .string(lab.runtimeImage), "labels": [:], "host_config": [:],
            "networks": [["network": .string(net)]],
        ]
        _ = try await service.object("container.create", create)
        let taken = await service.failure("container.create", create)
        #expect(taken?.code == .engineConflict)
        #expect(taken?.message.contains("already in use") == true)
        _ = try await service.object("container.start", ["id": .string(name)])
        let inUse = await service.failure("network.remove", ["id": .string(net)])
        #expect(inUse?.code == .engineForbidden)  // 403 "has active endpoints"
        let again = await service.failure("network.connect", ["network": .string(net), "container": .string(name)])
        #expect(again?.code == .engineForbidden)  // 403 "endpoint … already exists"
        #expect(await service.failure("network.connect", ["network": "det-no-such-net", "container": .string(name)])?.code == .engineNotFound)

        var noImage = create
        noImage["name"] = .string(LabTest.unique("noimg"))
        noImage["image"] = "det/no-such-image:1"
        #expect(await service.failure("container.create", noImage)?.code == .engineNotFound)

        // No registry is reachable from the lab: the engine refuses before streaming (HTTP 500).
        let pull = await service.failure("image.pull", ["ref": "det/no-such-image:1", "timeout_ms": 20000])
        #expect(pull?.code == .engineError)
        #expect(pull?.httpStatus == 500)
    }

    @Test func createIsAllOrNothing() async throws {
        let lab = try await DockerLab.sharedAsync()
        let service = LabTest.service(lab)
        let net = LabTest.unique("aon-net")
        let name = LabTest.unique("aon")
        defer { Task { await service.cleanUp(containers: [name], networks: [net]) } }
        _ = try await service.object("network.create", ["name": .string(net), "driver": "bridge", "internal": true])
        let e = await service.failure(
            "container.create",
            [
                "name": .string(name), "image": .string(lab.runtimeImage), "labels": [:], "host_config": [:],
                "networks": [["network": .string(net)], ["network": "det-no-such-net"]],
            ])
        #expect(e?.code == .engineNotFound)
        #expect(await service.failure("container.inspect", ["id": .string(name)])?.code == .engineNotFound)
    }
}
