import AgentJSON
import NetmonCore

extension CommandHandler {
    /// `bind_device_node` / `remove_device_node` on a worker (each forks a child that enters the
    /// container's mount namespace): serial passthrough without a process in the container.
    func deviceNodeCommand(_ command: NetmonCommand, ok: @escaping (JSONObject) -> Void, fail: @escaping (NetmonError) -> Void) {
        switch command {
        case .bindDeviceNode(let pid, let hostPath, let containerPath):
            offload({ () throws(NetmonError) in try DeviceNodeOps.bind(pid: pid, hostPath: hostPath, containerPath: containerPath) }) {
                result in
                switch result {
                case .success:
                    Log.info("device node \(hostPath) at \(containerPath) in the mount namespace of \(pid)")
                    ok(["message": .string("\(hostPath) mounted at \(containerPath)")])
                case .failure(let e): fail(e)
                }
            }
        case .removeDeviceNode(let pid, let containerPath):
            offload({ () throws(NetmonError) -> Bool in try DeviceNodeOps.remove(pid: pid, containerPath: containerPath) }) { result in
                switch result {
                case .success(let removed):
                    if removed { Log.info("device node at \(containerPath) removed in the mount namespace of \(pid)") }
                    ok(["removed": .bool(removed)])
                case .failure(let e): fail(e)
                }
            }
        default:
            fail(NetmonError(.invalidCommand, "not a device-node command", field: "command"))
        }
    }
}
