import AgentJSON
import NetmonProtocol

extension InterfaceEntry {
    /// The `status` an InterfaceInfo reports: `up`, `down` or `removed`.
    public enum Report: String, Sendable {
        case up
        case down
        case removed
    }

    /// What an InterfaceInfo object says about its link: the status (absent = `up`, as the
    /// upstream sidecar only reported up interfaces and stubs always carry one); nil when the
    /// object names no interface.
    public static func report(of info: JSONObject) -> Report? {
        guard let name = info["interface"]?.stringValue, !name.isEmpty else { return nil }
        switch info["status"]?.stringValue {
        case NetmonWire.Status.down: return .down
        case NetmonWire.Status.removed: return .removed
        default: return .up
        }
    }

    /// Reads an InterfaceInfo object (either sidecar's shape). Nil when it names no interface.
    /// A `down` or `removed` report gives an entry that is down with no addresses and no gateway.
    /// - Parameter previous: the cached entry of the same name; its `type` is kept when the report
    ///   has none (upstream rule), and a stub (down/removed) also keeps its MAC, index, MTU and
    ///   `virtual` flag when it does not carry them itself.
    public init?(info: JSONObject, previous: InterfaceEntry? = nil) {
        guard let report = Self.report(of: info), let name = info["interface"]?.stringValue else { return nil }
        let stub = report != .up
        func int(_ key: String) -> Int? {
            guard let n = info[key]?.numberValue, n == n.rounded(), abs(n) < 1e15 else { return nil }
            return Int(n)
        }
        let kept = stub ? previous : nil
        self.init(
            name: name,
            status: stub ? .down : .up,
            type: info["type"]?.stringValue ?? previous?.type ?? "ethernet",
            isVirtual: info["virtual"]?.boolValue ?? kept?.isVirtual,
            macAddress: info["mac_address"]?.stringValue ?? kept?.macAddress,
            index: int("index") ?? kept?.index,
            mtu: int("mtu") ?? kept?.mtu,
            operstate: info["operstate"]?.stringValue,
            addresses: stub ? [] : (info["ipv4_addresses"]?.arrayValue ?? []).compactMap(IPv4Assignment.init(json:)),
            gateway: stub ? nil : info["gateway"]?.stringValue,
            timestamp: info["timestamp"]?.stringValue)
    }

    /// The entry as an InterfaceInfo object (our sidecar's shape; `mac_address` and `gateway` are
    /// null when unknown; `index`, `operstate`, `mtu`, `timestamp` only when known).
    public var json: JSONObject {
        var o: JSONObject = ["interface": .string(name)]
        if let index { o["index"] = .number(Double(index)) }
        if let operstate { o["operstate"] = .string(operstate) }
        o["status"] = .string(status.rawValue)
        o["type"] = .string(type)
        o["virtual"] = .bool(isVirtual)
        o["mac_address"] = macAddress.map { .string($0) } ?? .null
        if let mtu { o["mtu"] = .number(Double(mtu)) }
        o["ipv4_addresses"] = .array(addresses.map(\.json))
        o["gateway"] = gateway.map { .string($0) } ?? .null
        if let timestamp { o["timestamp"] = .string(timestamp) }
        return o
    }
}
