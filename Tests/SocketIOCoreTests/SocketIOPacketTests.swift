import AgentJSON
import SocketIOCore
import Testing

@Suite("Socket.IO packets")
struct SocketIOPacketTests {
    static let nines40: String = String(repeating: "9", count: 40)
    static let ones30: String = String(repeating: "1", count: 30)
    static let nines16: String = String(repeating: "9", count: 16)
    static let rejectCases: [(String, FramingError.Code)] = [
        ("", .empty),
        ("7", .unknownType),
        ("9", .unknownType),
        ("9[\"x\"]", .unknownType),
        ("x", .unknownType),
        ("[", .unknownType),
        ("/admin,2", .unknownType),
        (" 2", .unknownType),
        ("é", .unknownType),
        ("2/admin", .badHeader),  // namespace not terminated
        ("0/admin", .badHeader),
        ("2/admin[\"x\"]", .badHeader),
        ("5[\"x\"]", .badHeader),  // binary without a count
        ("51[\"x\"]", .badHeader),  // count not followed by '-'
        ("5-[\"x\"]", .badHeader),  // '-' without a count
        ("51", .badHeader),
        ("6", .badHeader),
        ("61", .badHeader),
        ("5" + nines40 + "-[\"x\"]", .badHeader),  // count overflows Int
        ("2" + ones30 + "[\"x\"]", .badHeader),  // 30-digit ack id
        ("3" + nines16 + "[]", .badHeader),
        ("2[", .badPayload),
        ("2{bad", .badPayload),
        ("2[\"x\"]]", .badPayload),  // trailing garbage
        ("2[\"x\",]", .badPayload),
        ("213[\"t\"", .badPayload),
        ("2-1[\"x\"]", .badPayload),
        ("2/admin,[", .badPayload),
        ("2/admin,,[\"x\"]", .badPayload),
        ("0abc", .badPayload),
        ("51-[", .badPayload),
    ]

