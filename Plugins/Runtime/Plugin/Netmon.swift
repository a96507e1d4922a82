import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// The host network as the vPLC plugin sees it: the registry's `agent.netmon` (the listener
/// plugin in front of the netmon sidecar). Optional: without it vNICs need an explicit subnet,
/// DHCP vNICs get no lease and nothing follows the host across networks.
struct Netmon: NetmonClient {
    let host: PluginHost

    /// The listener, if one is loaded.
    var handle: ProtocolHandle? { host.lookup("agent.netmon") }

    var isAvailable: Bool { handle != nil }

    /// Sends one sidecar command (`start_dhcp`, `set_link_mac`, …) and answers its reply.
    /// - Throws: ``RuntimeError`` `netmon_unavailable` without a listener, else the sidecar's or
    ///   the listener's code (`netmon_timeout`, `interface_not_found`, …).
    func command(_ name: String, _ fields: JSONObject) async throws(RuntimeError) -> JSONObject {
        guard let h = handle else {
            throw RuntimeError("netmon_unavailable", "no agent.netmon plugin is loaded (add libagent-netmon.so to plugins.load)")
        }
        var params = fields
        params["command"] = .string(name)
        do {
            return try await h.invoke("command", params).objectValue ?? [:]
        } catch {
            throw RuntimeError(error.code, error.message, field: error.field)
        }
    }

    /// The subnet and default gateway of host interface `name` (its first IPv4 address), or nil
    /// when the listener is missing, does not know it, or it has no address (a failed question is
    /// logged with its code: the caller then reports the parent as having no known LAN).
    func lan(of name: String) async -> (IPv4Network, IPv4?)? {
        guard let h = handle else { return nil }
        do throws(PluginError) {
            guard let info = try await h.invoke("interface", ["name": .string(name)]).objectValue else { return nil }
            return Self.lan(info)
        } catch {
            host.log(.warning, "could not ask the netmon listener for an interface's LAN", metadata: ["code": error.code, "interface": name, "error": error.message])
            return nil
        }
    }

    func interfaceTable() async throws(PluginError) -> JSONObject? {
        guard let h = handle else { return nil }
        return try await h.invoke("interfaces").objectValue ?? [:]
    }

    func events() throws(PluginError) -> AsyncStream<ProtocolEvent>? {
        guard let h = handle else { return nil }
        return try h.subscribe()
    }

    func version() async -> JSONValue? {
        // harmless: a query; nil ("unknown" to the caller) when the listener cannot say
        guard let h = handle, let v = try? await h.invoke("version") else { return nil }
        return v
    }

    /// The LAN of one interface-info object (`network_change` / `network_discovery` entry).
    static func lan(_ info: JSONObject) -> (IPv4Network, IPv4?)? {
        guard let first = info["ipv4_addresses"]?.arrayValue?.first?.objectValue,
            let subnet = first["subnet"]?.stringValue.flatMap({ IPv4Network(cidr: $0) })
        else { return nil }
        // A gateway outside the subnet (a stale route during a renumbering) is no gateway.
        let gateway = info["gateway"]?.stringValue.flatMap { IPv4($0) }.flatMap { subnet.contains($0) ? $0 : nil }
        return (subnet, gateway)
    }
}
