import AgentJSON

/// What the agent remembers about one vPLC (store key `device/<id>`), schema 1.
public struct DeviceRecord: Sendable, Equatable {
    /// Whether the vPLC should run. `stop_device` sets `stopped`; the lifecycle manager never
    /// starts a `stopped` vPLC and never restarts a running one.
    public enum Desired: String, Sendable { case running, stopped }

    /// One vNIC as made: its MACVLAN network and the MAC that is persisted across re-attaches.
    public struct VNIC: Sendable, Equatable {
        public var name: String
        public var network: String
        public var parent: String
        public var mode: String
        public var mac: String
        public var ip: String?
        /// Why the vNIC is not attached to any LAN (e.g. `subnet_mismatch` after the parent's
        /// subnet moved away from a static address); nil while attached.
        public var detached: RuntimeError?
        /// A DHCP vNIC's address from a lease this agent did not see granted (the Python agent's
        /// lease file, at a takeover): its DHCP client asks for it and keeps it on the link, so
        /// the switch changes no address. Nil otherwise.
        public var leasedIP: String?
        /// `proxy_arp` for a WiFi vNIC (no Docker network: a proxy-ARP bridge through the
        /// netmon sidecar; ``network`` is then the `wifi_<parent>_<vnic>` pseudo-network); nil for
        /// a MACVLAN vNIC.
        public var method: String?
        /// A WiFi vNIC's bridge as last built (nil until the sidecar built it).
        public var proxyARP: ProxyARPConfig?

        /// Whether this vNIC reaches its LAN through a proxy-ARP bridge (a WiFi parent).
        public var isWifi: Bool { method == Naming.proxyARPMethod }

        public init(name: String, network: String, parent: String, mode: String, mac: String, ip: String?) {
            self.name = name
            self.network = network
            self.parent = parent
            self.mode = mode
            self.mac = mac
            self.ip = ip
            detached = nil
            leasedIP = nil
            method = nil
            proxyARP = nil
        }
    }

    public var deviceID: String
    /// The canonical create request (``DeviceSpec/json``).
    public var spec: JSONObject
    public var fingerprint: String
    public var desired: Desired
    public var containerID: String?
    public var vnics: [VNIC]
    public var createdAt: String
    /// Restarts done by the agent (reported as `restart_count`).
    public var restarts: Int
    /// Set when the crash-loop guard gave up; cleared by start/restart/create.
    public var crashLoop: Bool
    /// Where a vPLC this agent did not create came from (`python-agent`: taken over from the
    /// Python agent's files, its container unlabelled); nil for the agent's own.
    public var adoptedFrom: String?

    public init(deviceID: String, spec: JSONObject, fingerprint: String, vnics: [VNIC], createdAt: String) {
        self.deviceID = deviceID
        self.spec = spec
        self.fingerprint = fingerprint
        desired = .running
        containerID = nil
        self.vnics = vnics
        self.createdAt = createdAt
        restarts = 0
        crashLoop = false
        adoptedFrom = nil
    }

    public var json: JSONValue {
        var o: JSONObject = [
            "schema": 1, "device_id": .string(deviceID), "spec": .object(spec), "fingerprint": .string(fingerprint),
            "desired": .string(desired.rawValue), "created_at": .string(createdAt), "restarts": .number(Double(restarts)),
            "crash_loop": .bool(crashLoop),
            "vnics": .array(
                vnics.map { v in
                    var e: JSONObject = [
                        "name": .string(v.name), "network": .string(v.network), "parent": .string(v.parent),
                        "mode": .string(v.mode), "mac": .string(v.mac),
                    ]
                    if let ip = v.ip { e["ip"] = .string(ip) }
                    if let d = v.detached { e["detached"] = ["code": .string(d.code), "message": .string(d.message)] }
                    if let l = v.leasedIP { e["leased_ip"] = .string(l) }
                    if let m = v.method { e["method"] = .string(m) }
                    if let p = v.proxyARP { e["proxy_arp_config"] = .object(p.json) }
                    return .object(e)
                }),
        ]
        if let containerID { o["container_id"] = .string(containerID) }
        if let adoptedFrom { o["adopted_from"] = .string(adoptedFrom) }
        return .object(o)
    }

    /// Decodes a stored record.
    /// - Throws: ``RuntimeError`` `corrupt_record` (the store keeps it; the agent reports it).
    public init(json: JSONValue) throws(RuntimeError) {
        guard let o = json.objectValue, o["schema"]?.numberValue == 1, let id = o["device_id"]?.stringValue,
            let spec = o["spec"]?.objectValue, let fp = o["fingerprint"]?.stringValue,
            let desired = o["desired"]?.stringValue.flatMap(Desired.init(rawValue:))
        else { throw RuntimeError("corrupt_record", "a device record has an unknown shape or schema") }
        deviceID = id
        self.spec = spec
        fingerprint = fp
        self.desired = desired
        containerID = o["container_id"]?.stringValue
        createdAt = o["created_at"]?.stringValue ?? ""
        restarts = Int(o["restarts"]?.numberValue ?? 0)
        crashLoop = o["crash_loop"]?.boolValue ?? false
        adoptedFrom = o["adopted_from"]?.stringValue
        vnics = (o["vnics"]?.arrayValue ?? []).compactMap { v -> VNIC? in
            guard let e = v.objectValue, let n = e["name"]?.stringValue, let net = e["network"]?.stringValue,
                let mac = e["mac"]?.stringValue
            else { return nil }
            var vnic = VNIC(
                name: n, network: net, parent: e["parent"]?.stringValue ?? "", mode: e["mode"]?.stringValue ?? "static",
                mac: mac, ip: e["ip"]?.stringValue)
            if let d = e["detached"]?.objectValue {
                vnic.detached = RuntimeError(d["code"]?.stringValue ?? "detached", d["message"]?.stringValue ?? "")
            }
            vnic.leasedIP = e["leased_ip"]?.stringValue
            vnic.method = e["method"]?.stringValue
            vnic.proxyARP = e["proxy_arp_config"]?.objectValue.flatMap(ProxyARPConfig.init(json:))
            return vnic
        }
    }
}
