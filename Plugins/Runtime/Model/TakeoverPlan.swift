import AgentJSON

/// What taking over a Python-agent site does with each vPLC the Python agent's files name:
/// adopt it as it runs (a record in this agent's store; the container is not recreated, not
/// restarted, not relabelled — Docker cannot label a running container), or leave it alone with a
/// finding that says why. Pure: built from the files (``LegacyState``), the engine's inspect of
/// each container and the devices the store already knows, so a second start (or a start after a
/// kill in the middle) plans the same, minus what is already adopted.
public struct TakeoverPlan: Sendable, Equatable {
    /// One vPLC to adopt: its canonical request and the record the store gets.
    public struct Adoption: Sendable, Equatable {
        public var spec: DeviceSpec
        public var record: DeviceRecord
    }

    public var adoptions: [Adoption]
    /// Blockers (the vPLC was left alone) and notes (adopted, but an operator should know).
    public var findings: [TakeoverFinding]
    /// Names skipped without a finding, and why: `already_known` (in the store: adopted by an
    /// earlier start) or `managed` (a container of this agent's, with its labels).
    public var skipped: [String: String]

    /// - Parameters:
    ///   - containers: `container.inspect` results by container name; a name without one has no
    ///     container.
    ///   - known: the device ids in the store.
    ///   - imageRepositories: the repositories a vPLC's image may come from.
    ///   - importedAt: the stamp of the adopted records' `created_at`.
    public init(
        legacy: LegacyState, containers: [String: JSONObject], known: Set<String>, imageRepositories: [String],
        importedAt: String
    ) {
        adoptions = []
        findings = legacy.findings
        skipped = [:]
        let fileBlocked = Set(legacy.findings.filter(\.blocksAdoption).compactMap(\.device))
        for (name, device) in legacy.devices.sorted(by: { $0.key < $1.key }) {
            guard Naming.isValidDeviceID(name) else {
                findings.append(TakeoverFinding(.invalidName, device: name, "'\(name)' is not a container name this agent accepts"))
                continue
            }
            if known.contains(name) {
                skipped[name] = "already_known"
                continue
            }
            guard let container = containers[name] else {
                findings.append(TakeoverFinding(.containerMissing, device: name, "the Python agent's files name \(name), but Docker has no such container"))
                continue
            }
            if container["labels"]?.objectValue?[Naming.managedLabel]?.stringValue == "true" {
                skipped[name] = "managed"
                continue
            }
            guard !fileBlocked.contains(name) else { continue }  // its finding came with the files
            switch Self.adoption(device, container: container, repositories: imageRepositories, at: importedAt) {
            case .success(let (adoption, notes)):
                adoptions.append(adoption)
                findings += notes
            case .failure(let blockers):
                findings += blockers.findings
            }
        }
    }

    /// A WiFi vNIC taken over (spec §7.7): no Docker network; the Python agent's
    /// `_proxy_arp_config` is kept as the bridge the vNIC has (the sidecar's next setup removes
    /// that host veth and builds its own), the leased address as the one to keep.
    static func wifiAdoption(_ spec: VNICSpec, legacy: JSONObject, lease: JSONObject?) -> DeviceRecord.VNIC {
        let config = legacy["_proxy_arp_config"]?.objectValue.flatMap(ProxyARPConfig.init(json:))
        let leased = legacy["dhcp_ip"]?.stringValue ?? lease?["ip"]?.stringValue
        let address = spec.mode == .staticIP ? spec.ip?.description ?? config?.ip : config?.ip ?? leased
        var vnic = DeviceRecord.VNIC(
            name: spec.name, network: Naming.wifiNetwork(parent: spec.parentInterface, vnic: spec.name), parent: spec.parentInterface,
            mode: spec.mode.rawValue, mac: "", ip: address)
        vnic.method = Naming.proxyARPMethod
        vnic.proxyARP = config
        if spec.mode == .dhcp, let leased = leased ?? config?.ip, IPv4(leased) != nil { vnic.leasedIP = leased }
        return vnic
    }

