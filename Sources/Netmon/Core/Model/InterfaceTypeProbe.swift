#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NetmonProtocol

/// Classifies interfaces: `wifi` or `ethernet` (spec §7.1) and virtual or not.
///
/// The sysfs check is injectable so the rule can be tested without wireless hardware.
public struct InterfaceTypeProbe: Sendable {
    /// True when the kernel says `name` is a wireless device.
    public let hasWirelessSysfs: @Sendable (String) -> Bool

    public init(hasWirelessSysfs: @escaping @Sendable (String) -> Bool) { self.hasWirelessSysfs = hasWirelessSysfs }

    /// Checks `/sys/class/net/<if>/wireless` and `/phy80211` (sysfs shows the namespace the sidecar runs in).
    public static let sysfs = InterfaceTypeProbe.sysfs(root: "/sys")

    /// Checks `<root>/class/net/<if>/wireless` and `<root>/class/net/<if>/phy80211`: `root` is
    /// `/sys` in production (`--sysfs-root`), a prepared folder in tests (a lab interface is
    /// marked wireless by making `<root>/class/net/<if>/wireless`).
    public static func sysfs(root: String) -> InterfaceTypeProbe {
        InterfaceTypeProbe { name in
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { return false }
            let dir = "\(root)/class/net/\(name)"
            return access(dir + "/wireless", F_OK) == 0 || access(dir + "/phy80211", F_OK) == 0
        }
    }

    /// Never wireless by sysfs (tests).
    public static let none = InterfaceTypeProbe { _ in false }

    /// `wifi` when sysfs says so or the name starts with wlan/wlp/wlx; else `ethernet`.
    public func type(of name: String) -> String {
        if name.hasPrefix("wlan") || name.hasPrefix("wlp") || name.hasPrefix("wlx") || hasWirelessSysfs(name) {
            return "wifi"
        }
        return "ethernet"
    }

    public func isVirtual(_ name: String) -> Bool { VirtualInterfaces.isVirtual(name) }
}