    static let parseCases: [(String, SocketIOPacket)] = [
        ("0", SocketIOPacket(kind: .connect)),
        ("0{\"sid\":\"abc\"}", SocketIOPacket(kind: .connect, data: ["sid": "abc"])),
        ("0{\"auth\":{\"token\":\"t\"}}", SocketIOPacket(kind: .connect, data: ["auth": ["token": "t"]])),
        ("1", SocketIOPacket(kind: .disconnect)),
        (
            #"2["get_device_status",{"device_id":"x","correlation_id":7}]"#,
            SocketIOPacket(kind: .event, data: ["get_device_status", ["device_id": "x", "correlation_id": 7]])
        ),
        (#"213["t",{}]"#, SocketIOPacket(kind: .event, ackID: 13, data: ["t", [:]])),
        (#"313[{"status":"ok"}]"#, SocketIOPacket(kind: .ack, ackID: 13, data: [["status": "ok"]])),
        ("313", SocketIOPacket(kind: .ack, ackID: 13)),
        (#"4{"message":"Not authorized"}"#, SocketIOPacket(kind: .connectError, data: ["message": "Not authorized"])),
        (
            #"51-["x",{"_placeholder":true,"num":0}]"#,
            SocketIOPacket(kind: .binaryEvent, attachments: 1, data: ["x", ["_placeholder": true, "num": 0]])
        ),
        (#"52-7["x"]"#, SocketIOPacket(kind: .binaryEvent, ackID: 7, attachments: 2, data: ["x"])),
        (#"61-/admin,9[{"_placeholder":true,"num":0}]"#,
         SocketIOPacket(kind: .binaryAck, namespace: "/admin", ackID: 9, attachments: 1, data: [["_placeholder": true, "num": 0]])),
        (#"2/admin,5["e"]"#, SocketIOPacket(kind: .event, namespace: "/admin", ackID: 5, data: ["e"])),
        (#"2/admin,["e"]"#, SocketIOPacket(kind: .event, namespace: "/admin", data: ["e"])),
        ("0/admin,", SocketIOPacket(kind: .connect, namespace: "/admin")),
        ("1/chat/room,", SocketIOPacket(kind: .disconnect, namespace: "/chat/room")),
        ("2/,[\"e\"]", SocketIOPacket(kind: .event, namespace: "/", data: ["e"])),
        ("20[\"e\"]", SocketIOPacket(kind: .event, ackID: 0, data: ["e"])),
        ("2999999999999999[\"e\"]", SocketIOPacket(kind: .event, ackID: 999_999_999_999_999, data: ["e"])),
    ]

    static let encodeCases: [(SocketIOPacket, String)] = [
        (SocketIOPacket.connectDefault, "0"),
        (SocketIOPacket(kind: .disconnect), "1"),
        (.event("heartbeat", [["cpu": 1]]), #"2["heartbeat",{"cpu":1}]"#),
        (.event("heartbeat", []), #"2["heartbeat"]"#),
        (.event("op", ["a", 2, nil], ackID: 13), #"213["op","a",2,null]"#),
        (.event("op", [], ackID: 0), #"20["op"]"#),
        (.ack(13, [["status": "ok"]]), #"313[{"status":"ok"}]"#),
        (.ack(4, []), "34[]"),
        (.ack(5, [["status": "not_found", "n": 1.5], "x"]), #"35[{"status":"not_found","n":1.5},"x"]"#),
        (SocketIOPacket(kind: .connect, data: ["auth": ["token": "t"]]), #"0{"auth":{"token":"t"}}"#),
        (SocketIOPacket(kind: .connectError, data: ["message": "Not authorized"]), #"4{"message":"Not authorized"}"#),
        (SocketIOPacket(kind: .event, namespace: "/admin", ackID: 5, data: ["e"]), #"2/admin,5["e"]"#),
        (SocketIOPacket(kind: .connect, namespace: "/admin"), "0/admin,"),
        (SocketIOPacket(kind: .binaryEvent, namespace: "/a", ackID: 3, attachments: 1, data: ["x"]), #"51-/a,3["x"]"#),
    ]

    static let roundTripCases: [SocketIOPacket] = [
        SocketIOPacket.connectDefault,
        SocketIOPacket(kind: .connect, data: ["sid": "abc"]),
        SocketIOPacket(kind: .disconnect),
        .event("get_device_status", [["device_id": "x", "correlation_id": 7]]),
        .event("t", [[:]], ackID: 13),
        .event("multi", [1, "two", nil, true, [1, [2]]], ackID: 123_456_789_012_345),
        .ack(13, [["status": "ok"]]),
        .ack(0, []),
        SocketIOPacket(kind: .connectError, data: ["message": "Not authorized"]),
        SocketIOPacket(kind: .event, namespace: "/admin", ackID: 5, data: ["e"]),
        SocketIOPacket(kind: .event, namespace: "/admin", data: ["e", "ünïcode ✓", "quote\"comma,"]),
        SocketIOPacket(kind: .connect, namespace: "/admin"),
        SocketIOPacket(kind: .disconnect, namespace: "/a/b"),
        SocketIOPacket(kind: .ack, namespace: "/admin", ackID: 2, data: [nil]),
        SocketIOPacket(kind: .binaryEvent, attachments: 1, data: ["x", ["_placeholder": true, "num": 0]]),
        SocketIOPacket(kind: .binaryAck, namespace: "/n", ackID: 4, attachments: 12, data: [["_placeholder": true, "num": 11]]),
    ]

    // MARK: parsing the wire-doc examples

    @Test(
        "parses the examples of the wire format",
        arguments: parseCases
        )
    func parses(text: String, expected: SocketIOPacket) throws {
        #expect(try SocketIOPacket.parse(text) == expected)
    }

    /// The same examples as they arrive wrapped in an Engine.IO message frame.
    @Test(arguments: [
        ("40", SocketIOPacket.Kind.connect, nil as Int?),
        ("41", .disconnect, nil),
        (#"42["get_device_status",{"device_id":"x","correlation_id":7}]"#, .event, nil),
        (#"4213["t",{}]"#, .event, 13),
        (#"4313[{"status":"ok"}]"#, .ack, 13),
        (#"44{"message":"Not authorized"}"#, .connectError, nil),
        (#"451-["x",{"_placeholder":true,"num":0}]"#, .binaryEvent, nil),
    ])
    func parsesInsideEngineIOMessage(frame: String, kind: SocketIOPacket.Kind, ackID: Int?) throws {
        let eio = try EngineIOPacket.parse(frame)
        guard case .message(let text) = eio else {
            Issue.record("expected .message, got \(eio)")
            return
        }
        let packet = try SocketIOPacket.parse(text)
        #expect(packet.kind == kind)
        #expect(packet.ackID == ackID)
        #expect(packet.namespace == "/")
    }

    @Test func binaryEventReportsAttachmentCount() throws {
        let packet = try SocketIOPacket.parse(#"51-["x",{"_placeholder":true,"num":0}]"#)
        #expect(packet.attachments == 1)
        #expect(packet.ackID == nil)
        #expect(packet.eventNameAndArguments?.name == "x")
    }

    @Test func nonBinaryPacketsHaveNoAttachmentCount() throws {
        #expect(try SocketIOPacket.parse(#"2["x"]"#).attachments == nil)
        #expect(try SocketIOPacket.parse(#"313[]"#).attachments == nil)
    }

    // MARK: eventNameAndArguments

    @Test func eventWithOneObjectArgument() throws {
        let packet = try SocketIOPacket.parse(#"2["get_device_status",{"device_id":"x","correlation_id":7}]"#)
        let (name, args) = try #require(packet.eventNameAndArguments)
        #expect(name == "get_device_status")
        #expect(args == [["device_id": "x", "correlation_id": 7]])
    }

    @Test func eventWithZeroArguments() throws {
        let packet = try SocketIOPacket.parse(#"2["ping_me"]"#)
        let (name, args) = try #require(packet.eventNameAndArguments)
        #expect(name == "ping_me")
        #expect(args.isEmpty)
    }

    @Test func eventWithSeveralArguments() throws {
        let packet = try SocketIOPacket.parse(#"27["multi",1,"two",null,[3],{"four":4},true]"#)
        let (name, args) = try #require(packet.eventNameAndArguments)
        #expect(name == "multi")
        #expect(args == [1, "two", nil, [3], ["four": 4], true])
        #expect(packet.ackID == 7)
    }

    @Test(
        "no name and arguments when the data is not [\"name\", …]",
        arguments: [
            "2[]",  // empty array
            "2[42]",  // non-string name
            "2[null,\"x\"]",
            "2[[\"nested\"]]",
            "2[{\"name\":\"x\"}]",
            "2{\"name\":\"x\"}",  // object, not array
            "2\"x\"",  // bare string
            "2",  // no data
            "2true",
        ])
    func noEventNameFor(text: String) throws {
        let packet = try SocketIOPacket.parse(text)
        #expect(packet.eventNameAndArguments == nil)
    }

    // MARK: encoding

    @Test(
        "encodes",
        arguments: encodeCases
        )
    func encodes(packet: SocketIOPacket, expected: String) {
        #expect(packet.encoded == expected)
    }

    @Test func connectDefaultIsTheBareConnect() {
        #expect(SocketIOPacket.connectDefault.kind == .connect)
        #expect(SocketIOPacket.connectDefault.namespace == "/")
        #expect(SocketIOPacket.connectDefault.ackID == nil)
        #expect(SocketIOPacket.connectDefault.data == nil)
        #expect(EngineIOPacket.message(SocketIOPacket.connectDefault.encoded).encoded == "40")
    }

    @Test func eventHelperBuildsTheNameFirstArray() {
        let packet = SocketIOPacket.event("operation_update", [["id": "1"]], ackID: 9)
        #expect(packet.kind == .event)
        #expect(packet.ackID == 9)
        #expect(packet.namespace == "/")
        #expect(packet.data == ["operation_update", ["id": "1"]])
        #expect(packet.eventNameAndArguments?.name == "operation_update")
        #expect(packet.eventNameAndArguments?.arguments == [["id": "1"]])
    }

    @Test func ackHelperWrapsArgumentsInAnArray() {
        let packet = SocketIOPacket.ack(13, [["status": "ok"]])
        #expect(packet.kind == .ack)
        #expect(packet.ackID == 13)
        #expect(packet.data == [["status": "ok"]])
    }

    @Test(
        "encode → parse round-trips",
        arguments: roundTripCases
        )
    func roundTrip(packet: SocketIOPacket) throws {
        #expect(try SocketIOPacket.parse(packet.encoded) == packet)
        // And wrapped in an Engine.IO message frame.
        let frame = EngineIOPacket.message(packet.encoded).encoded
        guard case .message(let inner) = try EngineIOPacket.parse(frame) else {
            Issue.record("not a message frame: \(frame)")
            return
        }
        #expect(try SocketIOPacket.parse(inner) == packet)
    }

    // MARK: malformed input

    @Test(
        "malformed packets throw the right FramingError",
        arguments: rejectCases
        )
    func rejects(text: String, code: FramingError.Code) {
        #expect(framingCode { try SocketIOPacket.parse(text) } == code)
    }

    @Test(
        "Engine.IO framed malformed examples from the brief",
        arguments: [
            ("42[", FramingError.Code.badPayload),
            ("42{bad", .badPayload),
            ("451[\"x\"]", .badHeader),
            ("42/admin", .badHeader),
            ("49", .unknownType),
            ("4", .empty),
        ])
    func rejectsFramed(frame: String, code: FramingError.Code) throws {
        guard case .message(let text) = try EngineIOPacket.parse(frame) else {
            Issue.record("not a message frame: \(frame)")
            return
        }
        #expect(framingCode { try SocketIOPacket.parse(text) } == code)
    }

    @Test func deeplyNestedPayloadIsABadPayloadNotACrash() {
        let text = "2" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(framingCode { try SocketIOPacket.parse(text) } == .badPayload)
    }
}
