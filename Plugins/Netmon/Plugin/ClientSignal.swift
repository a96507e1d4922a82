import AgentJSON

/// What the ``NetmonClient`` reports to its owner, in order, from the connection's event loop.
enum ClientSignal: Sendable {
    /// A connection to the sidecar is up (the greeting follows).
    case connected
    /// The connection was lost or closed; the client retries after its back-off.
    case disconnected
    /// A connection attempt failed (socket missing, refused); the client retries.
    case unreachable
    /// An event line: its `type` and `data`.
    case event(type: String, data: JSONObject)
}
