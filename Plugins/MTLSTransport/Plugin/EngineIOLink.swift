import AgentPluginKit

/// One Engine.IO transport connected to the cloud — a WebSocket (``WebSocketLink``) or HTTP
/// long-polling (``PollingLink``) — as a ``CloudSession`` uses it.
protocol EngineIOLink: Sendable {
    /// `websocket` or `polling` (logs, status, the lab cloud's record).
    var name: String { get }

    /// Runs `body` with the open link and closes the link when `body` returns.
    /// - Throws: ``LinkFailure`` when the link cannot be opened (then `body` never runs).
    func run(_ body: @Sendable (any EngineIOChannel) async -> Void) async throws(PluginError)
}

/// An open link. One reader task calls ``receive(_:)`` and one writer task calls
/// ``send(_:)``; they may run at the same time.
protocol EngineIOChannel: Sendable {
    /// Hands every inbound Engine.IO packet, in order, to `handle` until the link ends or
    /// `handle` returns false. Packets that came with the handshake come first.
    /// - Returns: why the link ended (for the log).
    func receive(_ handle: (String) -> Bool) async -> String

    /// Writes packets, in order (one WebSocket frame each, or one polling POST for all).
    func send(_ packets: [String]) async throws

    /// Starts an orderly close once the last packets are sent (a WebSocket close frame; nothing
    /// for polling). The peer gets a short, bounded grace to answer; ``receive(_:)`` returns when
    /// it did.
    func finish() async

    /// Ends the link at once (a dead peer, a failed write): the reader returns.
    func abort()
}
