import ContainerEngineSupport
import AgentJSON
import Testing

@testable import PodmanEngine

/// libpod answers (captured from Podman 4.3.1 in the lab, trimmed) → the protocol's shapes.
struct DecoderTests {
    static func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    static let inspect = #"""
        {"Id":"97c5a827","Name":"c1","Image":"ed480105","ImageName":"localhost/lab/bb:latest","RestartCount":0,
         "State":{"Status":"running","Running":true,"Pid":5519,"ExitCode":0,"OOMKilled":false,
                  "StartedAt":"2026-12-07T11:18:44.4Z","FinishedAt":"0001-01-01T00:00:00Z","Health":{"Status":"","FailingStreak":0,"Log":null}},
         "Config":{"Env":["PATH=/bin","container=podman"],"Cmd":["sleep","1000"],"Image":"localhost/lab/bb:latest","WorkingDir":"/",
                   "Entrypoint":"","User":"","Labels":{"io.m":"true"}},
         "HostConfig":{"CapAdd":["CAP_NET_ADMIN"],"Ulimits":[{"Name":"RLIMIT_RTPRIO","Soft":99,"Hard":99}],"DeviceCgroupRules":null,
                       "RestartPolicy":{"Name":"","MaximumRetryCount":0},"Dns":[],"NanoCpus":0,"CpuQuota":0,"CpuPeriod":0,"Memory":0,
                       "NetworkMode":"bridge","Binds":[],"Mounts":null,"Privileged":false,"PidMode":"private","GroupAdd":[]},
         "NetworkSettings":{"Networks":{"lan1":{"Gateway":"192.168.79.1","IPAddress":"192.168.79.10","IPPrefixLen":24,
                                                "MacAddress":"02:11:22:33:44:55","NetworkID":"lan1"}}},
         "Mounts":[]}
        """#

    @Test func inspectSpeaksTheProtocolsVocabulary() throws {
        let o = try ContainerDecoders.inspect(try Self.json(Self.inspect))
        #expect(o["name"] == "c1")
        #expect(o["image"] == "localhost/lab/bb:latest")
        #expect(o["image_id"] == "sha256:ed480105")
        #expect(o["labels"] == ["io.m": "true"])
        #expect(o["config"]?.objectValue?["entrypoint"] == .null)
        #expect(o["config"]?.objectValue?["cmd"] == ["sleep", "1000"])
        let state = try #require(o["state"]?.objectValue)
        #expect(state["running"] == true && state["pid"] == 5519 && state["health"] == .null)
        let host = try #require(o["host_config"]?.objectValue)
        #expect(host["cap_add"] == ["NET_ADMIN"])
        #expect(host["ulimits"] == [["name": "rtprio", "soft": 99, "hard": 99]])
        #expect(host["restart_policy"] == "no")
        #expect(host["device_cgroup_rules"] == [])
        #expect(o["networks"] == ["lan1": ["network_id": "lan1", "ip_address": "192.168.79.10", "prefix": 24, "gateway": "192.168.79.1", "mac_address": "02:11:22:33:44:55"]])
    }

    @Test func listNamesNetworksInEveryState() throws {
        let list = try ContainerDecoders.list(
            try Self.json(#"[{"Id":"97c5","Names":["c1"],"Image":"localhost/lab/bb:latest","Labels":{"io.m":"true"},"State":"exited","Status":"","Networks":["int1","lan1"]}]"#))
        #expect(list == [["id": "97c5", "name": "c1", "image": "localhost/lab/bb:latest", "labels": ["io.m": "true"], "state": "exited", "status": "exited", "networks": ["int1", "lan1"]]])
        #expect(try ContainerDecoders.list(.null) == [])
        #expect(throws: PodmanEngineError.self) { try ContainerDecoders.list(try Self.json(#"[{"Names":["x"]}]"#)) }
    }

    @Test func networkInspectJoinsLibpodAndTheCompatContainers() throws {
        let podman = try Self.json(#"""
            {"name":"lan1","id":"dbbb","driver":"macvlan","network_interface":"eth-lab","subnets":[{"subnet":"192.168.77.0/24","gateway":"192.168.77.1",
             "lease_range":{"start_ip":"192.168.77.241","end_ip":"192.168.77.254"}}],"internal":false,"labels":{"io.x":"1"},"options":{"mode":"bridge"}}
            """#)
        let compat = try Self.json(#"""
            {"Name":"lan1","Containers":{"97c5":{"Name":"c2","MacAddress":"02:11:22:33:44:55","IPv4Address":"192.168.77.10/24"},
                                        "90d8":{"Name":"c3","MacAddress":"","IPv4Address":""}}}
            """#)
        let o = try NetworkDecoders.inspect(podman, compat: compat)
        #expect(o["options"] == ["mode": "bridge", "parent": "eth-lab"])
        #expect(o["subnet"] == "192.168.77.0/24" && o["gateway"] == "192.168.77.1" && o["ip_range"] == "192.168.77.240/28")
        // Only running containers (with an address), as the protocol says.
        #expect(o["containers"] == ["97c5": ["name": "c2", "ipv4_address": "192.168.77.10", "mac_address": "02:11:22:33:44:55"]])
        let bridge = try NetworkDecoders.list(try Self.json(#"[{"name":"i","id":"6b87","driver":"bridge","network_interface":"podman1","subnets":[{"subnet":"10.99.1.0/28","gateway":"10.99.1.1"}],"internal":true}]"#))
        #expect(bridge.first?.objectValue?["options"] == [:])
        #expect(bridge.first?.objectValue?["internal"] == true)
        #expect(bridge.first?.objectValue?["ip_range"] == .null)
    }

    @Test func compatEventsKeepDockersVocabulary() throws {
        let e = try PodmanEvent(decoding: try #require(try Self.json(#"""
            {"status":"die","id":"97c5","Type":"container","Action":"die","Actor":{"ID":"97c5","Attributes":{"containerExitCode":"137","exitCode":"137","name":"c2","io.m":"true"}},"time":1796642352}
            """#).objectValue))
        #expect(e.kind == "container.die" && e.verb == "die")
        #expect(e.payload["name"] == "c2" && e.payload["id"] == "97c5")
        #expect(e.payload["attributes"]?.objectValue?["exitCode"] == "137")
        #expect(throws: PodmanEngineError.self) { try PodmanEvent(decoding: ["Type": "container"]) }
    }

    @Test func actionsAreFilteredByTheDriverTypesAndLabelsByPodman() throws {
        let f = try ContainerDriverService.eventFilter(["type": ["container"], "event": ["die", "start"], "label": ["a=b"]])
        #expect(f.server == ["type": ["container"], "label": ["a=b"]])
        #expect(f.actions == ["die", "start"])
        #expect(throws: PodmanEngineError.self) { try ContainerDriverService.eventFilter(["event": "die"]) }
    }

    @Test func linesAreSplitWhateverTheChunking() throws {
        var s = LineSplitter()
        #expect(try s.append(Array(#"{"a":1}"#.utf8)) == [])
        #expect(s.hasPartialLine)
        #expect(try s.append(Array("\n{\"b\"".utf8)) == [Array(#"{"a":1}"#.utf8)])
        #expect(try s.append(Array(":2}\n\n".utf8)) == [Array(#"{"b":2}"#.utf8)])
        #expect(!s.hasPartialLine)
    }

    @Test func libpodStatsAndErrors() throws {
        let o = try StatsDecoder.libpod(try Self.json(#"{"Error":null,"Stats":[{"CPUNano":500,"SystemNano":9000,"MemUsage":4096,"MemLimit":8192,"OnlineCPUs":2}]}"#))
        #expect(o == ["read": "", "cpu_total_ns": 500, "system_cpu_ns": 9000, "online_cpus": 2, "memory_bytes": 4096, "memory_limit_bytes": 8192])
        #expect(throws: PodmanEngineError.self) { try StatsDecoder.libpod(try Self.json(#"{"Error":{"message":"no such"},"Stats":null}"#)) }
        let error = EngineDialect.podman.failure(status: 409, body: Array(#"{"cause":"network already exists","message":"network name int1 already used: network already exists","response":409}"#.utf8))
        #expect(error.code == .engineConflict && error.message == "network name int1 already used: network already exists" && error.httpStatus == 409)
        #expect(EngineDialect.podman.failure(status: 500, body: []).code == .engineError)
        // Podman's 500s with a known cause get Docker's codes.
        let inUse = EngineDialect.podman.failure(status: 500, body: Array(#"{"cause":"network is being used","message":"n9 has associated containers with it.","response":500}"#.utf8))
        #expect(inUse.code == .engineForbidden && inUse.httpStatus == 500)
        #expect(EngineDialect.podman.failure(status: 500, body: Array(#"{"cause":"network not found","message":"unable to find network","response":500}"#.utf8)).code == .engineNotFound)
        #expect(EngineDialect.podman.failure(status: 500, body: Array(#"{"cause":"OCI runtime error","message":"runc failed","response":500}"#.utf8)).code == .engineError)
    }
}
