import AgentJSON

/// Turns one NDJSON line into a ``NetmonRequest`` or a typed ``RejectedRequest``.
///
/// Checks, in order: JSON syntax (`invalid_json`), object with a string `command`
/// (`invalid_command`), a string or number `id` (`invalid_field`), a known command
/// (`unknown_command`), then each field of the command (`invalid_field` naming the field).
public enum CommandParser {
    /// Every command name this sidecar answers.
    public static let commandNames: [String] = [
        "get_interfaces", "get_status", "get_netlink_status", "get_dhcp_status", "discover_devices",
        "get_device_status", "start_dhcp", "stop_dhcp", "renew_dhcp", "set_link_mac", "move_nic_to_container",
        "return_nic_to_host", "check_nic_in_container", "announce_address", "probe_address",
        "request_wifi_dhcp", "setup_proxy_arp_bridge", "cleanup_proxy_arp_bridge", "cleanup_all_proxy_arp",
        "bind_device_node", "remove_device_node",
    ] + deviceTestNames + notSupportedNames

    /// Upstream commands answered with `not_supported` (none today).
    public static let notSupportedNames: [String] = []

    /// Parses one line (without its newline).
    public static func parse(_ line: some Collection<UInt8>) -> Result<NetmonRequest, RejectedRequest> {
        let value: JSONValue
        do {
            value = try JSONParser.parse(line, maxDepth: 32, maxBytes: 1 << 20)
        } catch {
            return .failure(RejectedRequest(id: nil, error: NetmonError(.invalidJSON, "Invalid JSON")))
        }
        return parse(value)
    }

    /// Parses an already decoded JSON value.
    public static func parse(_ value: JSONValue) -> Result<NetmonRequest, RejectedRequest> {
        guard let o = value.objectValue else {
            return .failure(
                RejectedRequest(id: nil, error: NetmonError(.invalidCommand, "Expected a JSON object, got \(value.kindName)")))
        }
        var id: JSONValue? = nil
        switch o["id"] {
        case nil, .null?: break
        case .string(let s)?: id = .string(s)
        case .number(let n)?: id = .number(n)
        case let other?:
            return .failure(
                RejectedRequest(id: other, error: .invalid("id", "must be a string or a number, got \(other.kindName)")))
        }
        guard let name = o["command"]?.stringValue, !name.isEmpty else {
            return .failure(RejectedRequest(id: id, error: NetmonError(.invalidCommand, "Missing command", field: "command")))
        }
        do {
            return .success(NetmonRequest(id: id, name: name, command: try command(name, o)))
        } catch {
            return .failure(RejectedRequest(id: id, error: error))
        }
    }

    private static func command(_ name: String, _ o: JSONObject) throws(NetmonError) -> NetmonCommand {
        switch name {
        case "get_interfaces": return .getInterfaces
        case "get_status", "get_netlink_status": return .getStatus
        case "get_dhcp_status": return .getDhcpStatus
        case "get_device_status": return .getDevices
        case "discover_devices": return .discoverDevices
        case "test_add_device": return .testAddDevice(try testDevice(o))
        case "test_remove_device": return .testRemoveDevice(path: try devicePath(o, "path"))
        case "start_dhcp":
            let key = try dhcpKey(o)
            return .startDhcp(
                key: key, mac: try mac(o, "mac_address"), pid: try pid(o, "container_pid"),
                requestedIP: try optionalIPv4(o, "requested_ip"))
        case "stop_dhcp": return .stopDhcp(key: try dhcpKey(o))
        case "renew_dhcp": return .renewDhcp(key: try dhcpKey(o))
        case "set_link_mac":
            return .setLinkMac(
                pid: try pid(o, "container_pid"), currentMac: try mac(o, "current_mac"), newMac: try mac(o, "mac_address"))
        case "move_nic_to_container":
            return .moveNicToContainer(
                interface: try ifname(o, "host_interface"), pid: try pid(o, "container_pid"), container: try optionalName(o, "container_name"))
        case "return_nic_to_host":
            return .returnNicToHost(interface: try ifname(o, "host_interface"), pid: try pid(o, "container_pid"))
        case "check_nic_in_container":
            return .checkNicInContainer(
                interface: try ifname(o, "host_interface"), pid: try pid(o, "container_pid"), container: try optionalName(o, "container_name"))
        case "setup_proxy_arp_bridge": return .setupProxyArp(try proxyArpSetup(o))
        case "cleanup_proxy_arp_bridge": return .cleanupProxyArp(try proxyArpCleanup(o))
        case "cleanup_all_proxy_arp": return .cleanupAllProxyArp
        case "request_wifi_dhcp": return .requestWifiDhcp(try wifiDhcp(o))
        case "announce_address":
            return .announceAddress(
                pid: try pid(o, "container_pid"), mac: try mac(o, "mac_address"), ip: try requiredIPv4(o, "ip_address"),
                count: try int(o, "count", 1...5, default: 3), intervalMs: try int(o, "interval_ms", 10...2000, default: 200))
        case "bind_device_node":
            return .bindDeviceNode(
                pid: try pid(o, "container_pid"), hostPath: try devicePath(o, "host_path"), containerPath: try containerPath(o))
        case "remove_device_node": return .removeDeviceNode(pid: try pid(o, "container_pid"), containerPath: try containerPath(o))
        case "probe_address":
            return .probeAddress(
                interface: try ifname(o, "interface"), ip: try requiredIPv4(o, "ip_address"),
                waitMs: try int(o, "wait_ms", 20...2000, default: 250))
        default:
            if notSupportedNames.contains(name) { return .notSupported(name: name) }
            throw NetmonError(.unknownCommand, "Unknown command: \(name)", field: "command")
        }
    }

