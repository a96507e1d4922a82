import AgentPluginKit
import FoundationEssentials
import Logging
import NIOCore
import SocketIOCore

/// Opens an Engine.IO link to the cloud the way `cloud.transport` says (docs/cloud-protocol.md,
/// "Transports"):
///
/// - `websocket`: straight to WebSocket; when the server or a box on the way refuses the upgrade
///   (`upgrade_refused`), long-polling for this connection — the next attempt tries WebSocket again;
/// - `polling`: long-polling only;
/// - `polling_upgrade`: a polling handshake, then the upgrade probe when the server offers
///   `websocket`; the session stays on polling when the upgrade fails.
struct LinkOpener: Sendable {
    let mode: TransportSettings.Mode
    let connector: CloudConnector
    let path: String
    let logger: Logger
    /// For the WebSocket upgrade and for each long-polling request other than the held GET.
    let timeout: TimeAmount
    /// Largest WebSocket frame and polling body accepted.
    static let maxPayload = 1 << 22

    private var requester: PollingRequester { PollingRequester(connector: connector, path: path, maxBody: Self.maxPayload) }

    /// Opens the link.
    /// - Throws: ``LinkFailure``.
    func open() async throws(PluginError) -> any EngineIOLink {
        switch mode {
        case .websocket:
            do {
                return try await websocket(sid: nil, initial: [])
            } catch where error.code == "upgrade_refused" {
                logger.warning("\(error.message); falling back to long-polling for this connection")
                return try await polling(upgrade: false)
            }
        case .polling:
            return try await polling(upgrade: false)
        case .pollingUpgrade:
            return try await polling(upgrade: true)
        }
    }

    private func websocket(sid: String?, initial: [String]) async throws(PluginError) -> WebSocketLink {
        try await WebSocketLink.connect(connector, path: path, sid: sid, initial: initial, maxFrameSize: Self.maxPayload, timeout: timeout)
    }

    private func polling(upgrade: Bool) async throws(PluginError) -> any EngineIOLink {
        let opened = try await PollingLink.handshake(requester, timeout: timeout)
        let h = opened.handshake
        if upgrade, h.upgrades.contains("websocket") {
            do {
                return try await websocket(sid: h.sid, initial: opened.packets)
            } catch {
                logger.warning("the upgrade to WebSocket failed (\(error.code): \(error.message)); staying on long-polling")
            }
        }
        return PollingLink(requester: requester, sid: h.sid, handshake: h, initial: opened.packets, sendTimeout: timeout)
    }
}

/// The `Proxy-Authorization` value for a proxy: basic credentials from
/// `cloud.proxy_credentials_file` (one line `user:password`; read for every connection, so a
/// changed password needs no restart), else from the proxy URL's user part, else none.
enum ProxyCredentials {
    /// - Throws: ``LinkFailure`` `proxy_credentials_invalid` when the file cannot be read or
    ///   holds no `user:password` line.
    static func authorization(for proxy: ProxyURL, file: String?) throws(PluginError) -> String? {
        let pair: String
        if let file {
            let text: String
            switch FileText.read(file) {
            case .text(let read): text = read
            case .unreadable(let reason): throw LinkFailure.proxyCredentials(file, "cannot read it: \(reason)")
            }
            let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw LinkFailure.proxyCredentials(file, "the first line must be user:password")
            }
            pair = line
        } else if let user = proxy.username {
            pair = user + ":" + (proxy.password ?? "")
        } else {
            return nil
        }
        return "Basic " + Data(pair.utf8).base64EncodedString()
    }
}
