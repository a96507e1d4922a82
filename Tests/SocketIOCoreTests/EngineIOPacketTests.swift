import AgentJSON
import SocketIOCore
import Testing

@Suite("Engine.IO packets")
struct EngineIOPacketTests {
    // MARK: open

    @Test func parsesOpenWithAllFields() throws {
        let frame = #"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        let packet = try EngineIOPacket.parse(frame)
        #expect(
            packet
                == .open(EngineIOHandshake(sid: "lv_VI97HAXpY6yYWAAAC", pingInterval: 25000, pingTimeout: 20000, maxPayload: 1_000_000)))
    }

    @Test func openHandshakeFieldsAreReadIndividually() throws {
        let packet = try EngineIOPacket.parse(#"0{"sid":"s1","pingInterval":300,"pingTimeout":200,"maxPayload":4096}"#)
        guard case .open(let h) = packet else {
            Issue.record("expected .open, got \(packet)")
            return
        }
        #expect(h.sid == "s1")
        #expect(h.pingInterval == 300)
        #expect(h.pingTimeout == 200)
        #expect(h.maxPayload == 4096)
    }

    @Test func openWithoutMaxPayloadDefaultsToOneMillion() throws {
        let packet = try EngineIOPacket.parse(#"0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000}"#)
        #expect(packet == .open(EngineIOHandshake(sid: "abc", pingInterval: 25000, pingTimeout: 20000, maxPayload: 1_000_000)))
    }

    @Test func openWithNonNumericMaxPayloadFallsBackToDefault() throws {
        let packet = try EngineIOPacket.parse(#"0{"sid":"abc","pingInterval":1,"pingTimeout":1,"maxPayload":"big"}"#)
        guard case .open(let h) = packet else {
            Issue.record("expected .open, got \(packet)")
            return
        }
        #expect(h.maxPayload == 1_000_000)
    }

    @Test(arguments: [
        ("-5", 0),
        ("1e12", 1_000_000_000),
        ("123", 123),
    ])
    func openMaxPayloadIsClamped(raw: String, expected: Int) throws {
        let packet = try EngineIOPacket.parse(#"0{"sid":"a","pingInterval":1,"pingTimeout":1,"maxPayload":\#(raw)}"#)
        guard case .open(let h) = packet else {
            Issue.record("expected .open, got \(packet)")
            return
        }
        #expect(h.maxPayload == expected)
    }

    @Test(
        "open rejects bad JSON, missing fields and non-positive intervals",
        arguments: [
            "0",  // no JSON at all
            "0{",  // truncated JSON
            "0{bad}",
            "0[]",  // not an object
            #"0"sid""#,
            #"0{"pingInterval":25000,"pingTimeout":20000}"#,  // no sid
            #"0{"sid":5,"pingInterval":25000,"pingTimeout":20000}"#,  // sid not a string
            #"0{"sid":"a","pingTimeout":20000}"#,  // no pingInterval
            #"0{"sid":"a","pingInterval":25000}"#,  // no pingTimeout
            #"0{"sid":"a","pingInterval":"25000","pingTimeout":20000}"#,  // interval is a string
            #"0{"sid":"a","pingInterval":0,"pingTimeout":20000}"#,
            #"0{"sid":"a","pingInterval":-1,"pingTimeout":20000}"#,
            #"0{"sid":"a","pingInterval":25000,"pingTimeout":0}"#,
            #"0{"sid":"a","pingInterval":25000,"pingTimeout":-20000}"#,
            #"0{"sid":"a","pingInterval":1e300,"pingTimeout":20000}"#,  // absurdly large
            #"0{"sid":"a","pingInterval":25000,"pingTimeout":86400000}"#,
        ])
    func openRejects(frame: String) {
        #expect(framingCode { try EngineIOPacket.parse(frame) } == .badPayload)
    }

    /// A positive but sub-millisecond interval must not become a zero interval (the transport's
    /// dead-link timer is `pingInterval + pingTimeout` ms): either reject it or keep it positive.
    @Test(arguments: [
        #"0{"sid":"a","pingInterval":0.5,"pingTimeout":0.5}"#,
        #"0{"sid":"a","pingInterval":0.999,"pingTimeout":20000}"#,
    ])
    func openSubMillisecondIntervalsNeverBecomeZero(frame: String) {
        let packet: EngineIOPacket
        do { packet = try EngineIOPacket.parse(frame) } catch {
            #expect((error as? FramingError)?.code == .badPayload)  // rejecting is an acceptable fix
            return
        }
        guard case .open(let h) = packet else {
            Issue.record("expected .open, got \(packet)")
            return
        }
        #expect(h.pingInterval > 0)
        #expect(h.pingTimeout > 0)
    }

    // MARK: the other types

    @Test(
        "parses every non-open packet type",
        arguments: [
            ("1", EngineIOPacket.close),
            ("2", .ping("")),
            ("2probe", .ping("probe")),
            ("3", .pong("")),
            ("3probe", .pong("probe")),
            ("4", .message("")),
            ("40", .message("0")),
            (#"42["get_device_status",{"device_id":"x"}]"#, .message(#"2["get_device_status",{"device_id":"x"}]"#)),
            ("4héllo ✓", .message("héllo ✓")),
            ("5", .upgrade),
            ("6", .noop),
        ])
    func parsesType(frame: String, expected: EngineIOPacket) throws {
        #expect(try EngineIOPacket.parse(frame) == expected)
    }

    @Test(
        "encodes every non-open packet type",
        arguments: [
            (EngineIOPacket.close, "1"),
            (.ping(""), "2"),
            (.ping("probe"), "2probe"),
            (.pong(""), "3"),
            (.pong("probe"), "3probe"),
            (.message(#"2["x"]"#), #"42["x"]"#),
            (.upgrade, "5"),
            (.noop, "6"),
        ])
    func encodesType(packet: EngineIOPacket, expected: String) {
        #expect(packet.encoded == expected)
    }

    @Test func encodesOpenAsJSONWithAllFields() throws {
        let h = EngineIOHandshake(sid: "abc", pingInterval: 25000, pingTimeout: 20000, maxPayload: 1_000_000)
        let text = EngineIOPacket.open(h).encoded
        #expect(text.hasPrefix("0{"))
        let json = try JSONParser.parse(String(text.dropFirst()))
        let obj = try #require(json.objectValue)
        #expect(obj["sid"] == "abc")
        #expect(obj["upgrades"] == [])
        #expect(obj["pingInterval"] == 25000)
        #expect(obj["pingTimeout"] == 20000)
        #expect(obj["maxPayload"] == 1_000_000)
    }

    // MARK: rejects

    @Test func rejectsEmptyFrame() {
        #expect(framingCode { try EngineIOPacket.parse("") } == .empty)
    }

    @Test(arguments: ["7", "8", "9", "x", "x4", "70", " 4", "{", "é", "\u{0}"])
    func rejectsUnknownType(frame: String) {
        #expect(framingCode { try EngineIOPacket.parse(frame) } == .unknownType)
    }

    @Test func errorDescriptionCarriesTheCode() {
        do {
            _ = try EngineIOPacket.parse("7")
            Issue.record("expected a FramingError")
        } catch {
            #expect(error.code == .unknownType)
            #expect(error.description.hasPrefix("unknown_type: "))
            #expect(error.message.contains("7"))
        }
    }

    // MARK: round trip

    @Test(
        "encode → parse round-trips",
        arguments: [
            EngineIOPacket.open(EngineIOHandshake(sid: "abc", pingInterval: 25000, pingTimeout: 20000, maxPayload: 1_000_000)),
            .open(EngineIOHandshake(sid: "w/ \"quotes\" & ünïcode", pingInterval: 1, pingTimeout: 86_399_999, maxPayload: 0)),
            .close,
            .ping(""),
            .ping("probe"),
            .pong(""),
            .pong("probe"),
            .message(""),
            .message(#"2["heartbeat",{"cpu":0.5}]"#),
            .message("0"),
            .upgrade,
            .noop,
        ])
    func roundTrip(packet: EngineIOPacket) throws {
        #expect(try EngineIOPacket.parse(packet.encoded) == packet)
    }
}
