import AgentJSON
import Foundation
import LabSupport
import Testing

/// The local path: `orchestrator-agent invoke` loads the same plugins in a one-shot process;
/// a long operation is awaited there and its end is in the answer's `result`.
extension VPLCLab {
@Suite("orchestrator-agent invoke")
struct Invoke {
    @Test("create, status, stop, delete through invoke")
    func invokePath() async throws {
        let lab = try await DockerLab.sharedAsync()
        let plugins = try PluginLab()
        let config = try plugins.writeConfig([
            try plugins.entry(id: "io.autonomy.docker", path: try plugins.install("agent-docker"), config: ["socket": .string(lab.socketPath)]),
            try plugins.entry(
                id: "io.autonomy.runtime", path: try plugins.install("agent-runtime"),
                config: ["image_repository": .string(lab.runtimeImageRepo)]),
        ])
        func invoke(_ topic: String, _ message: JSONObject) async throws -> JSONObject {
            let argv = ["invoke", "--config", config, topic, JSONWriter.string(.object(message))]
            let r = try await DockerLab.blocking { try CommandRunner.run([BuildProducts.executable("orchestrator-agent")] + argv) }
            guard let o = try? JSONParser.parse(r.stdout).objectValue else { throw LabError("invoke \(topic): \(r.stdout)\(r.stderr)") }
            return o
        }
        let device = uniqueDevice("cli")
        let create = try await invoke(
            "create_new_runtime",
            [
                "container_name": .string(device),
                "vnic_configs": [[
                    "name": "lan", "parent_interface": .string(lab.parentInterface), "network_mode": "static",
                    "ip": .string(lab.lanAddress(60)), "subnet": .string(lab.lanSubnet), "gateway": .string(lab.lanGateway),
                ]],
            ])
        #expect(create["status"] == "creating")
        #expect(create["result"]?.objectValue?["status"] == "succeeded", "\(create)")
        let status = try await invoke("get_device_status", ["device_id": .string(device)])
        #expect(status["status"] == "success" && status["is_running"] == true, "\(status)")
        let stop = try await invoke("stop_device", ["device_id": .string(device)])
        #expect(stop["result"]?.objectValue?["status"] == "succeeded")
        #expect(try await invoke("get_device_status", ["device_id": .string(device)])["is_running"] == false)
        let delete = try await invoke("delete_device", ["device_id": .string(device)])
        #expect(delete["result"]?.objectValue?["status"] == "succeeded")
        #expect(try await invoke("get_device_status", ["device_id": .string(device)])["status"] == "not_found")
        let version = try await invoke("get_orchestrator_version", [:])
        #expect(version["status"] == "success" && version["orchestrator_version"]?.stringValue != "unknown")
    }
}
}
