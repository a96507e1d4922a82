import AgentContracts
import AgentJSON
import CAgentABI

/// Collects one plugin's registrations during `register_protocols`; they are committed to the
/// registry only when the whole call succeeded, so a failing plugin leaves nothing behind.
final class RegistrationSession: @unchecked Sendable {
    let pluginID: String
    let registry: ProtocolRegistry
    var pending: [ProtocolRegistry.Entry] = []
    /// The first refused registration, with its reason.
    var failure: PluginRefusal?

    init(pluginID: String, registry: ProtocolRegistry) {
        self.pluginID = pluginID
        self.registry = registry
    }

    func register(_ reg: agent_protocol_registration) -> Int32 {
        func refuse(_ status: Int32, _ code: PluginRefusal.Code, _ message: String) -> Int32 {
            if failure == nil { failure = PluginRefusal(code, message) }
            return status
        }
        guard let protoPtr = reg.protocol_id, let namePtr = reg.name, let vtable = reg.vtable else {
            return refuse(Int32(AGENT_E_INVALID_ARGUMENT), .registrationFailed, "registration without protocol id, name or vtable")
        }
        let proto = String(cString: protoPtr)
        let name = String(cString: namePtr)
        guard !name.isEmpty else {
            return refuse(Int32(AGENT_E_INVALID_ARGUMENT), .registrationFailed, "empty name for protocol '\(proto)'")
        }
        guard let known = ProtocolRegistry.knownProtocols[proto] else {
            return refuse(Int32(AGENT_E_UNSUPPORTED), .registrationFailed, "unknown protocol '\(proto)'")
        }
        guard vtable.pointee.protocol_major == known.major else {
            return refuse(
                Int32(AGENT_E_UNSUPPORTED), .registrationFailed,
                "'\(proto)' major \(vtable.pointee.protocol_major) is not supported (host speaks \(known.major))")
        }
        guard Int(vtable.pointee.struct_size) >= known.minSize else {
            return refuse(
                Int32(AGENT_E_ABI_MISMATCH), .registrationFailed,
                "'\(proto)/\(name)' vtable is \(vtable.pointee.struct_size) bytes, at least \(known.minSize) needed")
        }
        if registry.contains(proto, name: name) || pending.contains(where: { $0.protocolID == proto && $0.name == name }) {
            let owner = registry.lookup(proto, name: name)?.pluginID ?? pluginID
            return refuse(
                Int32(AGENT_E_DUPLICATE), .duplicateRegistration, "'\(proto)/\(name)' is already registered by '\(owner)'")
        }
        var contract: Contract? = nil
        if proto == AGENT_PROTOCOL_TOPIC_HANDLER {
            let bytes = HostBytes.copy(reg.contract_json)
            do {
                contract = try Contract.registered(contractJSON: bytes)
            } catch {
                return refuse(
                    Int32(AGENT_E_INVALID_ARGUMENT), .registrationFailed, "contract of topic '\(name)' is invalid: \(error)")
            }
        }
        pending.append(
            ProtocolRegistry.Entry(
                protocolID: proto, name: name, pluginID: pluginID, vtable: vtable, instance: reg.instance,
                contract: contract, addDefaults: reg.flags & UInt64(AGENT_TOPIC_ADD_DEFAULTS) != 0))
        return Int32(AGENT_OK)
    }
}

let hostRegisterProtocol:
    @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<agent_protocol_registration>?) -> Int32 = { raw, reg in
        guard let raw, let reg else { return Int32(AGENT_E_INVALID_ARGUMENT) }
        let session = Unmanaged<RegistrationSession>.fromOpaque(raw).takeUnretainedValue()
        guard Int(reg.pointee.struct_size) >= MemoryLayout<agent_protocol_registration>.size else {
            if session.failure == nil {
                session.failure = PluginRefusal(.registrationFailed, "registration struct too small (\(reg.pointee.struct_size) bytes)")
            }
            return Int32(AGENT_E_ABI_MISMATCH)
        }
        return session.register(reg.pointee)
    }