    // MARK: field validators

    private static func dhcpKey(_ o: JSONObject) throws(NetmonError) -> DhcpKey {
        DhcpKey(container: try name(o, "container_name"), vnic: try name(o, "vnic_name"))
    }

    /// A container or vNIC name: 1–128 of `[A-Za-z0-9_.-]`, not starting with `.` or `-`
    /// (it becomes part of a lease file name).
    static func name(_ o: JSONObject, _ field: String) throws(NetmonError) -> String {
        let s = try string(o, field)
        guard s.utf8.count <= 128, s.utf8.allSatisfy(isNameByte), let first = s.utf8.first,
            first != UInt8(ascii: "."), first != UInt8(ascii: "-")
        else { throw .invalid(field, "must be 1-128 characters of A-Z a-z 0-9 _ . - (not starting with . or -)") }
        return s
    }

    /// ``name(_:_:)`` when the field is present and not null.
    static func optionalName(_ o: JSONObject, _ field: String) throws(NetmonError) -> String? {
        if o[field] == nil || o[field] == .null { return nil }
        return try name(o, field)
    }

    /// A Linux interface name as upstream validated it: 1–15 of `[A-Za-z0-9_.-]`.
    static func ifname(_ o: JSONObject, _ field: String) throws(NetmonError) -> String {
        let s = try string(o, field)
        guard s.utf8.count <= 15, s.utf8.allSatisfy(isNameByte), s != ".", s != ".." else {
            throw .invalid(field, "must be an interface name of 1-15 characters of A-Z a-z 0-9 _ . -")
        }
        return s
    }

    /// `aa:bb:cc:dd:ee:ff` (either case), answered in lower case.
    static func mac(_ o: JSONObject, _ field: String) throws(NetmonError) -> String {
        let s = try string(o, field)
        guard let mac = MACAddress.normalize(s) else { throw .invalid(field, "must be a MAC like 02:42:ac:11:00:02") }
        return mac
    }

    /// A positive PID as a JSON integer or a numeric string (upstream accepts both); booleans are
    /// not numbers.
    static func pid(_ o: JSONObject, _ field: String) throws(NetmonError) -> Int32 {
        let n: Int64?
        switch o[field] {
        case nil, .null?: throw .missing(field)
        case .number(let d)?: n = d == d.rounded() && abs(d) < 1e12 ? Int64(d) : nil
        case .string(let s)?: n = Int64(s.trimmingSpaces)
        default: n = nil
        }
        guard let n, n > 0, n <= Int64(Int32.max) else { throw .invalid(field, "must be a positive integer PID") }
        return Int32(n)
    }

    /// A required dotted-quad unicast IPv4 address.
    static func requiredIPv4(_ o: JSONObject, _ field: String) throws(NetmonError) -> IPv4 {
        guard let ip = try optionalIPv4(o, field) else { throw .missing(field) }
        return ip
    }

    /// An optional whole number in `range` (`fallback` when absent or null).
    static func int(_ o: JSONObject, _ field: String, _ range: ClosedRange<Int>, default fallback: Int) throws(NetmonError) -> Int {
        switch o[field] {
        case nil, .null?: return fallback
        case .number(let d)? where d == d.rounded() && d >= Double(range.lowerBound) && d <= Double(range.upperBound):
            return Int(d)
        default: throw .invalid(field, "must be a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
    }

    /// An optional dotted-quad IPv4 address; absent or null is nil.
    static func optionalIPv4(_ o: JSONObject, _ field: String) throws(NetmonError) -> IPv4? {
        switch o[field] {
        case nil, .null?: return nil
        case .string(let s)?:
            guard let ip = IPv4(s), ip.value != 0, ip.value != UInt32.max else {
                throw .invalid(field, "must be an IPv4 address like 192.168.1.50")
            }
            return ip
        case let other?: throw .invalid(field, "must be a string, got \(other.kindName)")
        }
    }

    static func string(_ o: JSONObject, _ field: String) throws(NetmonError) -> String {
        switch o[field] {
        case nil, .null?: throw .missing(field)
        case .string(let s)? where !s.isEmpty: return s
        case .string?: throw .invalid(field, "must not be empty")
        case let other?: throw .invalid(field, "must be a string, got \(other.kindName)")
        }
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
            return true
        default: return false
        }
    }
}
