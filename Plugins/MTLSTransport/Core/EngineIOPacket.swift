import AgentJSON

/// One Engine.IO v4 packet as carried by one WebSocket text frame (or one record of a polling
/// payload, see ``EngineIOPayload``): a type digit and its data.
///
/// The server pings (`2`) and the client answers pong (`3`); a `4` carries a
/// Socket.IO packet as text. See docs/cloud-protocol.md.
public enum EngineIOPacket: Sendable, Equatable {
    /// `0{…}`: the handshake, first frame from the server.
    case open(EngineIOHandshake)
    /// `1`
    case close
    /// `2[data]`: server ping.
    case ping(String)
    /// `3[data]`: pong.
    case pong(String)
    /// `4<socket.io packet>`
    case message(String)
    /// `5`: upgrade (sent by the client to finish a polling → WebSocket upgrade).
    case upgrade
    /// `6`
    case noop

    /// Parses one frame.
    /// - Throws: ``FramingError`` for an empty frame, an unknown type or a bad handshake.
    public static func parse(_ frame: String) throws(FramingError) -> EngineIOPacket {
        guard let first = frame.utf8.first else { throw FramingError(.empty, "empty Engine.IO frame") }
        let rest = String(frame.utf8.dropFirst()) ?? ""
        switch first {
        case UInt8(ascii: "0"): return .open(try EngineIOHandshake.parse(rest))
        case UInt8(ascii: "1"): return .close
        case UInt8(ascii: "2"): return .ping(rest)
        case UInt8(ascii: "3"): return .pong(rest)
        case UInt8(ascii: "4"): return .message(rest)
        case UInt8(ascii: "5"): return .upgrade
        case UInt8(ascii: "6"): return .noop
        default: throw FramingError(.unknownType, "unknown Engine.IO packet type '\(Character(Unicode.Scalar(first)))'")
        }
    }

    /// The frame text.
    public var encoded: String {
        switch self {
        case .open(let h): return "0" + JSONWriter.string(h.json)
        case .close: return "1"
        case .ping(let d): return "2" + d
        case .pong(let d): return "3" + d
        case .message(let m): return "4" + m
        case .upgrade: return "5"
        case .noop: return "6"
        }
    }
}

/// The server's handshake (`0{…}`): session id and heartbeat timing.
public struct EngineIOHandshake: Sendable, Equatable {
    public var sid: String
    /// Milliseconds between server pings.
    public var pingInterval: Int
    /// Milliseconds the server waits for a pong; the client treats `pingInterval + pingTimeout`
    /// without a ping as a dead link.
    public var pingTimeout: Int
    /// Largest packet the server accepts, in bytes.
    public var maxPayload: Int
    /// The transports the server offers to upgrade to (`["websocket"]` on a polling handshake,
    /// empty over a WebSocket).
    public var upgrades: [String]

    public init(sid: String, pingInterval: Int, pingTimeout: Int, maxPayload: Int, upgrades: [String] = []) {
        self.sid = sid
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.upgrades = upgrades
    }

    static func parse(_ text: String) throws(FramingError) -> EngineIOHandshake {
        // handled: a packet that is not a JSON object throws badPayload
        guard let obj = (try? JSONParser.parse(text))?.objectValue else {
            throw FramingError(.badPayload, "Engine.IO open packet is not a JSON object")
        }
        guard let sid = obj["sid"]?.stringValue,
            let interval = obj["pingInterval"]?.numberValue, interval >= 1, interval < 86_400_000,
            let timeout = obj["pingTimeout"]?.numberValue, timeout >= 1, timeout < 86_400_000
        else { throw FramingError(.badPayload, "Engine.IO open packet lacks sid, pingInterval or pingTimeout") }
        let maxPayload = obj["maxPayload"]?.numberValue.map { Int(max(0, min($0, 1e9))) } ?? 1_000_000
        // Names that are not strings are ignored: the list only decides whether to try an upgrade.
        let upgrades = obj["upgrades"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return EngineIOHandshake(
            sid: sid, pingInterval: Int(interval), pingTimeout: Int(timeout), maxPayload: maxPayload, upgrades: upgrades)
    }

    var json: JSONValue {
        [
            "sid": .string(sid), "upgrades": .array(upgrades.map { .string($0) }), "pingInterval": .number(Double(pingInterval)),
            "pingTimeout": .number(Double(pingTimeout)), "maxPayload": .number(Double(maxPayload)),
        ]
    }
}
