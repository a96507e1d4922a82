/// Path joining under a configurable host root (the host's `/` may be mounted at e.g. `/host`).
public enum HostPath {
    /// Joins `root` and an absolute-or-relative `path` with exactly one slash between them and no
    /// trailing slash (except for `/` itself): `join("/", "/proc/stat") == "/proc/stat"`,
    /// `join("/host/", "/boot") == "/host/boot"`, `join("/host", "/") == "/host"`,
    /// `join("", "proc") == "/proc"`. An empty `root` means `/`.
    public static func join(_ root: String, _ path: String) -> String {
        let trimmedRoot = root.reversed().drop(while: { $0 == "/" }).reversed()
        let trimmedPath = path.drop(while: { $0 == "/" })
        var tail = String(trimmedPath)
        while tail.hasSuffix("/") { tail.removeLast() }
        let base = String(trimmedRoot)
        if tail.isEmpty { return base.isEmpty ? "/" : base }
        return base + "/" + tail
    }
}
