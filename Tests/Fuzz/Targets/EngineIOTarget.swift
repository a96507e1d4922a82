import AgentJSON
import SocketIOCore

/// `engineio`: one WebSocket text frame through ``EngineIOPacket/parse(_:)`` and, for a message
/// (`4…`), its text through ``SocketIOPacket/parse(_:)`` — what the transport does per frame.
///
/// Invariants: refusals carry a known ``FramingError`` code; an accepted packet re-encodes to a
/// frame that parses to an equal packet (Engine.IO) and to the same kind, namespace, ack id,
/// attachment count and data (Socket.IO).
enum EngineIOTarget {
    static let knownCodes: Set<String> = ["empty", "unknown_type", "bad_payload", "bad_header"]

    static let target = FuzzTarget(name: "engineio", summary: "SocketIOCore: Engine.IO frame, then its Socket.IO packet") {
        bytes throws(FuzzInvariantViolation) in
        let check = Check(target: "engineio")
        let frame = String(decoding: bytes, as: UTF8.self)  // a text frame is UTF-8 by the time it is a String
        let packet: EngineIOPacket
        do throws(FramingError) { packet = try EngineIOPacket.parse(frame) } catch {
            return try check.refused(error.code.rawValue, known: knownCodes, error.description)
        }
        let reparsed = try? EngineIOPacket.parse(packet.encoded)
        try check.that(reparsed == packet, "Engine.IO packet changed in a round trip: \(packet.encoded)")
        guard case .message(let text) = packet else { return .accepted }
        let sio: SocketIOPacket
        do throws(FramingError) { sio = try SocketIOPacket.parse(text) } catch {
            return try check.refused(error.code.rawValue, known: knownCodes, error.description)
        }
        let again: SocketIOPacket
        do { again = try SocketIOPacket.parse(sio.encoded) } catch {
            throw FuzzInvariantViolation("engineio", "re-encoded Socket.IO packet '\(sio.encoded)' does not parse: \(error)")
        }
        try check.that(again == sio, "Socket.IO packet '\(text)' re-encodes to '\(sio.encoded)', which means something else")
        return .accepted
    }
}
