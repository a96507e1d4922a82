import AgentJSON

/// What the Python agent (v1.2.x) leaves in its state folder (spec §7.7), read without changing
/// anything there: a site can always go back to the Python agent.
///
/// The files, relative to the folder (`/var/orchestrator` on an installed site):
///
/// | file | shape |
/// |---|---|
/// | `data/clients.json` | `{"<name>": {"ip": "<internal ip>", "name": "<name>"}}` |
/// | `runtime_vnics.json` | `{"<name>": [vNIC record, …]}` (the request's fields plus `mac_address`, `docker_network_name`, `dhcp_ip`, …) |
/// | `data/serial_configs.json` | `{"<name>": {"serial_ports": [ … ]}}` |
/// | `dedicated_nics.json` | `{"<name>": {"host_interface": "eth1"}}` |
/// | `dhcp/<name>_<vnic>.lease` | the udhcpc script's JSON lease |
///
/// A missing file reads as empty (the Python agent writes them lazily). A file that is not the
/// JSON object it should be is a finding (`legacy_file_unreadable`), never read as empty in
/// silence: the devices the other files name are still considered.
public struct LegacyState: Sendable, Equatable {
    /// One vPLC as the Python agent's files describe it.
    public struct Device: Sendable, Equatable {
        public var name: String
        /// The internal bridge address `clients.json` recorded (the runtime's API address).
        public var internalIP: String?
        /// The `runtime_vnics.json` records, as stored.
        public var vnics: [JSONObject]
        /// `serial_configs.json`'s `serial_ports`, as stored.
        public var serialPorts: [JSONValue]
        /// The host NIC `dedicated_nics.json` gave this vPLC.
        public var dedicatedInterface: String?
        /// The last lease per vNIC name (`dhcp/<name>_<vnic>.lease`).
        public var leases: [String: JSONObject]

        public init(name: String) {
            self.name = name
            vnics = []
            serialPorts = []
            leases = [:]
        }
    }

    /// The devices, by name.
    public var devices: [String: Device]
    /// What could not be read.
    public var findings: [TakeoverFinding]

    /// The relative paths of the files read (for the plan and the docs).
    public static let clientsFile = "data/clients.json"
    public static let vnicsFile = "runtime_vnics.json"
    public static let serialFile = "data/serial_configs.json"
    public static let dedicatedFile = "dedicated_nics.json"
    public static let leaseFolder = "dhcp"

    /// Reads the state through `read` (a relative path → its bytes, nil when the file does not
    /// exist) and `leaseFiles` (the file names in `dhcp/`).
    public init(read: (String) -> [UInt8]?, leaseFiles: [String]) {
        var devs: [String: Device] = [:]
        var found: [TakeoverFinding] = []
        /// A top-level JSON object file; `[:]` when missing, a finding when unreadable.
        func object(_ path: String) -> JSONObject {
            guard let bytes = read(path) else { return [:] }
            // handled: a file that is not a JSON object is a finding, its devices come from the others
            guard let o = (try? JSONParser.parse(bytes))?.objectValue else {
                found.append(TakeoverFinding(.legacyFileUnreadable, device: nil, "\(path) is not a JSON object; its content is not imported"))
                return [:]
            }
            return o
        }
        let clients = object(Self.clientsFile)
        let vnics = object(Self.vnicsFile)
        let serial = object(Self.serialFile)
        let dedicated = object(Self.dedicatedFile)
        let names = Set(clients.keys).union(vnics.keys)
        for name in names.sorted() {
            var d = Device(name: name)
            d.internalIP = clients[name]?.objectValue?["ip"]?.stringValue
            if let list = vnics[name] {
                if let records = list.arrayValue?.compactMap(\.objectValue), records.count == list.arrayValue?.count {
                    d.vnics = records
                } else {
                    found.append(TakeoverFinding(.legacyFileUnreadable, device: name, "\(Self.vnicsFile): the entry of \(name) is not a list of objects"))
                }
            }
            d.serialPorts = serial[name]?.objectValue?["serial_ports"]?.arrayValue ?? []
            d.dedicatedInterface = dedicated[name]?.objectValue?["host_interface"]?.stringValue
            devs[name] = d
        }
        for file in leaseFiles.sorted() where file.hasSuffix(".lease") {
            let key = String(file.dropLast(".lease".count))
            // `<name>_<vnic>`: both may hold '_', so the device is the longest known name that fits.
            guard let name = names.filter({ key.hasPrefix($0 + "_") }).max(by: { $0.count < $1.count }) else { continue }
            let vnic = String(key.dropFirst(name.count + 1))
            let path = Self.leaseFolder + "/" + file
            guard let bytes = read(path) else { continue }
            // handled: an unreadable lease is a finding; the vNIC then has no last lease
            guard let lease = (try? JSONParser.parse(bytes))?.objectValue else {
                found.append(TakeoverFinding(.legacyFileUnreadable, device: name, "\(path) is not a JSON object", blocksAdoption: false))
                continue
            }
            devs[name]?.leases[vnic] = lease
        }
        devices = devs
        findings = found

    }
}
