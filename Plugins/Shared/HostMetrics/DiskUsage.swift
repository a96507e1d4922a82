#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Disk accounting over a mount table, in bytes.
enum DiskUsage {
    /// Sums `(f_blocks − f_bfree) · f_frsize` (used) and `f_blocks · f_frsize` (total) over the
    /// physical mounts (`ProcParsers.isPhysical`) with a non-empty device, keeping only the first
    /// mount of each device, calling `statvfs` on `HostPath.join(hostRoot, mountPoint)`.
    /// Mounts whose `statvfs` fails are ignored. Sums saturate instead of trapping.
    static func sum(mounts: [MountEntry], hostRoot: String) -> (used: UInt64, total: UInt64) {
        var seenDevices = Set<String>()
        var used: UInt64 = 0
        var total: UInt64 = 0
        for mount in mounts where !mount.device.isEmpty && ProcParsers.isPhysical(fsType: mount.fsType) {
            guard seenDevices.insert(mount.device).inserted else { continue }
            var info = statvfs()
            guard statvfs(HostPath.join(hostRoot, mount.mountPoint), &info) == 0 else { continue }
            let frsize = UInt64(info.f_frsize)
            let blocks = UInt64(info.f_blocks)
            let free = min(UInt64(info.f_bfree), blocks)
            used = saturatingAdd(used, saturatingMultiply(blocks - free, frsize))
            total = saturatingAdd(total, saturatingMultiply(blocks, frsize))
        }
        return (used, total)
    }

    private static func saturatingAdd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (value, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : value
    }

    private static func saturatingMultiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : value
    }
}
