import Testing

import ContainerEngineSupport

/// The cgroup reader's parsing of /proc/<pid>/cgroup and /proc/self/mountinfo, and a real read.
struct CgroupSamplerTests {
    @Test func v1FoldersFromMembershipAndMounts() {
        let membership = CgroupMembership(text: "4:memory:/dl-x-docker/abc\n2:cpuacct:/dl-x-docker/abc\n0::/\n")
        let mounts = CgroupMounts(mountinfo: """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            """)
        #expect(mounts.v1Directory(controller: "cpuacct", membership: membership) == "/sys/fs/cgroup/cpuacct/dl-x-docker/abc")
        #expect(mounts.v1Directory(controller: "memory", membership: membership) == "/sys/fs/cgroup/memory/dl-x-docker/abc")
        #expect(mounts.v1Directory(controller: "pids", membership: membership) == nil)
    }

    @Test func v2AndSubtreeMounts() {
        let membership = CgroupMembership(text: "0::/system.slice/docker-abc.scope\n")
        let mounts = CgroupMounts(mountinfo: "40 1 0:35 /system.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n")
        #expect(mounts.v2Directory(membership: membership) == "/sys/fs/cgroup/docker-abc.scope")
        let outside = CgroupMembership(text: "0::/user.slice/x\n")
        #expect(mounts.v2Directory(membership: outside) == nil)
    }

    @Test func ownProcessIsReadable() throws {
        // The test process runs in the host's mount namespace, where the cgroup mounts are.
        let s = try #require(CgroupSampler.sample(pid: getpidValue()))
        #expect(s.cpuTotalNanoseconds > 0 && s.systemCPUNanoseconds > 0 && s.onlineCPUs >= 1)
        #expect(s.memoryBytes > 0)
        #expect(CgroupSampler.sample(pid: 0) == nil)
        #expect(CgroupSampler.sample(pid: Int32.max) == nil)
    }
}

#if canImport(Glibc)
import Glibc
func getpidValue() -> Int32 { getpid() }
#endif
