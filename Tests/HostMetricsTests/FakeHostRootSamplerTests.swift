import Foundation
import Glibc
import HostMetrics
import Testing

@Suite("HostMetricsSampler on a fake host root")
struct FakeHostRootSamplerTests {
    static let meminfo = """
        MemTotal:       16318464 kB
        MemFree:         2000000 kB
        MemAvailable:    9000000 kB
        Buffers:          300000 kB
        Cached:          5000000 kB
        SReclaimable:     400000 kB
        """

    /// Two ext4 devices (one with an escaped space), a duplicate of the first device, a tmpfs and an
    /// overlay on folders that exist (must be skipped), and a device whose folder is missing
    /// (statvfs fails → ignored). All folders live on the temp dir's real filesystem.
    static let mounts = """
        /dev/fake1 /data ext4 rw,relatime 0 0
        tmpfs /scratch tmpfs rw 0 0
        overlay /scratch overlay rw 0 0
        /dev/fake1 /data-again ext4 rw 0 0
        /dev/fake2 /my\\040disk ext4 rw 0 0
        /dev/fake3 /does-not-exist ext4 rw 0 0
        proc /proc proc rw 0 0
        """

    static func makeRoot() throws -> FakeHostRoot {
        let root = try FakeHostRoot()
        try root.write("proc/stat", "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\nintr 5\n")
        try root.write("proc/meminfo", meminfo)
        try root.write("proc/uptime", "4242.99 8000.00\n")
        try root.write("proc/1/mounts", mounts)
        for folder in ["data", "data-again", "scratch", "my disk"] { try root.makeDirectory(folder) }
        return root
    }

    /// (used, total) bytes of the filesystem holding `path`, as the sampler should compute them.
    static func statvfsBytes(_ path: String) throws -> (used: UInt64, total: UInt64) {
        var info = statvfs()
        try #require(statvfs(path, &info) == 0)
        let frsize = UInt64(info.f_frsize)
        return ((UInt64(info.f_blocks) - UInt64(info.f_bfree)) * frsize, UInt64(info.f_blocks) * frsize)
    }

    @Test func readsMemoryUptimeAndCPUFromTheRoot() throws {
        let root = try Self.makeRoot()
        let sample = HostMetricsSampler(hostRoot: root.path).sample()
        #expect(sample.memoryTotalGB == 15.6)  // 16 318 464 KiB / 1024² = 15.5625 → 15.6
        #expect(sample.memoryUsedGB == 8.2)  // (16318464 − 2000000 − 300000 − 5000000 − 400000) KiB = 8.23… GB
        #expect(sample.hostUptimeSeconds == 4242)
        #expect(sample.cpuPercent == 20.0)  // first call: since boot, 200 busy of 1000
    }

    @Test func cpuPercentOverTheIntervalAfterRewritingStat() throws {
        let root = try Self.makeRoot()
        let sampler = HostMetricsSampler(hostRoot: root.path + "/")  // trailing slash must not matter
        _ = sampler.sample()
        try root.write("proc/stat", "cpu  250 0 150 1000 100 0 0 0 0 0\n")
        #expect(sampler.sample().cpuPercent == 40.0)  // Δbusy 200 / Δtotal 500
        try root.write("proc/stat", "cpu  250 0 150 1100 100 0 0 0 0 0\n")
        #expect(sampler.sample().cpuPercent == 0.0)  // only idle advanced
    }

    @Test func diskSumsPhysicalDedupedMountsUnderTheRoot() throws {
        let root = try Self.makeRoot()
        let sample = HostMetricsSampler(hostRoot: root.path).sample()
        // Counted: /dev/fake1 at /data and /dev/fake2 at "/my disk" — both on the temp dir's
        // filesystem, so exactly twice its size. tmpfs/overlay/proc skipped, duplicate deduped,
        // missing folder ignored.
        let one = try Self.statvfsBytes(root.path + "/data")
        try #require(one.total > 0)
        #expect(sample.diskTotalGB == UpstreamRounding.gigabytes(2 * one.total))
        // "used" can drift between the two statvfs calls on a busy disk; allow one rounding step.
        #expect(abs(sample.diskUsedGB - UpstreamRounding.gigabytes(2 * one.used)) <= 0.1)
    }

    @Test func fallsBackToProcSelfMounts() throws {
        let root = try Self.makeRoot()
        try FileManager.default.removeItem(atPath: root.path + "/proc/1/mounts")
        try root.write("proc/self/mounts", "/dev/fake1 /data ext4 rw 0 0\n")
        let one = try Self.statvfsBytes(root.path + "/data")
        #expect(HostMetricsSampler(hostRoot: root.path).sample().diskTotalGB == UpstreamRounding.gigabytes(one.total))
    }

    @Test func emptyRootGivesZerosWithoutTrapping() throws {
        let root = try FakeHostRoot()
        try root.write("proc/stat", "garbage")
        try root.write("proc/meminfo", "\u{0}\u{1}nonsense")
        try root.write("proc/1/mounts", "x\ny z\n")
        let sample = HostMetricsSampler(hostRoot: root.path).sample()
        #expect(sample == HostSample(cpuPercent: 0, memoryUsedGB: 0, memoryTotalGB: 0, diskUsedGB: 0, diskTotalGB: 0, hostUptimeSeconds: 0))
    }
}
