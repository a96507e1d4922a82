/// One line of a mount table (`/proc/<pid>/mounts`), with the octal escapes of the kernel
/// (`\040` space, `\011` tab, `\012` newline, `\134` backslash) already decoded.
public struct MountEntry: Sendable, Equatable {
    /// The mount source, e.g. `/dev/sda1`, `tmpfs`, `server:/export` (unescaped).
    public var device: String
    /// Where it is mounted, as seen from the mount table's root, e.g. `/mnt/my data` (unescaped).
    public var mountPoint: String
    /// The filesystem type, e.g. `ext4`, `tmpfs`, `fuse.sshfs`.
    public var fsType: String

    /// Memberwise initialiser.
    public init(device: String, mountPoint: String, fsType: String) {
        self.device = device
        self.mountPoint = mountPoint
        self.fsType = fsType
    }
}
