#if canImport(Glibc)
import ContainerEngineSupport
import Glibc
#endif
import AgentJSON
import CDeviceNode

/// Puts a host character device into a running container, or takes it out again, by bind-mounting
/// the host's node in the container's mount namespace (CDeviceNode; never a process in the
/// container). The container's device cgroup must allow the device's major (the create's
/// `DeviceCgroupRules`), else the node is there but opens with EPERM.
public enum DeviceNodes {
    /// Checks a container path: absolute, at most 4096 bytes, no `.`/`..` components, no control
    /// characters, not `/` itself.
    /// - Throws: `bad_params` on `field`.
    public static func checkContainerPath(_ path: String, field: String = "container_path") throws(DockerEngineError) {
        let parts = path.split(separator: "/")
        guard path.hasPrefix("/"), !parts.isEmpty, path.utf8.count <= 4096, !parts.contains(".."), !parts.contains("."),
            !path.utf8.contains(where: { $0 < 0x20 })
        else { throw .badParams(field, "'\(field)' must be an absolute path without '.' or '..' components") }
    }

    /// Bind-mounts `hostPath` at `containerPath` inside the mount namespace of `pid` (replacing a
    /// node mounted there before).
    /// - Throws: `host_node_invalid`, `device_node_failed` (the step and errno text).
    public static func bind(pid: Int32, hostPath: String, containerPath: String) throws(DockerEngineError) {
        var st = stat()
        guard stat(hostPath, &st) == 0 else {
            throw DockerEngineError(.hostNodeInvalid, "host node \(hostPath): \(String(cString: strerror(errno)))", field: "host_path")
        }
        guard (st.st_mode & S_IFMT) == S_IFCHR else {
            throw DockerEngineError(.hostNodeInvalid, "host node \(hostPath) is not a character device", field: "host_path")
        }
        var stage: Int32 = 0
        let rc = cdn_bind_node(pid, hostPath, containerPath, &stage)
        if rc != 0 { throw failure(rc, stage: stage, path: containerPath, host: hostPath) }
    }

    /// Unmounts the node at `containerPath` in the mount namespace of `pid` and removes its
    /// placeholder file; answers whether a node was there.
    /// - Throws: `device_node_failed`.
    public static func remove(pid: Int32, containerPath: String) throws(DockerEngineError) -> Bool {
        var stage: Int32 = 0
        var removed: Int32 = 0
        let rc = cdn_remove_node(pid, containerPath, &removed, &stage)
        if rc != 0 { throw failure(rc, stage: stage, path: containerPath, host: nil) }
        return removed != 0
    }

    static func failure(_ rc: Int32, stage: Int32, path: String, host: String?) -> DockerEngineError {
        let text = String(cString: strerror(-rc))
        let step: String
        switch UInt32(stage) {
        case CDN_STAGE_HOST_NODE.rawValue:
            return DockerEngineError(.hostNodeInvalid, "host node \(host ?? "?"): \(text)", field: "host_path")
        case CDN_STAGE_NAMESPACE.rawValue:
            step = "entering the container's mount namespace (the agent needs the host's PID namespace and CAP_SYS_ADMIN)"
        case CDN_STAGE_DIRECTORIES.rawValue: step = "making the parent directories of \(path)"
        case CDN_STAGE_PLACEHOLDER.rawValue: step = "making the placeholder file \(path) (a directory or symlink there is refused)"
        case CDN_STAGE_MOUNT.rawValue: step = "mounting the node at \(path)"
        case CDN_STAGE_UNMOUNT.rawValue: step = "unmounting the node at \(path)"
        default: step = "running the helper process"
        }
        return DockerEngineError(.deviceNodeFailed, "\(step): \(text)")
    }
}
