import AgentJSON

/// One Socket.IO v5 packet (the text inside an Engine.IO message):
/// `<type>[<attachments>-][<namespace>,][<ack id>][<JSON>]`, namespace omitted for `/`.
public struct SocketIOPacket: Sendable, Equatable {
    /// The packet types of protocol v5.
    public enum Kind: UInt8, Sendable {
        case connect = 0, disconnect = 1, event = 2, ack = 3, connectError = 4, binaryEvent = 5, binaryAck = 6
    }

    public var kind: Kind
    /// `/` for the default namespace.
    public var namespace: String
    /// The ack id of an EVENT that wants an answer, or of an ACK.
    public var ackID: Int?
    /// Binary attachment count (binary packets only).
    public var attachments: Int?
    /// The JSON data, if any.
    public var data: JSONValue?

    public init(kind: Kind, namespace: String = "/", ackID: Int? = nil, attachments: Int? = nil, data: JSONValue? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.ackID = ackID
        self.attachments = attachments
        self.data = data
    }

    /// Parses the text of an Engine.IO message.
    /// - Throws: ``FramingError``; never traps on any input.
    public static func parse(_ text: String) throws(FramingError) -> SocketIOPacket {
        let bytes = Array(text.utf8)
        guard let first = bytes.first else { throw FramingError(.empty, "empty Socket.IO packet") }
        guard first >= UInt8(ascii: "0"), let kind = Kind(rawValue: first - UInt8(ascii: "0")) else {
            throw FramingError(.unknownType, "unknown Socket.IO packet type")
        }
        var i = 1
        var packet = SocketIOPacket(kind: kind)
        if kind == .binaryEvent || kind == .binaryAck {
            let start = i
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
            guard i > start, i < bytes.count, bytes[i] == UInt8(ascii: "-"), let n = Int(ascii(bytes[start..<i])) else {
                throw FramingError(.badHeader, "binary packet without an attachment count")
            }
            packet.attachments = n
            i += 1
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "/") {
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: ",") { i += 1 }
            guard i < bytes.count else { throw FramingError(.badHeader, "namespace not terminated by ','") }
            packet.namespace = ascii(bytes[start..<i])
            i += 1
        }
        let idStart = i
        while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        if i > idStart {
            guard i - idStart <= 15, let id = Int(ascii(bytes[idStart..<i])) else {
                throw FramingError(.badHeader, "ack id too long")
            }
            packet.ackID = id
        }
        if i < bytes.count {
            do { packet.data = try JSONParser.parse(bytes[i...]) } catch {
                throw FramingError(.badPayload, "packet data is not JSON: \(error.message)")
            }
        }
        return packet
    }

    /// The packet text (to be wrapped in an Engine.IO message `4…`).
    public var encoded: String {
        var s = String(kind.rawValue)
        if let attachments { s += "\(attachments)-" }
        if namespace != "/" { s += namespace + "," }
        if let ackID { s += String(ackID) }
        if let data {
            // A number right after the header would read as (part of) an ack id: `2` + `5` is ack 5.
            // JSON allows leading whitespace, so a space keeps it data (found by fuzzing, docs/fuzzing.md).
            let json = JSONWriter.string(data)
            if json.utf8.first.map({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) == true { s += " " }
            s += json
        }
        return s
    }

    // MARK: convenience

    /// CONNECT to the default namespace (`0`).
    public static let connectDefault = SocketIOPacket(kind: .connect)

    /// An EVENT `["name", args…]`, with an ack id if an answer is wanted.
    public static func event(_ name: String, _ args: [JSONValue], ackID: Int? = nil) -> SocketIOPacket {
        SocketIOPacket(kind: .event, ackID: ackID, data: .array([.string(name)] + args))
    }

    /// An ACK for `id` carrying `args` (python-socketio hands the handler's return values over
    /// as this array).
    public static func ack(_ id: Int, _ args: [JSONValue]) -> SocketIOPacket {
        SocketIOPacket(kind: .ack, ackID: id, data: .array(args))
    }

    /// For an EVENT: its name and arguments, or nil when the data is not `["name", …]`.
    public var eventNameAndArguments: (name: String, arguments: [JSONValue])? {
        guard let items = data?.arrayValue, let name = items.first?.stringValue else { return nil }
        return (name, Array(items.dropFirst()))
    }
}

@inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
private func ascii(_ s: ArraySlice<UInt8>) -> String { String(decoding: s, as: UTF8.self) }
