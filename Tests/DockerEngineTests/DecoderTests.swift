import AgentJSON
import Testing

@testable import DockerEngine

/// Captured Docker JSON → the normalized result shapes of docs/container-driver.md.
@Suite struct DecoderTests {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    @Test func runningContainerInspect() throws {
        let r = try ContainerDecoders.inspect(try parse(Captured.runningContainer))
        #expect(r["id"] == "0b92495cccfac5047082a0c9bea20f387fd31852f48a9ddacf230977e3f19f45")
        #expect(r["name"] == "plc1")
        #expect(r["image"] == "lab/openplc-runtime:latest")
        #expect(r["labels"]?.objectValue?["io.autonomy.vplc"] == "plc1")
        let state = try #require(r["state"]?.objectValue)
        #expect(state["status"] == "running")
        #expect(state["running"] == true)
        #expect(state["pid"] == 6443)
        #expect(state["exit_code"] == 0)
        #expect(state["health"] == "starting")
        #expect(state["oom_killed"] == false)
        #expect(state["started_at"] == "2026-11-26T03:22:21.039964735Z")
        #expect(r["restart_count"] == 0)
        let host = try #require(r["host_config"]?.objectValue)
        #expect(host["cap_add"] == ["SYS_NICE", "NET_ADMIN"])
        #expect(host["ulimits"] == [["name": "rtprio", "soft": 99, "hard": 99], ["name": "memlock", "soft": -1, "hard": -1]])
        #expect(host["device_cgroup_rules"] == ["c 189:* rmw"])
        #expect(host["restart_policy"] == "on-failure")
        #expect(host["dns"] == ["192.168.77.1"])
        #expect(host["nano_cpus"] == 500_000_000)
        #expect(host["memory"] == 268_435_456)
        #expect(host["cpu_quota"] == 0)
        let nets = try #require(r["networks"]?.objectValue)
        #expect(nets.keys == ["int1"])
        #expect(
            nets["int1"]
                == [
                    "network_id": "1cb5f3a951a478e81e55d31976bd93f868147265f372212ea8129d958fc37211", "ip_address": "172.30.0.7",
                    "prefix": 24, "gateway": "172.30.0.1", "mac_address": "02:42:ac:1e:00:07",
                ])
    }

    @Test func exitedContainerInspectReadsNullsAsEmpty() throws {
        let r = try ContainerDecoders.inspect(try parse(Captured.exitedContainer))
        let state = try #require(r["state"]?.objectValue)
        #expect(state["status"] == "exited")
        #expect(state["running"] == false)
        #expect(state["exit_code"] == 137)
        #expect(state["health"] == .null)
        let host = try #require(r["host_config"]?.objectValue)
        #expect(host["restart_policy"] == "no")
        #expect(host["cap_add"] == [])
        #expect(host["ulimits"] == [])
        #expect(r["networks"]?.objectValue?.keys.sorted() == ["int1", "lanmv"])
        #expect(r["networks"]?.objectValue?["lanmv"]?.objectValue?["ip_address"] == "")
    }

    @Test func inspectWithoutIdIsABadResponse() {
        #expect(throws: DockerEngineError.self) { try ContainerDecoders.inspect(["Name": "/x"]) }
        #expect((try? ContainerDecoders.inspect(["Id": "1"])) != nil)
        #expect(throws: DockerEngineError.self) { try ContainerDecoders.inspect([1, 2]) }
    }

    @Test func containerList() throws {
        let list = try ContainerDecoders.list(try parse(Captured.containerList))
        #expect(list.count == 2)
        let first = try #require(list.first?.objectValue)
        #expect(first["name"] == "plc1")
        #expect(first["state"] == "running")
        #expect(first["status"] == "Up 36 minutes (unhealthy)")
        #expect(first["networks"] == ["int1"])
        #expect(first["image"] == "lab/openplc-runtime:latest")
        #expect(first["labels"]?.objectValue?["io.autonomy.managed"] == "true")
        #expect(first.keys == ["id", "name", "image", "labels", "state", "status", "networks"])
        #expect(list.last?.objectValue?["state"] == "exited")
        #expect(list.last?.objectValue?["networks"] == ["int1", "lanmv"])  // configured, though not running
    }

    @Test func statsOfARunningContainer() throws {
        let s = try ContainerDecoders.stats(try parse(Captured.runningStats))
        #expect(s["read"] == "2026-11-26T03:22:23.595308309Z")
        #expect(s["cpu_total_ns"] == 40_497_239)
        #expect(s["system_cpu_ns"] == 42_142_110_000_000)
        #expect(s["online_cpus"] == 2)
        // usage 978944 minus total_inactive_file 73728, as `docker stats` shows it
        #expect(s["memory_bytes"] == 905_216)
        #expect(s["memory_limit_bytes"] == 268_435_456)
    }

    @Test func statsOfAStoppedContainerAreZeros() throws {
        let s = try ContainerDecoders.stats(try parse(Captured.exitedStats))
        #expect(s["read"] == "0001-01-01T00:00:00Z")
        #expect(s["cpu_total_ns"] == 0)
        #expect(s["online_cpus"] == 0)
        #expect(s["memory_bytes"] == 0)
        #expect(s["memory_limit_bytes"] == 0)
    }

    @Test func statsFallBackToPerCPUCountAndCgroupV2Cache() throws {
        let v2: JSONValue = [
            "read": "t", "cpu_stats": ["cpu_usage": ["total_usage": 5, "percpu_usage": [1, 2, 2, 0]], "system_cpu_usage": 9],
            "memory_stats": ["usage": 1000, "limit": 4000, "stats": ["inactive_file": 100]],
        ]
        let s = try ContainerDecoders.stats(v2)
        #expect(s["online_cpus"] == 4)
        #expect(s["memory_bytes"] == 900)
    }

    @Test func networkInspectWithContainers() throws {
        let n = try NetworkDecoders.inspect(try parse(Captured.internalNetwork))
        #expect(n["name"] == "int1")
        #expect(n["driver"] == "bridge")
        #expect(n["internal"] == true)
        #expect(n["subnet"] == "172.30.0.0/24")
        #expect(n["gateway"] == .null)  // chosen by the engine, not recorded in IPAM.Config
        #expect(n["ip_range"] == .null)
        #expect(n["options"] == .object([:]))
        let containers = try #require(n["containers"]?.objectValue)
        #expect(containers.count == 1)  // only running endpoints are listed
        for e in containers.entries {
            let c = try #require(e.value.objectValue)
            #expect(c["ipv4_address"]?.stringValue?.hasPrefix("172.30.0.") == true)
            #expect(c["ipv4_address"]?.stringValue?.contains("/") == false)
            #expect(c["mac_address"]?.stringValue?.hasPrefix("02:42:ac:1e:00:") == true)
        }
    }

    @Test func networkList() throws {
        let list = try NetworkDecoders.list(try parse(Captured.macvlanList))
        let n = try #require(list.first?.objectValue)
        #expect(n["name"] == "lanmv")
        #expect(n["driver"] == "macvlan")
        #expect(n["options"] == ["parent": "eth-lab"])
        #expect(n["labels"] == ["a": "b"])
        #expect(n["subnet"] == "192.168.77.0/24")
        #expect(n["gateway"] == "192.168.77.1")
        #expect(n["ip_range"] == "192.168.77.128/25")
        #expect(n["containers"] == nil)
    }

    @Test func imageInspect() throws {
        let i = try ImageDecoders.inspect(try parse(Captured.image))
        #expect(i == [
            "id": "sha256:e51a3c51d0dfd775f0dff5709cf009c958374d190b5e7e334cf64dbbb4218f60", "repo_tags": ["lab/tiny:t1"],
            "size": 3, "created": "2026-11-26T03:15:28.101328992Z",
            "config": ["cmd": .null, "entrypoint": .null, "env": [], "user": "", "working_dir": "", "labels": [:]],
        ])
    }

    @Test func imageInspectCarriesTheDefaults() throws {
        let i = try ImageDecoders.inspect(
            try parse(
                #"{"Id":"sha256:aa","Config":{"Cmd":["run","--config","/etc/a.json"],"Entrypoint":["/usr/bin/orchestrator-agent"],"Env":["PATH=/bin","AGENT_VERSION=1.0.0"],"User":"agent","WorkingDir":"/","Labels":{"v":"1"}}}"#))
        #expect(
            i["config"]
                == [
                    "cmd": ["run", "--config", "/etc/a.json"], "entrypoint": ["/usr/bin/orchestrator-agent"],
                    "env": ["PATH=/bin", "AGENT_VERSION=1.0.0"], "user": "agent", "working_dir": "/", "labels": ["v": "1"],
                ])
    }

    /// What the upgrade helper needs to recreate the agent's own container.
    @Test func inspectCarriesWhatRecreatingNeeds() throws {
        let r = try ContainerDecoders.inspect(try parse(Captured.agentContainer))
        #expect(r["image"] == "orchestrator-agent:lab-v1")
        #expect(r["image_id"] == "sha256:5b0ed0c0a6c1a21c7b47b1e2bb1ed0a2e9e0f1f3c4d5e6f708192a3b4c5d6e7f")
        #expect(
            r["config"]
                == [
                    "cmd": ["run", "--config", "/etc/orchestrator-agent/site.json"], "entrypoint": ["/usr/bin/orchestrator-agent"],
                    "env": ["SITE=lab", "AGENT_VERSION=1.0.0-lab"], "user": "", "working_dir": "",
                ])
        let host = try #require(r["host_config"]?.objectValue)
        #expect(host["network_mode"] == "host")
        #expect(host["binds"] == ["/srv/state:/var/lib/orchestrator-agent"])
        #expect(host["mounts"] == [["Type": "bind", "Source": "/run/docker.sock", "Target": "/var/run/docker.sock"]])
        #expect(host["privileged"] == false)
        #expect(host["pid_mode"] == "")
        #expect(host["group_add"] == ["999"])
        #expect(host["restart_policy"] == "unless-stopped")
        #expect(
            r["mounts"]
                == [
                    ["type": "bind", "name": .null, "source": "/srv/state", "destination": "/var/lib/orchestrator-agent", "rw": true],
                    ["type": "volume", "name": "3f2a", "source": "/var/lib/docker/volumes/3f2a/_data", "destination": "/data", "rw": true],
                ])
    }

    @Test func aStringEntrypointReadsAsAList() {
        #expect(ContainerDecoders.processConfig(["Entrypoint": "/bin/sh"]).objectValue?["entrypoint"] == ["/bin/sh"])
        #expect(ContainerDecoders.processConfig(["Cmd": .null]).objectValue?["cmd"] == .null)
    }

    @Test func versionNegotiation() throws {
        let o = try #require(try parse(Captured.version).objectValue)
        let info = try EngineInfo(decoding: o, override: nil)
        #expect(info.negotiated == APIVersion(1, 41))
        #expect(info.json["api_version"] == "1.41")
        #expect(info.json["engine_version"] == "20.10.24+dfsg1")
        #expect(info.json["min_api_version"] == "1.12")
        #expect(info.json["os"] == "linux")
        #expect(info.json["arch"] == "amd64")
        var newer = o
        newer["ApiVersion"] = "1.50"
        #expect(try EngineInfo(decoding: newer, override: nil).negotiated == APIVersion(1, 47))
        #expect(try EngineInfo(decoding: newer, override: APIVersion(1, 44)).negotiated == APIVersion(1, 44))
        newer["ApiVersion"] = "latest"
        #expect(throws: DockerEngineError.self) { try EngineInfo(decoding: newer, override: nil) }
    }

    @Test func apiVersionsParseAndCompare() {
        #expect(APIVersion("1.41") == APIVersion(1, 41))
        #expect(APIVersion("1.9")! < APIVersion("1.41")!)
        #expect(APIVersion("2.0")! > APIVersion(1, 47))
        for bad in ["", "1", "1.", ".4", "v1.41", "1.4.1", "a.b", "-1.2"] { #expect(APIVersion(bad) == nil) }
        #expect(APIVersion(1, 41).pathPrefix == "/v1.41")
    }
}
