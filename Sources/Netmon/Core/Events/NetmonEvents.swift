import AgentJSON
import NetmonProtocol

/// Builds the event lines the sidecar sends: `{"type": T, "data": {...}}`.
public enum NetmonEvents {
    /// `network_discovery`: every interface (down ones with status "down"), sent first to a new client.
    public static func networkDiscovery(_ interfaces: [InterfaceInfo], timestamp: String) -> JSONValue {
        event(
            NetmonWire.Event.networkDiscovery,
            ["interfaces": .array(interfaces.map { $0.json(timestamp: timestamp) }), "timestamp": .string(timestamp)])
    }

    /// `device_discovery`: every serial device of the table, sent to a new client right after
    /// `network_discovery`.
    public static func deviceDiscovery(_ devices: [SerialDevice] = [], timestamp: String) -> JSONValue {
        event(NetmonWire.Event.deviceDiscovery, ["devices": .array(devices.map(\.json)), "timestamp": .string(timestamp)])
    }

    /// `device_change`: `{action: "add"|"remove", device, timestamp}` for one table change.
    public static func deviceChange(_ change: DeviceTable.Change, timestamp: String) -> JSONValue {
        let (action, device): (String, SerialDevice)
        switch change {
        case .add(let d): (action, device) = ("add", d)
        case .remove(let d): (action, device) = ("remove", d)
        }
        return event(
            NetmonWire.Event.deviceChange, ["action": .string(action), "device": device.json, "timestamp": .string(timestamp)])
    }

    /// `network_change` for one decided change.
    public static func networkChange(_ change: ChangeTracker.Change, timestamp: String) -> JSONValue {
        let data: JSONValue
        switch change {
        case .up(let info): data = info.json(timestamp: timestamp)
        case .down(let info): data = info.stub(status: NetmonWire.Status.down, timestamp: timestamp)
        case .removed(let info): data = info.stub(status: NetmonWire.Status.removed, timestamp: timestamp)
        }
        return event(NetmonWire.Event.networkChange, data)
    }

    /// `dhcp_update` for a DHCP client: `event` is the udhcpc hook event (bound, renew, deconfig,
    /// leasefail, nak) or `stopped`; `lease` carries what the hook reported (nil: keys are null).
    public static func dhcpUpdate(
        container: String, vnic: String, mac: String?, interface: String?, event name: String,
        lease: DhcpLease?, error: String?, timestamp: String
    ) -> JSONValue {
        var o = JSONObject()
        o["container_name"] = .string(container)
        o["vnic_name"] = .string(vnic)
        o["mac_address"] = mac.map { .string($0) } ?? .null
        o["interface"] = (interface ?? lease?.interface).map { .string($0) } ?? .null
        o["event"] = .string(name)
        o["ip"] = lease?.ip.map { .string($0.description) } ?? .null
        o["mask"] = lease?.prefix.map { .string(IPv4.mask(prefix: $0).description) } ?? .null
        o["prefix"] = lease?.prefix.map { .number(Double($0)) } ?? .null
        o["gateway"] = lease?.gateway.map { .string($0.description) } ?? .null
        o["dns"] = lease?.dns.map { .string($0) } ?? .null
        o["lease_time"] = lease?.leaseTime.map { .number(Double($0)) } ?? .null
        if let error { o["error"] = .string(error) }
        o["timestamp"] = .string(timestamp)
        return event(NetmonWire.Event.dhcpUpdate, .object(o))
    }

    static func event(_ type: String, _ data: JSONValue) -> JSONValue {
        ["type": .string(type), "data": data]
    }
}
