import AgentJSON

/// WiFi vNICs in `get_device_status` (spec §2.5): no Docker network, so each is added as the
/// pseudo-network `wifi_<parent>_<vnic>` with `mac_address: null` (the LAN sees the host's WiFi
/// MAC) and the address from the bridge as built → the DHCP lease → the static address.
extension DeviceStatus {
    /// Adds the WiFi vNICs of `record` to `networks`.
    static func addWifiNetworks(_ networks: inout JSONObject, record: DeviceRecord, leases: [String: DHCPLease]) {
        for v in record.vnics where v.isWifi {
            let (ip, gateway) = wifiAddress(v, lease: leases[v.name])
            networks[Naming.wifiNetwork(parent: v.parent, vnic: v.name)] = [
                "ip_address": ip.map { .string($0) } ?? .null, "mac_address": .null, "gateway": gateway.map { .string($0) } ?? .null,
            ]
        }
    }

    /// The address and gateway of a WiFi vNIC: the bridge's, else the lease's, else the static ones.
    static func wifiAddress(_ v: DeviceRecord.VNIC, lease: DHCPLease?) -> (String?, String?) {
        if let c = v.proxyARP, v.mode != "dhcp" || lease?.ip == nil || lease?.ip == c.ip { return (c.ip, c.gateway) }
        if let lease, lease.isBound, let ip = lease.ip { return (ip, lease.gateway ?? lease.proxyARP?.gateway) }
        if v.mode == "dhcp" { return (nil, nil) }
        return (v.ip, nil)
    }

    /// One WiFi vNIC in the `vnics` list: `network` the pseudo-network, `mac_address` null,
    /// `state` `attached` once the bridge is built (else `waiting`), the bridge as `proxy_arp`.
    static func wifiVNICStatus(_ v: DeviceRecord.VNIC, lease: DHCPLease?) -> JSONValue {
        var e: JSONObject = [
            "name": .string(v.name), "parent_interface": .string(v.parent), "network_mode": .string(v.mode), "mac_address": .null,
            "network": .string(Naming.wifiNetwork(parent: v.parent, vnic: v.name)), "method": .string(Naming.proxyARPMethod),
        ]
        let (ip, _) = wifiAddress(v, lease: lease)
        e["ip_address"] = ip.map { .string($0) } ?? .null
        e["state"] = v.proxyARP != nil || lease?.proxyARP != nil ? "attached" : "waiting"
        if let c = lease?.proxyARP ?? v.proxyARP { e["proxy_arp"] = .object(c.json) }
        if v.mode == "dhcp" { e["dhcp"] = lease.map { .object($0.json) } ?? ["state": "waiting"] }
        return .object(e)
    }
}
