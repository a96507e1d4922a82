import AgentJSON
import ContainerEngineSupport

extension ContainerDriverService {
    /// `container.device_node {id, host_path, container_path}` → `{pid, container_path}`;
    /// `container.device_node_remove {id, container_path}` → `{removed: Bool}`.
    /// The container must run (its PID is the way into its mount namespace).
    func deviceNode(_ method: String, _ p: Params, timeout: Duration) async throws(DockerEngineError) -> JSONValue {
        let id = try p.string("id")
        let containerPath = try p.string("container_path")
        try DeviceNodes.checkContainerPath(containerPath)
        let hostPath = method == "container.device_node" ? try p.string("host_path") : nil
        if let hostPath { try DeviceNodes.checkContainerPath(hostPath, field: "host_path") }
        let inspect = try await engine.inspectContainer(id, timeout: timeout)
        let state = inspect["state"]?.objectValue ?? [:]
        guard state["running"]?.boolValue == true, let pid = state["pid"]?.numberValue, pid > 0, pid < 4_194_305 else {
            throw DockerEngineError(.containerNotRunning, "container \(id) does not run: no mount namespace to change", field: "id")
        }
        if let hostPath {
            try DeviceNodes.bind(pid: Int32(pid), hostPath: hostPath, containerPath: containerPath)
            return ["pid": .number(pid), "container_path": .string(containerPath)]
        }
        return ["removed": .bool(try DeviceNodes.remove(pid: Int32(pid), containerPath: containerPath))]
    }
}
