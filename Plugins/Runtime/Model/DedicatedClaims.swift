import AgentJSON

/// Who may have a host NIC (docs/networking.md, "Dedicated NICs"; spec §5.1): a NIC dedicated to
/// one vPLC is refused for another — as its dedicated NIC or as a vNIC parent — and a NIC that is
/// another vPLC's vNIC parent cannot be dedicated. Pure: the caller gives the other vPLCs' specs
/// (records and creates in flight).
public enum DedicatedClaims {
    /// One other vPLC: its id, its dedicated NIC and its vNICs' parents.
    public struct Holder: Sendable, Equatable {
        public var device: String
        public var dedicated: String?
        public var parents: [String]

        public init(device: String, dedicated: String?, parents: [String]) {
            self.device = device
            self.dedicated = dedicated
            self.parents = parents
        }

        /// From a stored create request (a record's `spec` or a journaled create's request).
        public init?(spec json: JSONObject) {
            guard let device = json["container_name"]?.stringValue else { return nil }
            self.device = device
            dedicated = json["dedicated_interface"]?.stringValue
            parents = (json["vnic_configs"]?.arrayValue ?? []).compactMap { $0.objectValue?["parent_interface"]?.stringValue }
        }
    }

    /// Checks `spec` against the other vPLCs (its own id is skipped: a create repeated for the
    /// same device is the create's own business).
    /// - Throws: ``RuntimeError`` `dedicated_interface_in_use` (field `dedicated_interface`) or
    ///   `parent_is_dedicated` (field `vnic_configs[i].parent_interface`).
    public static func check(_ spec: DeviceSpec, against others: [Holder]) throws(RuntimeError) {
        for other in others where other.device != spec.deviceID {
            if let mine = spec.dedicatedInterface {
                if other.dedicated == mine {
                    throw RuntimeError(
                        "dedicated_interface_in_use", "\(mine) is dedicated to the vPLC \(other.device); a NIC is given to one vPLC only",
                        field: "dedicated_interface")
                }
                if other.parents.contains(mine) {
                    throw RuntimeError(
                        "dedicated_interface_in_use", "\(mine) is a vNIC parent of the vPLC \(other.device); a dedicated NIC must be free",
                        field: "dedicated_interface")
                }
            }
            if let theirs = other.dedicated, let i = spec.vnics.firstIndex(where: { $0.parentInterface == theirs }) {
                throw RuntimeError(
                    "parent_is_dedicated", "\(theirs) is dedicated to the vPLC \(other.device) and cannot carry MACVLAN or WiFi vNICs",
                    field: "vnic_configs[\(i)].parent_interface")
            }
        }
    }

    /// The listener's view of the dedicated NIC (spec §5.1: in the interface cache, not WiFi).
    /// `entry` is the cache's entry, nil when the cache does not know it.
    /// - Throws: ``RuntimeError`` `dedicated_interface_unknown` or `dedicated_interface_wifi`.
    public static func checkInterface(_ name: String, entry: JSONObject?) throws(RuntimeError) {
        guard let entry else {
            throw RuntimeError(
                "dedicated_interface_unknown", "\(name) is not a host interface the netmon sidecar reports", field: "dedicated_interface")
        }
        if entry["type"]?.stringValue == "wifi" {
            throw RuntimeError(
                "dedicated_interface_wifi", "\(name) is a WiFi interface; a dedicated NIC must be Ethernet (EtherCAT, PROFINET)",
                field: "dedicated_interface")
        }
    }
}
