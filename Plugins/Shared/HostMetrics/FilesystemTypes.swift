extension ProcParsers {
    /// Filesystem types the upstream heartbeat skips when summing disk usage (spec §3).
    public static let upstreamSkippedFSTypes: Set<String> = [
        "tmpfs", "devtmpfs", "overlay", "squashfs", "ramfs", "proc", "sysfs", "cgroup", "cgroup2",
        "debugfs", "tracefs", "pstore", "autofs", "devpts", "mqueue", "hugetlbfs", "fusectl", "none",
    ]

    /// Further types skipped here. Kernel pseudo filesystems (`nodev` in /proc/filesystems, which
    /// upstream's `psutil.disk_partitions(all=False)` also left out) and network/VM-shared
    /// filesystems, which are not local disks and whose `statvfs` can block for a long time when the
    /// server is unreachable — unacceptable on a 5 s heartbeat path. Any `fuse.*` type (lxcfs, sshfs,
    /// gvfs, portal, …) is skipped too; `fuseblk` (e.g. ntfs-3g on a real disk) is kept.
    public static let extraSkippedFSTypes: Set<String> = [
        // pseudo / kernel-internal
        "securityfs", "configfs", "bpf", "nsfs", "binfmt_misc", "efivarfs", "rpc_pipefs", "selinuxfs",
        "rootfs", "aufs", "nfsd", "cpuset", "sockfs", "pipefs", "anon_inodefs", "bdev", "fuse",
        // network / host-shared
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "9p", "virtiofs",
    ]

    /// Whether a mount of this filesystem type counts as a physical disk for the heartbeat:
    /// `false` for the upstream skip list, `extraSkippedFSTypes`, any `fuse.*` type and the empty
    /// string; `true` otherwise (ext4, xfs, btrfs, vfat, zfs, fuseblk, …). Case-sensitive, as the
    /// kernel reports types in lower case.
    public static func isPhysical(fsType: String) -> Bool {
        if fsType.isEmpty || fsType.hasPrefix("fuse.") { return false }
        return !upstreamSkippedFSTypes.contains(fsType) && !extraSkippedFSTypes.contains(fsType)
    }
}
