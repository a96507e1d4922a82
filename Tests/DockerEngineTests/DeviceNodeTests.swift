import ContainerEngineSupport
import AgentJSON
import Foundation
import Testing

@testable import DockerEngine

/// `container.device_node` / `container.device_node_remove`: parameter checks (before any engine
/// call) and the host-node check, without an engine. The mount itself is tested end to end in
/// the vPLC lab (`VPLCLab.Serial`: a pty pair through a real container).
@Suite struct DeviceNodeTests {
    private let offline = OfflineService()

    private func failure(_ method: String, _ params: JSONObject) async -> DockerEngineError? { await offline.failure(method, params) }

    @Test("bad parameters are bad_params naming the field, before the engine is asked")
    func params() async {
        let cases: [(String, JSONObject, String)] = [
            ("container.device_node", ["host_path": "/dev/null", "container_path": "/dev/x"], "id"),
            ("container.device_node", ["id": "plc1", "container_path": "/dev/x"], "host_path"),
            ("container.device_node", ["id": "plc1", "host_path": "/dev/null"], "container_path"),
            ("container.device_node", ["id": "plc1", "host_path": "/dev/null", "container_path": "dev/x"], "container_path"),
            ("container.device_node", ["id": "plc1", "host_path": "/dev/null", "container_path": "/dev/../etc/x"], "container_path"),
            ("container.device_node", ["id": "plc1", "host_path": "/dev/null", "container_path": "/"], "container_path"),
            ("container.device_node", ["id": "plc1", "host_path": "null", "container_path": "/dev/x"], "host_path"),
            ("container.device_node_remove", ["id": "plc1"], "container_path"),
            ("container.device_node_remove", ["id": "plc1", "container_path": "/dev/./x"], "container_path"),
        ]
        for (method, params, field) in cases {
            let e = await failure(method, params)
            #expect(e?.code == .badParams, "\(method) \(params)")
            #expect(e?.field == field, "\(method) \(params)")
        }
        // Good parameters reach the engine (absent here).
        let e = await failure("container.device_node", ["id": "plc1", "host_path": "/dev/null", "container_path": "/dev/ttyS0"])
        #expect(e?.code == .engineUnreachable)
        #expect(ContainerDriverService.methods.contains("container.device_node"))
        #expect(ContainerDriverService.methods.contains("container.device_node_remove"))
    }

    @Test("the host node must be a character device")
    func hostNode() {
        #expect(throws: DockerEngineError.self) { try DeviceNodes.bind(pid: 1, hostPath: "/nonexistent-\(getpid())", containerPath: "/dev/x") }
        do {
            try DeviceNodes.bind(pid: 1, hostPath: "/etc/hostname", containerPath: "/dev/x")
            Issue.record("a regular file was accepted")
        } catch {
            #expect(error.code == .hostNodeInvalid)
            #expect(error.field == "host_path")
        }
    }
}
