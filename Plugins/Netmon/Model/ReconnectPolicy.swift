/// Decides whether an interface change may have moved the agent's route to the cloud, so the
/// transport should stop waiting out its back-off and reconnect now.
///
/// True when, on a non-virtual interface that is up afterwards,
/// - its IPv4 addresses or its gateway changed, or
/// - it appeared (new, or came up) with a default gateway.
///
/// Never for the first discovery after start-up (nothing moved), for virtual interfaces (a vPLC's
/// veth appearing is not a network move), nor for an interface going down or away (the link over
/// it is detected as lost by the transport itself, and a gateway elsewhere would "appear" or
/// change through its own event).
public enum ReconnectPolicy {
    /// The decision for one change.
    public static func warrantsReconnect(_ delta: InterfaceDelta) -> Bool {
        guard !delta.initial, let after = delta.after, after.isUp, !after.isVirtual else { return false }
        guard let before = delta.before, before.isUp else { return after.gateway != nil }
        return before.addresses != after.addresses || before.gateway != after.gateway
    }

    /// True when any of `deltas` warrants a reconnect.
    public static func warrantsReconnect(_ deltas: [InterfaceDelta]) -> Bool {
        deltas.contains(where: warrantsReconnect)
    }
}
