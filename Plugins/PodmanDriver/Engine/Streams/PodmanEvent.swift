import ContainerEngineSupport
import AgentJSON

/// One engine event, normalized as the protocol has it: kind `"<type>.<action>"` and payload
/// `{id, name, action, type, attributes, time}` (docs/container-driver.md, Events).
public struct PodmanEvent: Sendable, Equatable {
    /// `"<type>.<action>"`; an action's detail after a colon is not part of it.
    public let kind: String
    /// `{id, name, action, type, attributes, time}`.
    public let payload: JSONObject

    /// The action without its detail (`health_status` of `health_status: healthy`).
    public var verb: String { String(kind.split(separator: ".", maxSplits: 1).last ?? "") }

    /// Decodes one object of the Docker-compatible `GET /events`, which already speaks Docker's
    /// vocabulary (`die` with `exitCode`, where libpod's own stream says `died` and
    /// `containerExitCode`), e.g.
    /// `{"Type":"container","Action":"die","Actor":{"ID":"…","Attributes":{"name":"plc1","exitCode":"137",…}},"time":…}`.
    /// - Throws: `engine_bad_response` when it has no type or action.
    public init(decoding o: JSONObject) throws(PodmanEngineError) {
        let actor = o.object("Actor")
        let attributes = actor.stringMap("Attributes")
        let type = o.optionalString("Type") ?? ""
        let action = o.optionalString("Action") ?? o.string("status")
        guard !type.isEmpty, !action.isEmpty else { throw PodmanEngineError(.engineBadResponse, "an event has no Type or Action") }
        let verb = action.split(separator: ":", maxSplits: 1).first.map { String($0) } ?? action
        kind = "\(type).\(verb)"
        payload = [
            "id": .string(actor.optionalString("ID") ?? o.string("id")), "name": .string(attributes.objectValue?["name"]?.stringValue ?? ""),
            "action": .string(action), "type": .string(type), "attributes": attributes, "time": .number(o.number("time")),
        ]
    }
}

/// Splits a byte stream into newline-terminated lines whatever the chunking (Podman writes one
/// event per line).
struct LineSplitter {
    private var buffer: [UInt8] = []
    /// The longest line accepted.
    let maxLine = 1 << 20

    /// Whether part of a line is buffered.
    var hasPartialLine: Bool { !buffer.isEmpty }

    /// Feeds a chunk; returns the complete non-empty lines.
    /// - Throws: `engine_bad_response` for a line longer than `maxLine`.
    mutating func append(_ chunk: [UInt8]) throws(PodmanEngineError) -> [[UInt8]] {
        buffer += chunk
        var lines: [[UInt8]] = []
        while let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(buffer[..<nl])
            buffer.removeFirst(nl + 1)
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { lines.append(line) }
        }
        if buffer.count > maxLine { throw PodmanEngineError(.engineBadResponse, "an event line exceeds \(maxLine) bytes") }
        return lines
    }
}
