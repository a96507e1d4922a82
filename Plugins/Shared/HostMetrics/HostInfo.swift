#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Seconds since the Unix epoch (wall clock), for usage samples.
public enum WallSeconds {
    public static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

/// The static facts of `get_consumption_orchestrator` (spec §2.8): memory and disk totals, CPU
/// count, OS and kernel, the host's IPv4 addresses.
public struct HostInfo: Sendable, Equatable {
    public var memoryTotalMB: Int
    public var logicalCPUs: Int
    public var os: String
    public var kernel: String
    public var diskTotalGB: Int

    /// Reads them under `hostRoot` (`/etc/os-release`, `/proc/meminfo`, statvfs of `/`).
    public static func read(hostRoot: String, diskTotalGB: Double) -> HostInfo {
        var uts = utsname()
        uname(&uts)
        let release = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let system = withUnsafeBytes(of: &uts.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let osRelease = ProcFile.contents(of: HostPath.join(hostRoot, "/etc/os-release")) ?? ""
        let meminfo = ProcFile.contents(of: HostPath.join(hostRoot, "/proc/meminfo")) ?? ""
        return HostInfo(
            memoryTotalMB: memTotalKB(meminfo) / 1024, logicalCPUs: Int(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))),
            os: prettyName(osRelease) ?? "\(system) \(release)", kernel: release, diskTotalGB: Int(diskTotalGB))
    }

    /// `PRETTY_NAME` of an os-release file, unquoted.
    static func prettyName(_ text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            var v = line.dropFirst("PRETTY_NAME=".count)
            if v.first == "\"" || v.first == "'" { v = v.dropFirst() }
            if v.last == "\"" || v.last == "'" { v = v.dropLast() }
            return v.isEmpty ? nil : String(v)
        }
        return nil
    }

    static func memTotalKB(_ text: String) -> Int {
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    /// IPv4 addresses of the interfaces this process sees, loopback excluded.
    public static func ipv4Addresses() -> [(interface: String, address: String)] {
        var list: UnsafeMutablePointer<ifaddrs>? = nil
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var out: [(String, String)] = []
        var p = list
        while let entry = p {
            defer { p = entry.pointee.ifa_next }
            guard let addr = entry.pointee.ifa_addr, addr.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            let name = String(cString: entry.pointee.ifa_name)
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            var sin = UnsafeRawPointer(addr).loadUnaligned(as: sockaddr_in.self)
            guard inet_ntop(AF_INET, &sin.sin_addr, &text, socklen_t(INET_ADDRSTRLEN)) != nil else { continue }
            let ip = String(cString: text)
            if !ip.hasPrefix("127.") { out.append((name, ip)) }
        }
        return out
    }
}
