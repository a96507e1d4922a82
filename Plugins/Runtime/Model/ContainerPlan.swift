import AgentJSON

/// The LAN a MACVLAN vNIC lands on: one Docker network per parent interface and subnet.
public struct MacvlanTarget: Sendable, Equatable {
    public var name: String
    public var parent: String
    public var subnet: IPv4Network
    public var gateway: IPv4?

    public init(parent: String, subnet: IPv4Network, gateway: IPv4?) {
        self.parent = parent
        self.subnet = subnet
        self.gateway = gateway
        name = Naming.macvlanNetwork(parent: parent, subnet: subnet)
    }

    /// Labels of a MACVLAN network the agent makes (shared by vPLCs, so no device label).
    public var labels: JSONObject {
        [Naming.managedLabel: "true", Naming.roleLabel: "macvlan", Naming.parentLabel: .string(parent)]
    }
}

/// One vNIC with its network and MAC decided.
public struct PlannedVNIC: Sendable, Equatable {
    public var spec: VNICSpec
    public var network: MacvlanTarget
    public var mac: String
}

/// A vNIC whose parent is a WiFi interface: no Docker network, a proxy-ARP bridge through the
/// netmon sidecar after every start (spec §5.1, §7.4).
public struct PlannedWifiVNIC: Sendable, Equatable {
    public var spec: VNICSpec
    /// The address's prefix inside the container (the LAN's; 24 when unknown, upstream's default).
    public var prefix: Int
    /// The container's default route (the LAN gateway), when known.
    public var gateway: IPv4?
    /// `wifi_<parent>_<vnic>`.
    public var pseudoNetwork: String { Naming.wifiNetwork(parent: spec.parentInterface, vnic: spec.name) }
}

/// Everything a create needs, decided before any Docker call (spec §5.1–5.3).
public struct ContainerPlan: Sendable {
    public var spec: DeviceSpec
    public var image: String
    public var internalNetwork: String
    public var vnics: [PlannedVNIC]
    /// The vNICs on WiFi parents (never MACVLANs).
    public var wifiVNICs: [PlannedWifiVNIC] = []

    /// Device majors allowed besides ``standardSerialMajors`` (those of host devices a serial
    /// config matches at create: a hot-plugged node of that major then opens without a restart).
    public var serialMajors: [Int] = []

    /// The majors every vPLC may use (spec §5.1): 188 ttyUSB, 166 ttyACM, 4 ttyS.
    public static let standardSerialMajors = [188, 166, 4]

    /// Site settings that shape every vPLC.
    public struct Settings: Sendable {
        /// Image repository; the tag is the request's `runtime_version`.
        public var imageRepository = "ghcr.io/autonomy-logic/openplc-runtime"
        public init() {}
    }

    /// Plans a create.
    /// - Parameters:
    ///   - lanOf: the subnet and gateway of a host interface (the netmon cache), for vNICs whose
    ///     message gave none.
    ///   - existingMAC: MACs to keep (a re-create of a known device keeps its persisted MACs).
    ///   - wifiParents: host interfaces the netmon cache calls `wifi`: their vNICs become
    ///     ``wifiVNICs`` (two on one WiFi parent are allowed: upstream only warned).
    /// - Throws: ``RuntimeError`` `subnet_unknown`, `duplicate_network` or `invalid_vnic`.
    public init(
        spec: DeviceSpec, settings: Settings, lanOf: (String) -> (IPv4Network, IPv4?)?,
        existingMAC: [String: String] = [:], newMAC: () -> String = { MACAddress.generate() }, wifiParents: Set<String> = []
    ) throws(RuntimeError) {
        self.spec = spec
        image = "\(settings.imageRepository):\(spec.runtimeVersion)"
        internalNetwork = Naming.internalNetwork(spec.deviceID)
        var planned: [PlannedVNIC] = []
        for (i, v) in spec.vnics.enumerated() {
            if wifiParents.contains(v.parentInterface) {
                wifiVNICs.append(try Self.wifi(v, index: i, lan: lanOf(v.parentInterface)))
                continue
            }
            let target: MacvlanTarget
            if let subnet = v.subnet {
                target = MacvlanTarget(parent: v.parentInterface, subnet: subnet, gateway: v.gateway)
            } else if let (subnet, gw) = lanOf(v.parentInterface) {
                target = MacvlanTarget(parent: v.parentInterface, subnet: subnet, gateway: v.gateway ?? gw)
            } else {
                throw RuntimeError(
                    "subnet_unknown",
                    "Could not detect the subnet of \(v.parentInterface): give subnet and gateway in the vNIC, or run the netmon sidecar",
                    field: "vnic_configs[\(i)].subnet")
            }
            if v.mode == .staticIP, let ip = v.ip, !target.subnet.contains(ip) {
                throw RuntimeError(
                    "invalid_vnic", "\(ip) is outside \(v.parentInterface)'s subnet \(target.subnet)",
                    field: "vnic_configs[\(i)].ip")
            }
            if planned.contains(where: { $0.network.name == target.name }) {
                throw RuntimeError(
                    "duplicate_network",
                    "vNICs would connect to the same MACVLAN network (\(target.name)); an engine allows one endpoint per container per network",
                    field: "vnic_configs[\(i)].parent_interface")
            }
            planned.append(PlannedVNIC(spec: v, network: target, mac: v.mac ?? existingMAC[v.name] ?? newMAC()))
        }
        vnics = planned
    }

