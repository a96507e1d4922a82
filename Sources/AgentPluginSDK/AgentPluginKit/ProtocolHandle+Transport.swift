import CAgentABI

extension ProtocolHandle {
    /// Asks an `agent.transport` implementation to skip its reconnect back-off and try now (for
    /// example because a network interface changed). Returns at once; a connected transport keeps
    /// its link. Safe from any thread.
    /// - Throws: ``PluginError`` `unsupported` when the handle is not a transport or the transport
    ///   has no `reconnect_now`.
    public func reconnectNow() throws(PluginError) {
        guard protocolID == AGENT_PROTOCOL_TRANSPORT else {
            throw PluginError(status: ABI.unsupported, code: "unsupported", message: "\(protocolID) is not a transport")
        }
        let vt = UnsafeRawPointer(vtable).assumingMemoryBound(to: agent_transport_v1.self)
        guard let reconnect = vt.pointee.reconnect_now else {
            throw PluginError(status: ABI.unsupported, code: "unsupported", message: "\(protocolID) lacks reconnect_now")
        }
        reconnect(instance)
    }
}
