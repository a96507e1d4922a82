import HostMetrics
import Testing

@Suite("ProcParsers.mounts and isPhysical")
struct MountParserTests {
    static let table = """
        /dev/vda1 / ext4 rw,relatime 0 0
        proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
        tmpfs /run tmpfs rw,nosuid,nodev,size=1000k 0 0
        /dev/sdb1 /mnt/my\\040data xfs rw 0 0
        /dev/vda1 /var/lib/docker ext4 rw 0 0
        short line
        lxcfs /proc/cpuinfo fuse.lxcfs rw 0 0
        /dev/sdc1 /weird\\134path\\011tab\\04 vfat rw 0 0
        """

    @Test func parsesFieldsAndKeepsOrder() {
        let entries = ProcParsers.mounts(Self.table)
        #expect(entries.count == 7)  // "short line" skipped
        #expect(entries.first == MountEntry(device: "/dev/vda1", mountPoint: "/", fsType: "ext4"))
        #expect(entries.map(\.device).filter { $0 == "/dev/vda1" }.count == 2)  // duplicates kept here
    }

    @Test func decodesOctalEscapes() {
        let entries = ProcParsers.mounts(Self.table)
        #expect(entries[3].mountPoint == "/mnt/my data")
        // \134 → backslash, \011 → tab, truncated "\04" kept literally.
        #expect(entries[6].mountPoint == "/weird\\path\ttab\\04")
    }

    @Test func garbageYieldsNoEntries() {
        #expect(ProcParsers.mounts("").isEmpty)
        #expect(ProcParsers.mounts("\n\n  \nx y\n").isEmpty)
        #expect(ProcParsers.unescapeMountField("\\999\\") == "\\999\\")
    }

    @Test(arguments: ["ext4", "xfs", "btrfs", "vfat", "zfs", "fuseblk"])
    func physicalTypes(_ type: String) {
        #expect(ProcParsers.isPhysical(fsType: type))
    }

    @Test(arguments: [
        "tmpfs", "devtmpfs", "overlay", "squashfs", "ramfs", "proc", "sysfs", "cgroup", "cgroup2",
        "debugfs", "tracefs", "pstore", "autofs", "devpts", "mqueue", "hugetlbfs", "fusectl", "none",
        "securityfs", "configfs", "bpf", "nsfs", "binfmt_misc", "efivarfs", "rpc_pipefs", "selinuxfs",
        "fuse.lxcfs", "fuse.sshfs", "nfs4", "",
    ])
    func virtualTypes(_ type: String) {
        #expect(!ProcParsers.isPhysical(fsType: type))
    }
}
