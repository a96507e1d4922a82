/// Which container this process runs in, read from `/proc/self/mountinfo`: the engine
/// bind-mounts `/etc/hostname`, `/etc/hosts` and `/etc/resolv.conf` from
/// `<data-root>/containers/<64-hex id>/`, whatever the network mode, cgroup version or
/// hostname (with host networking `HOSTNAME` names the host, not the container).
public enum SelfContainer {
    /// The mount points whose source names the container.
    static let markers: Set<Substring> = ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"]

    /// The container id, or nil when `mountinfo` shows no engine-made mount (not in a container).
    public static func id(mountinfo: String) -> String? {
        for line in mountinfo.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // id parent major:minor root mount-point …
            guard fields.count > 4, markers.contains(fields[4]) else { continue }
            if let id = containerID(inPath: fields[3]) { return id }
        }
        return nil
    }

    /// The `<64 hex>` after a `/containers/` path component, if any.
    static func containerID(inPath path: Substring) -> String? {
        let parts = path.split(separator: "/")
        for (i, p) in parts.enumerated() where p == "containers" && i + 1 < parts.count {
            let candidate = parts[i + 1]
            if candidate.utf8.count == 64, candidate.allSatisfy(\.isHexDigit) { return String(candidate) }
        }
        return nil
    }
}
