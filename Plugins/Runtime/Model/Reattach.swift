/// What to do with one vNIC when its parent interface reports a (possibly new) LAN (spec §7.5,
/// improved: a static address that no longer fits is reported, not silently broken).
public enum ReattachDecision: Sendable, Equatable {
    /// Already on the right network; nothing to do.
    case keep
    /// Connect to the MACVLAN network of the new subnet; `ip` is the static address to keep
    /// (nil for DHCP: Docker's reserved range, then the DHCP client).
    case move(ip: IPv4?)
    /// Leave it off the LAN, with the reason reported in `get_device_status`.
    case detach(RuntimeError)

    /// Decides for one vNIC.
    /// - Parameters:
    ///   - current: the subnet of the network it is attached to now (nil: detached or unknown).
    ///   - subnet / gateway: the parent's LAN now.
    ///   - parentRecreated: the parent interface was removed and came back, so the MACVLAN link
    ///     inside the container is gone even when the subnet is the same.
    public static func decide(
        _ vnic: DeviceRecord.VNIC, current: IPv4Network?, subnet: IPv4Network, gateway: IPv4?, parentRecreated: Bool
    ) -> ReattachDecision {
        let d = decideAfresh(vnic, current: current, subnet: subnet, gateway: gateway, parentRecreated: parentRecreated)
        // Already detached for the same reason: nothing new to do or to report.
        if case .detach(let why) = d, vnic.detached?.code == why.code { return .keep }
        return d
    }

    static func decideAfresh(
        _ vnic: DeviceRecord.VNIC, current: IPv4Network?, subnet: IPv4Network, gateway: IPv4?, parentRecreated: Bool
    ) -> ReattachDecision {
        if vnic.detached == nil, current == subnet, !parentRecreated { return .keep }
        guard vnic.mode == "static" else { return .move(ip: nil) }
        guard let text = vnic.ip, let ip = IPv4(text) else {
            return .detach(RuntimeError("no_static_address", "\(vnic.name) is static but has no recorded address"))
        }
        let broadcast = IPv4(subnet.base.value | ~subnet.netmask.value)
        if !subnet.contains(ip) || ip == subnet.base || ip == broadcast {
            return .detach(
                RuntimeError(
                    "subnet_mismatch",
                    "\(vnic.name): static address \(ip) does not fit \(vnic.parent)'s new subnet \(subnet); send a new configuration or restore the LAN",
                    field: "ip"))
        }
        if let gateway, gateway == ip {
            return .detach(
                RuntimeError("address_conflict", "\(vnic.name): static address \(ip) is the new gateway of \(vnic.parent)", field: "ip"))
        }
        return .move(ip: ip)
    }

    /// The range Docker's IPAM may use on a MACVLAN network (addresses for DHCP vNICs until
    /// their lease arrives): the top `/prefix` block of the subnet, or nil when `prefix` is 0
    /// or not narrower than the subnet. The site keeps its DHCP pool and hosts out of it.
    public static func dockerRange(of subnet: IPv4Network, prefix: Int) -> IPv4Network? {
        guard prefix > subnet.prefix, prefix <= 30 else { return nil }
        let broadcast = IPv4(subnet.base.value | ~subnet.netmask.value)
        return IPv4Network(containing: broadcast, prefix: prefix)
    }
}
