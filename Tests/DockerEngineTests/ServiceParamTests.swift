import ContainerEngineSupport
import AgentJSON
import Foundation
import Testing

@testable import DockerEngine

/// Parameter validation, dispatch and configuration, without an engine: every one of these
/// fails before any request is made (the socket does not exist).
@Suite struct ServiceParamTests {
    private let offline = OfflineService()

    private func failure(_ method: String, _ params: JSONObject) async -> DockerEngineError? { await offline.failure(method, params) }

    private let goodCreate: JSONObject = [
        "name": "plc1", "image": "img", "labels": [:], "host_config": [:], "networks": [["network": "lan"]],
    ]

    @Test func unknownMethods() async {
        let e = await failure("container.explode", [:])
        #expect(e?.code == .unknownMethod)
        #expect(await failure("nope", [:])?.code == .unknownMethod)
    }

    @Test(arguments: [
        ("container.start", [:], "id"),
        ("container.start", ["id": 5], "id"),
        ("container.start", ["id": ""], "id"),
        ("container.stop", ["id": "x", "timeout_s": "10"], "timeout_s"),
        ("container.stop", ["id": "x", "timeout_s": 1.5], "timeout_s"),
        ("container.remove", ["id": "x", "force": "yes"], "force"),
        ("container.list", [:], "labels"),
        ("container.list", ["labels": ["k": 1]], "labels.k"),
        ("image.inspect", ["ref": []], "ref"),
        ("image.import", ["tar_path": "/x", "repo": "r"], "tag"),
        ("network.create", ["name": "n"], "driver"),
        ("network.create", ["name": "n", "driver": "bridge", "ipam": ["gateway": "1.2.3.4"]], "ipam.subnet"),
        ("network.create", ["name": "n", "driver": "bridge", "options": ["parent": true]], "options.parent"),
        ("network.connect", ["network": "n"], "container"),
        ("network.connect", ["network": "n", "container": "c", "ipv4_address": 7], "ipv4_address"),
        ("container.inspect", ["id": "x", "timeout_ms": 0], "timeout_ms"),
        ("container.rename", ["id": "x"], "name"),
        ("container.rename", ["name": "y"], "id"),
        ("container.update", ["id": "x"], "restart_policy"),
        ("container.update", ["id": "x", "restart_policy": "sometimes"], "restart_policy"),
        ("container.create", ["name": "n", "image": "i", "labels": [:], "host_config": [:], "networks": [["network": "h"]], "entrypoint": "sh"], "entrypoint"),
        ("container.create", ["name": "n", "image": "i", "labels": [:], "host_config": [:], "networks": [["network": "h"]], "user": 0], "user"),
    ] as [(String, JSONObject, String)])
    func badParamsNameTheField(method: String, params: JSONObject, field: String) async {
        let e = await failure(method, params)
        #expect(e?.code == .badParams, "\(method) \(params)")
        #expect(e?.field == field, "\(method) \(params)")
    }

    @Test func createValidatesEveryPart() async {
        var p = goodCreate
        p["networks"] = []
        #expect(await failure("container.create", p)?.field == "networks")
        p["networks"] = [["network": "lan"], ["network": "int", "ipv4_address": 3]]
        #expect(await failure("container.create", p)?.field == "networks[1].ipv4_address")
        p["networks"] = [["network": "lan"], "int"]
        #expect(await failure("container.create", p)?.field == "networks[1]")
        p = goodCreate
        p["labels"] = nil
        #expect(await failure("container.create", p)?.field == "labels")
        p = goodCreate
        p["host_config"] = "privileged"
        #expect(await failure("container.create", p)?.field == "host_config")
        p = goodCreate
        p["cmd"] = ["sh", 1]
        #expect(await failure("container.create", p)?.field == "cmd[1]")
        p = goodCreate
        p["labels"] = ["a": ["b"]]
        #expect(await failure("container.create", p)?.field == "labels.a")
    }

    @Test func validParamsReachTheEngineWhichIsUnreachable() async {
        // Proves validation passed and the error mapping of a missing socket.
        let e = await failure("container.create", goodCreate)
        #expect(e?.code == .engineUnreachable)
        #expect(await failure("engine.ping", [:])?.code == .engineUnreachable)
    }

    @Test func importNeedsARegularFile() async {
        let e = await failure("image.import", ["tar_path": "/nonexistent/x.tar", "repo": "r", "tag": "t"])
        #expect(e?.code == .badParams)
        #expect(e?.field == "tar_path")
        #expect(await failure("image.import", ["tar_path": "/tmp", "repo": "r", "tag": "t"])?.field == "tar_path")
    }

    @Test func subscriptionFilters() throws {
        let f = try ContainerDriverService.eventFilter(["type": ["container"], "event": ["die"], "label": ["a=b"], "other": 1])
        #expect(f == EventFilter(types: ["container"], actions: ["die"], labels: ["a=b"]))
        #expect(try ContainerDriverService.eventFilter([:]) == EventFilter())
        let e = #expect(throws: DockerEngineError.self) { try ContainerDriverService.eventFilter(["event": "die"]) }
        #expect(e?.field == "event")
    }

    @Test func settingsFromConfig() throws {
        let s = try DriverSettings(
            config: ["socket": "unix:///run/d.sock", "api_version": "1.44", "call_timeout_ms": 5000, "pull_timeout_ms": 60000],
            dockerHost: "unix:///ignored.sock")
        #expect(s.socketPath == "/run/d.sock")
        #expect(s.apiVersion == APIVersion(1, 44))
        #expect(s.callTimeout == .seconds(5))
        #expect(s.pullTimeout == .seconds(60))
        let d = try DriverSettings(config: [:], dockerHost: nil)
        #expect(d == DriverSettings())
        #expect(try DriverSettings(config: [:], dockerHost: "unix:///tmp/x.sock").socketPath == "/tmp/x.sock")
        for (bad, field) in [
            (["api_version": "latest"], "config.api_version"), (["api_version": 1.41], "config.api_version"),
            (["call_timeout_ms": 0], "config.call_timeout_ms"), (["pull_timeout_ms": "9"], "config.pull_timeout_ms"),
            (["socket": 3], "config.socket"),
        ] as [(JSONObject, String)] {
            let e = #expect(throws: DockerEngineError.self) { try DriverSettings(config: bad, dockerHost: nil) }
            #expect(e?.code == .badConfig)
            #expect(e?.field == field)
        }
    }

    @Test func onlyUnixSocketsAreAccepted() throws {
        #expect(try DockerSocket.resolve(configured: nil, dockerHost: nil) == "/var/run/docker.sock")
        #expect(try DockerSocket.resolve(configured: "/a.sock", dockerHost: "unix:///b.sock") == "/a.sock")
        #expect(try DockerSocket.resolve(configured: "", dockerHost: "unix:///b.sock") == "/b.sock")
        for bad in ["tcp://1.2.3.4:2375", "ssh://host", "unix://relative.sock", "docker.sock"] {
            let e = #expect(throws: DockerEngineError.self) { try DockerSocket.resolve(configured: nil, dockerHost: bad) }
            #expect(e?.code == .badConfig)
        }
    }
}
