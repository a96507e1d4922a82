import AgentJSON

/// Something the takeover of a Python-agent site found and did not guess about: the vPLC it
/// concerns (nil for the site as a whole), a stable code and what an operator should know. The
/// codes and what to do about each are listed in docs/troubleshooting.md ("Taking over a Python
/// agent's site").
public struct TakeoverFinding: Sendable, Equatable, CustomStringConvertible {
    /// The stable codes.
    public enum Code: String, Sendable, CaseIterable {
        /// A legacy file is not the JSON it should be; its content was not imported.
        case legacyFileUnreadable = "legacy_file_unreadable"
        /// The files name a vPLC whose container does not exist.
        case containerMissing = "container_missing"
        /// The container does not run an OpenPLC runtime image of the site's repository.
        case unexpectedImage = "unexpected_image"
        /// The container is not on its internal bridge `<name>_internal`.
        case internalNetworkMissing = "internal_network_missing"
        /// A vNIC's MACVLAN network is not attached to the container.
        case vnicNetworkMissing = "vnic_network_missing"
        /// A vNIC's MAC in Docker is not the one the files persisted.
        case macMismatch = "mac_mismatch"
        /// A static vNIC's address in Docker is not the one the files name.
        case ipMismatch = "ip_mismatch"
        /// A vNIC record the agent cannot read as a vNIC (bad name, parent, mode or address).
        case vnicInvalid = "vnic_invalid"
        /// A WiFi vNIC (proxy-ARP bridge) the agent could not take over. No longer produced since
        /// WiFi uplinks exist (kept so stored findings still decode).
        case wifiVNICUnsupported = "wifi_vnic_unsupported"
        /// The name is not a valid vPLC id for this agent.
        case invalidName = "invalid_name"
        /// A `serial_configs.json` port this agent cannot use (no device_id, a bad container path,
        /// a path twice): left out, the vPLC is adopted without it.
        case serialConfigInvalid = "serial_config_invalid"
    }

    public var code: Code
    public var device: String?
    public var message: String
    /// Whether the vPLC was still adopted (a note) or left alone (a blocker).
    public var blocksAdoption: Bool

    public init(_ code: Code, device: String?, _ message: String, blocksAdoption: Bool = true) {
        self.code = code
        self.device = device
        self.message = message
        self.blocksAdoption = blocksAdoption
    }

    public var json: JSONObject {
        [
            "code": .string(code.rawValue), "device_id": device.map(JSONValue.string) ?? .null,
            "message": .string(message), "blocks_adoption": .bool(blocksAdoption),
        ]
    }

    public var description: String { "\(code.rawValue)\(device.map { " (\($0))" } ?? ""): \(message)" }
}
