#if canImport(Glibc)
import Glibc
#endif
import CDeviceNode
import NetmonCore

/// Host character devices put into a container by bind-mounting the host's node in the
/// container's mount namespace (CDeviceNode: a forked child enters `/proc/<pid>/ns/mnt`), never
/// a process in the container; the sidecar has what that needs (root, the host's PID namespace
/// and `/dev`). Blocking: call on a worker thread.
enum DeviceNodeOps {
    /// Bind-mounts `hostPath` at `containerPath` in the mount namespace of `pid`, replacing a
    /// node mounted there before.
    /// - Throws: `host_node_invalid`, `no_such_process`, `device_node_failed` (the step and errno text).
    static func bind(pid: Int32, hostPath: String, containerPath: String) throws(NetmonError) {
        var st = stat()
        guard stat(hostPath, &st) == 0 else {
            throw NetmonError(.hostNodeInvalid, "host node \(hostPath): \(errnoText(errno))", field: "host_path")
        }
        guard (st.st_mode & S_IFMT) == S_IFCHR else {
            throw NetmonError(.hostNodeInvalid, "host node \(hostPath) is not a character device", field: "host_path")
        }
        var stage: Int32 = 0
        let rc = cdn_bind_node(pid, hostPath, containerPath, &stage)
        if rc != 0 { throw failure(rc, stage: stage, pid: pid, path: containerPath, host: hostPath) }
    }

    /// Unmounts the node at `containerPath` in the mount namespace of `pid` and removes its
    /// placeholder; answers whether a node was there.
    /// - Throws: `no_such_process`, `device_node_failed`.
    static func remove(pid: Int32, containerPath: String) throws(NetmonError) -> Bool {
        var stage: Int32 = 0
        var removed: Int32 = 0
        let rc = cdn_remove_node(pid, containerPath, &removed, &stage)
        if rc != 0 { throw failure(rc, stage: stage, pid: pid, path: containerPath, host: nil) }
        return removed != 0
    }

    private static func failure(_ rc: Int32, stage: Int32, pid: Int32, path: String, host: String?) -> NetmonError {
        let text = errnoText(rc)
        let step: String
        switch UInt32(stage) {
        case CDN_STAGE_HOST_NODE.rawValue:
            return NetmonError(.hostNodeInvalid, "host node \(host ?? "?"): \(text)", field: "host_path")
        case CDN_STAGE_NAMESPACE.rawValue:
            if rc == -ENOENT || rc == -ESRCH { return NetmonError(.noSuchProcess, "No such process: \(pid)", field: "container_pid") }
            step = "entering the mount namespace of \(pid)"
        case CDN_STAGE_DIRECTORIES.rawValue: step = "making the parent directories of \(path)"
        case CDN_STAGE_PLACEHOLDER.rawValue: step = "making the placeholder file \(path) (a directory or symlink there is refused)"
        case CDN_STAGE_MOUNT.rawValue: step = "mounting the node at \(path)"
        case CDN_STAGE_UNMOUNT.rawValue: step = "unmounting the node at \(path)"
        default: step = "running the helper process"
        }
        return NetmonError(.deviceNodeFailed, "\(step): \(text)")
    }
}