    /// The findings that stopped one vPLC's adoption.
    struct Blockers: Error { var findings: [TakeoverFinding] }

    static func adoption(
        _ device: LegacyState.Device, container: JSONObject, repositories: [String], at: String
    ) -> Result<(Adoption, [TakeoverFinding]), Blockers> {
        let name = device.name
        var blockers: [TakeoverFinding] = []
        var notes: [TakeoverFinding] = []
        let image = container["image"]?.stringValue ?? ""
        let (repository, tag) = ImageReference.split(image)
        if !repositories.contains(repository) {
            blockers.append(TakeoverFinding(
                .unexpectedImage, device: name,
                "\(name) runs \(image.isEmpty ? "no known image" : image), not an image of \(repositories.joined(separator: " or "))"))
        }
        let networks = container["networks"]?.objectValue ?? [:]
        if networks[Naming.internalNetwork(name)] == nil {
            blockers.append(TakeoverFinding(.internalNetworkMissing, device: name, "\(name) is not on its internal bridge \(Naming.internalNetwork(name))"))
        }
        var requests: [JSONValue] = []
        var vnics: [DeviceRecord.VNIC] = []
        for (i, legacy) in device.vnics.enumerated() {
            let vnicName = legacy["name"]?.stringValue ?? "#\(i)"
            let isWifi = legacy["_is_wifi"]?.boolValue == true || legacy["_network_method"]?.stringValue == "proxy_arp"
                || legacy["_interface_type"]?.stringValue == "wifi"
            var request: JSONObject = [:]
            for key in ["name", "parent_interface", "network_mode", "ip", "subnet", "gateway", "dns", "mac"] {
                if let v = legacy[key], v != .null { request[key] = v }
            }
            let spec: VNICSpec
            do throws(RuntimeError) {
                spec = try VNICSpec(json: request, index: i)
            } catch {
                blockers.append(TakeoverFinding(.vnicInvalid, device: name, "vNIC \(vnicName): \(error.message)"))
                continue
            }
            requests.append(.object(spec.json))
            if isWifi {
                vnics.append(wifiAdoption(spec, legacy: legacy, lease: device.leases[spec.name]))
                continue
            }
            let prefix = "macvlan_\(spec.parentInterface)_"
            let network = legacy["docker_network_name"]?.stringValue.flatMap { networks[$0] == nil ? nil : $0 }
                ?? networks.keys.filter { $0.hasPrefix(prefix) }.sorted().first
            guard let network, let endpoint = networks[network]?.objectValue else {
                blockers.append(TakeoverFinding(.vnicNetworkMissing, device: name, "vNIC \(spec.name): \(name) is on no MACVLAN network of \(spec.parentInterface)"))
                continue
            }
            let mac = endpoint["mac_address"]?.stringValue.flatMap(MACAddress.normalize) ?? ""
            if let persisted = legacy["mac_address"]?.stringValue.flatMap(MACAddress.normalize), persisted != mac {
                notes.append(TakeoverFinding(
                    .macMismatch, device: name,
                    "vNIC \(spec.name): Docker has \(mac), the files \(persisted); the address Docker has is kept", blocksAdoption: false))
            }
            let address = endpoint["ip_address"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            if spec.mode == .staticIP, let wanted = spec.ip?.description, address != wanted {
                notes.append(TakeoverFinding(
                    .ipMismatch, device: name,
                    "vNIC \(spec.name): Docker has \(address ?? "no address"), the files \(wanted); the address Docker has is kept",
                    blocksAdoption: false))
            }
            var vnic = DeviceRecord.VNIC(
                name: spec.name, network: network, parent: spec.parentInterface, mode: spec.mode.rawValue, mac: mac, ip: address)
            if spec.mode == .dhcp, let leased = device.leases[spec.name]?["ip"]?.stringValue, IPv4(leased) != nil {
                vnic.leasedIP = leased
            }
            vnics.append(vnic)
        }
        var message: JSONObject = [
            "container_name": .string(name), "vnic_configs": .array(requests),
            "runtime_version": .string(Naming.isValidTag(tag) ? tag : "latest"),
        ]
        let serial = Self.serialConfigs(device.serialPorts, device: name, notes: &notes)
        if !serial.isEmpty { message["serial_configs"] = .array(serial) }
        if let d = device.dedicatedInterface { message["dedicated_interface"] = .string(d) }
        guard blockers.isEmpty else { return .failure(Blockers(findings: blockers)) }
        let spec: DeviceSpec
        do throws(RuntimeError) {
            spec = try DeviceSpec(message: message)
        } catch {
            return .failure(Blockers(findings: [TakeoverFinding(.vnicInvalid, device: name, error.message)]))
        }
        var record = DeviceRecord(deviceID: name, spec: spec.json, fingerprint: spec.fingerprint, vnics: vnics, createdAt: at)
        record.containerID = container["id"]?.stringValue
        record.adoptedFrom = "python-agent"
        return .success((Adoption(spec: spec, record: record), notes))
    }

    /// The plan as `adopt --dry-run` and the store's `legacy/imported` show it.
    public var json: JSONObject {
        [
            "adopt": .array(adoptions.map { a in
                .object([
                    "device_id": .string(a.spec.deviceID), "runtime_version": .string(a.spec.runtimeVersion),
                    "vnics": .array(a.record.vnics.map { v in
                        .object([
                            "name": .string(v.name), "network": .string(v.network), "mode": .string(v.mode),
                            "mac": .string(v.mac), "ip": (v.leasedIP ?? v.ip).map(JSONValue.string) ?? .null,
                        ])
                    }),
                ])
            }),
            "findings": .array(findings.map { .object($0.json) }),
            "skipped": .object(JSONObject(skipped.sorted(by: { $0.key < $1.key }).map { ($0.key, JSONValue.string($0.value)) })),
        ]
    }
}

/// `repository[:tag]` of an image reference (a `@digest` keeps its repository; no tag is
/// `latest`, as Docker reads it).
public enum ImageReference {
    public static func split(_ reference: String) -> (repository: String, tag: String) {
        let withoutDigest = reference.split(separator: "@", maxSplits: 1).first.map(String.init) ?? reference
        let lastSlash = withoutDigest.lastIndex(of: "/")
        if let colon = withoutDigest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            return (String(withoutDigest[..<colon]), String(withoutDigest[withoutDigest.index(after: colon)...]))
        }
        return (withoutDigest, "latest")
    }
}

extension TakeoverPlan {
    /// The Python agent's `serial_ports` as `serial_configs`: only the request's keys (`name`,
    /// `device_id`, `container_path`, `baud_rate`; its status, numbers and host path are this
    /// agent's to find out again), each entry this agent cannot use left out as a note
    /// (`serial_config_invalid`): a bad port never keeps a running vPLC from being adopted.
    static func serialConfigs(_ ports: [JSONValue], device: String, notes: inout [TakeoverFinding]) -> [JSONValue] {
        var out: [JSONValue] = []
        for port in ports {
            var entry = JSONObject()
            for key in ["name", "device_id", "container_path", "baud_rate"] {
                if let v = port.objectValue?[key], !v.isNull { entry[key] = v }
            }
            if entry["name"] == nil { entry["name"] = entry["device_id"] ?? "serial" }
            do throws(RuntimeError) {
                try SerialConfig.validate(out + [.object(entry)])
                out.append(.object(entry))
            } catch {
                notes.append(TakeoverFinding(.serialConfigInvalid, device: device, "serial port left out: \(error.message)", blocksAdoption: false))
            }
        }
        return out
    }
}