    private static func wifi(_ v: VNICSpec, index i: Int, lan: (IPv4Network, IPv4?)?) throws(RuntimeError) -> PlannedWifiVNIC {
        let subnet = v.subnet ?? lan?.0
        if v.mode == .staticIP, let ip = v.ip, let subnet, !subnet.contains(ip) {
            throw RuntimeError(
                "invalid_vnic", "\(ip) is outside \(v.parentInterface)'s subnet \(subnet)", field: "vnic_configs[\(i)].ip")
        }
        return PlannedWifiVNIC(spec: v, prefix: subnet?.prefix ?? 24, gateway: v.gateway ?? lan?.1)
    }

    /// Container labels: ownership, device, spec hash, vNIC → network.
    public var containerLabels: JSONObject {
        var l: JSONObject = [
            Naming.managedLabel: "true", Naming.roleLabel: "vplc", Naming.deviceLabel: .string(spec.deviceID),
            Naming.specLabel: .string(spec.fingerprint),
        ]
        for v in vnics { l[Naming.vnicLabelPrefix + v.spec.name] = .string(v.network.name) }
        for v in wifiVNICs { l[Naming.vnicLabelPrefix + v.spec.name] = .string(v.pseudoNetwork) }
        return l
    }

    /// Labels of the internal bridge.
    public var internalLabels: JSONObject {
        [Naming.managedLabel: "true", Naming.roleLabel: "internal", Naming.deviceLabel: .string(spec.deviceID)]
    }

    /// Docker `HostConfig` (spec §5.1): real-time capabilities and ulimits, serial device rules,
    /// no restart policy (the agent's lifecycle manager restarts), no CPU or memory limits (they
    /// break SCHED_FIFO in the runtime, Appendix B).
    public var hostConfig: JSONObject {
        var caps: [JSONValue] = ["SYS_NICE", "MKNOD"]
        if spec.dedicatedInterface != nil { caps += ["NET_RAW", "NET_ADMIN"] }
        var h: JSONObject = [
            "CapAdd": .array(caps),
            "Ulimits": [
                ["Name": "rtprio", "Soft": 99, "Hard": 99],
                ["Name": "memlock", "Soft": -1, "Hard": -1],
            ],
            "DeviceCgroupRules": .array(
                (Self.standardSerialMajors + serialMajors.filter { !Self.standardSerialMajors.contains($0) })
                    .map { .string("c \($0):* rmw") }),
            "RestartPolicy": ["Name": "no"],
        ]
        var dns: [String] = []
        for v in spec.vnics { for d in v.dns where !dns.contains(d.description) { dns.append(d.description) } }
        if !dns.isEmpty { h["Dns"] = .array(dns.map { .string($0) }) }
        return h
    }

    /// The driver's `networks` list. Order matters on engines below API 1.44, which apply the
    /// container-level MAC to the first network only: the first MACVLAN vNIC goes first, then
    /// the internal bridge, then the other vNICs.
    public var networks: [JSONValue] {
        var out: [JSONValue] = []
        func endpoint(_ v: PlannedVNIC) -> JSONValue {
            var e: JSONObject = ["network": .string(v.network.name), "mac_address": .string(v.mac)]
            if v.spec.mode == .staticIP, let ip = v.spec.ip { e["ipv4_address"] = .string(ip.description) }
            return .object(e)
        }
        if let first = vnics.first { out.append(endpoint(first)) }
        out.append(["network": .string(internalNetwork)])
        for v in vnics.dropFirst() { out.append(endpoint(v)) }
        return out
    }
}
