import AgentJSON
import AgentPluginKit
import RuntimeModel

/// The serial ports' states (`serial/<device>` → `{"ports": [SerialPortState.json]}`), kept
/// apart from the device record so the passthrough never rewrites a record an operation owns.
extension RuntimeStore {
    /// The states of `device`'s ports by container path (empty when none were stored).
    func serialPorts(_ device: String) throws(RuntimeError) -> [String: SerialPortState] {
        let v = try wrap { () throws(PluginError) in try host.storeGet("serial/" + device) }
        var out: [String: SerialPortState] = [:]
        for p in v?.objectValue?["ports"]?.arrayValue ?? [] {
            if let o = p.objectValue, let s = SerialPortState(json: o) { out[s.config.containerPath] = s }
        }
        return out
    }

    /// Replaces the states of `device`'s ports (none: the key is deleted).
    func putSerialPorts(_ device: String, _ ports: [SerialPortState]) throws(RuntimeError) {
        let key = "serial/" + device
        if ports.isEmpty {
            try wrap { () throws(PluginError) in try host.storeApply([.delete(key)]) }
            return
        }
        let list = ports.sorted { $0.config.containerPath < $1.config.containerPath }.map { JSONValue.object($0.json) }
        try wrap { () throws(PluginError) in try host.storePut(key, ["ports": .array(list)]) }
    }

    /// The devices that have stored port states.
    func serialPortDevices() throws(RuntimeError) -> [String] {
        try wrap { () throws(PluginError) in try host.storeKeys(prefix: "serial/") }.map { String($0.dropFirst("serial/".count)) }
    }
}
