#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a container's CPU and memory use straight from its cgroup (v1 or v2), found through its
/// main process: `/proc/<pid>/cgroup` names the group, `/proc/self/mountinfo` where that
/// hierarchy is mounted here. Microseconds instead of the engine's one-shot stats, which on
/// Engine 20.10 take up to a second each. Nil whenever something is not readable (another mount
/// namespace, no host PID namespace): callers then ask the engine.
public enum CgroupSampler {
    /// One sample of the cgroup of process `pid`, in the shape of the `container.stats` result.
    public static func sample(pid: Int32, procRoot: String = "/proc") -> CgroupSample? {
        guard pid > 0, let groups = read("\(procRoot)/\(pid)/cgroup"), let mounts = read("\(procRoot)/self/mountinfo") else {
            return nil
        }
        let table = CgroupMounts(mountinfo: mounts)
        let membership = CgroupMembership(text: groups)
        var cpu: Double? = nil
        var memory: Double? = nil
        var limit: Double? = nil
        if let dir = table.v1Directory(controller: "cpuacct", membership: membership) {
            cpu = number(read(dir + "/cpuacct.usage"))
        }
        if let dir = table.v1Directory(controller: "memory", membership: membership) {
            let stat = keyed(read(dir + "/memory.stat"))
            if let usage = number(read(dir + "/memory.usage_in_bytes")) {
                memory = max(0, usage - (stat["total_inactive_file"] ?? 0))
            }
            limit = number(read(dir + "/memory.limit_in_bytes"))
        }
        if cpu == nil || memory == nil, let dir = table.v2Directory(membership: membership) {
            if cpu == nil, let usec = keyed(read(dir + "/cpu.stat"))["usage_usec"] { cpu = usec * 1000 }
            if memory == nil, let current = number(read(dir + "/memory.current")) {
                memory = max(0, current - (keyed(read(dir + "/memory.stat"))["inactive_file"] ?? 0))
                limit = number(read(dir + "/memory.max"))  // "max" → nil: unlimited
            }
        }
        guard let cpu, let memory, let system = systemCPUNanoseconds(procRoot: procRoot) else { return nil }
        return CgroupSample(
            cpuTotalNanoseconds: cpu, systemCPUNanoseconds: system,
            onlineCPUs: Double(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))), memoryBytes: memory, memoryLimitBytes: limit ?? 0)
    }

    /// The host's total CPU time in nanoseconds (first line of /proc/stat), as the engine counts it.
    static func systemCPUNanoseconds(procRoot: String) -> Double? {
        guard let stat = read("\(procRoot)/stat"), let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ") else {
            return nil
        }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }.reduce(0, +)
        let hz = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
        return ticks / hz * 1e9
    }

    static func number(_ text: String?) -> Double? {
        text.flatMap { Double($0.split(separator: "\n").first.map(String.init) ?? "") }
    }

    static func keyed(_ text: String?) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in (text ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = Double(parts[1]) { out[String(parts[0])] = v }
        }
        return out
    }

    /// A small file read in one go (cgroup and proc files are tiny); nil when unreadable.
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return nil }
            if n == 0 { break }
            out += buffer[0..<n]
            if out.count > 1 << 20 { return nil }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// One cgroup sample, in the units of the `container.stats` result.
public struct CgroupSample: Sendable, Equatable {
    /// The group's CPU time.
    public var cpuTotalNanoseconds: Double
    /// The host's CPU time.
    public var systemCPUNanoseconds: Double
    /// CPUs online.
    public var onlineCPUs: Double
    /// Memory in use without the inactive page cache.
    public var memoryBytes: Double
    /// The group's limit (0: unlimited).
    public var memoryLimitBytes: Double
}

/// `/proc/<pid>/cgroup`: hierarchy id → controllers and path.
public struct CgroupMembership: Sendable {
    /// (controllers, path); cgroup v2 has empty controllers.
    public var entries: [(controllers: [String], path: String)] = []

    /// Parses the text of `/proc/<pid>/cgroup`.
    public init(text: String) {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            entries.append((parts[1].split(separator: ",").map(String.init), String(parts[2])))
        }
    }
}

/// The cgroup mounts of this process's mount namespace (`/proc/self/mountinfo`).
public struct CgroupMounts: Sendable {
    /// (root inside the hierarchy, mount point, fstype, super options)
    public var mounts: [(root: String, point: String, type: String, options: [String])] = []

    /// Parses the text of `/proc/self/mountinfo`.
    public init(mountinfo: String) {
        for line in mountinfo.split(separator: "\n") {
            guard let dash = line.firstRange(of: " - ") else { continue }
            let left = line[..<dash.lowerBound].split(separator: " ")
            let right = line[dash.upperBound...].split(separator: " ")
            guard left.count >= 5, right.count >= 3, right[0] == "cgroup" || right[0] == "cgroup2" else { continue }
            mounts.append((String(left[3]), Self.unescape(String(left[4])), String(right[0]), right[2].split(separator: ",").map(String.init)))
        }
    }

    /// Mountinfo escapes spaces and the like as `\040`.
    static func unescape(_ s: String) -> String {
        s.replacing("\\040", with: " ")
    }

    /// The folder of `controller`'s v1 group of `membership` under its mount here; nil when absent.
    public func v1Directory(controller: String, membership: CgroupMembership) -> String? {
        guard let entry = membership.entries.first(where: { $0.controllers.contains(controller) }),
            let m = mounts.first(where: { $0.type == "cgroup" && $0.options.contains(controller) })
        else { return nil }
        return Self.join(m, entry.path)
    }

    /// The folder of the v2 group of `membership` under the cgroup2 mount here; nil when absent.
    public func v2Directory(membership: CgroupMembership) -> String? {
        guard let entry = membership.entries.first(where: { $0.controllers.isEmpty || $0.controllers == [""] }),
            let m = mounts.first(where: { $0.type == "cgroup2" })
        else { return nil }
        return Self.join(m, entry.path)
    }

    /// The group's folder under the mount: the path is relative to the hierarchy root, the mount
    /// may show only a sub-tree of it.
    static func join(_ m: (root: String, point: String, type: String, options: [String]), _ path: String) -> String? {
        let root = m.root == "/" ? "" : m.root
        guard path.hasPrefix(root) else { return nil }
        return m.point + String(path.dropFirst(root.count))
    }
}
