@_spi(HostDouble) import AgentPluginKit
import AgentContracts
import AgentJSON
import CAgentABI

/// The registrar handed to one plugin's `register_protocols`: adds its registrations to the
/// host's registry with the agent's rules (known protocol ids, unique (protocol, name), a topic
/// contract that parses), all or nothing.
final class Registrar: @unchecked Sendable {
    /// The protocol ids this host knows (the header's `AGENT_PROTOCOL_*`).
    static let knownProtocols: Set<String> = [
        AGENT_PROTOCOL_TOPIC_HANDLER, AGENT_PROTOCOL_TRANSPORT, AGENT_PROTOCOL_CONTAINER_DRIVER, AGENT_PROTOCOL_NETMON,
        AGENT_PROTOCOL_UPGRADER,
    ]

    let owner: String
    let host: HostState
    /// What was refused, for the load error.
    var refusal: String? = nil

    init(owner: String, host: HostState) {
        self.owner = owner
        self.host = host
    }

    /// Runs `body` with a C registrar pointing at this object.
    func withRegistrar<T>(_ body: (UnsafePointer<agent_registrar>) -> T) -> T {
        var registrar = agent_registrar(
            struct_size: UInt32(MemoryLayout<agent_registrar>.size), registrar_ctx: Unmanaged.passUnretained(self).toOpaque(),
            register_protocol: registerProtocol)
        return withUnsafePointer(to: &registrar) { body($0) }
    }

    func register(_ reg: agent_protocol_registration) -> Int32 {
        guard let idPtr = reg.protocol_id, let namePtr = reg.name, let vtable = reg.vtable else {
            refusal = "a registration without protocol id, name or vtable"
            return Int32(AGENT_E_INVALID_ARGUMENT)
        }
        let protocolID = String(cString: idPtr)
        let name = String(cString: namePtr)
        guard Self.knownProtocols.contains(protocolID) else {
            refusal = "unknown protocol '\(protocolID)'"
            return Int32(AGENT_E_UNSUPPORTED)
        }
        var contract: Contract? = nil
        if protocolID == AGENT_PROTOCOL_TOPIC_HANDLER {
            do {
                contract = try Contract.registered(contractJSON: Bytes.copy(reg.contract_json))
            } catch {
                refusal = "the contract of topic '\(name)' does not parse: \(error)"
                return Int32(AGENT_E_INVALID_ARGUMENT)
            }
        }
        let entry = RegistryEntry(
            protocolID: protocolID, name: name, owner: owner, vtable: vtable, instance: reg.instance, contract: contract,
            addDefaults: reg.flags & UInt64(AGENT_TOPIC_ADD_DEFAULTS) != 0)
        guard host.register(entry) else {
            refusal = "\(protocolID) '\(name)' is already registered"
            return Int32(AGENT_E_DUPLICATE)
        }
        return Int32(AGENT_OK)
    }
}

private let registerProtocol: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<agent_protocol_registration>?) -> Int32 = {
    raw, reg in
    guard let raw, let reg else { return Int32(AGENT_E_INVALID_ARGUMENT) }
    return Unmanaged<Registrar>.fromOpaque(raw).takeUnretainedValue().register(reg.pointee)
}
