import SocketIOCore
import Testing

@Suite("Engine.IO long-polling payloads")
struct EngineIOPayloadTests {
    @Test func decodeSplitsOnTheRecordSeparator() throws {
        let body = Array("0{\"sid\":\"a\"}\u{1e}40\u{1e}42[\"x\",{\"é\":1}]".utf8)
        #expect(try EngineIOPayload.decode(body) == ["0{\"sid\":\"a\"}", "40", "42[\"x\",{\"é\":1}]"])
        #expect(try EngineIOPayload.decode(Array("2".utf8)) == ["2"])
    }

    @Test func decodeRefusesEmptyAndBrokenBodies() {
        #expect(framingCode { try EngineIOPayload.decode([]) } == .empty)
        #expect(framingCode { try EngineIOPayload.decode(Array("40\u{1e}".utf8)) } == .empty)
        #expect(framingCode { try EngineIOPayload.decode([0x34, 0xFF]) } == .badPayload)
    }

    @Test func encodeIsTheInverse() throws {
        let packets = ["3", "43[{}]", "42[\"heartbeat\",{\"a\":\"\u{1d}\"}]"]
        #expect(try EngineIOPayload.decode(EngineIOPayload.encode(packets)) == packets)
        #expect(EngineIOPayload.encode(["3"]) == Array("3".utf8))
    }

    @Test("batches keep the order and stay within 16 packets and maxPayload bytes")
    func batches() {
        let packets = (0..<40).map { "42[\"tick\",{\"seq\":\($0)}]" }
        let b = EngineIOPayload.batches(packets, maxPayload: 1_000_000)
        #expect(b.map(\.count) == [16, 16, 8])
        #expect(b.flatMap { $0 } == packets)
        let small = EngineIOPayload.batches(["aaaa", "bbbb", "cccc", "dddd"], maxPayload: 9)
        #expect(small == [["aaaa", "bbbb"], ["cccc", "dddd"]])  // 4 + 1 + 4 = 9 bytes each
        for batch in EngineIOPayload.batches(packets, maxPayload: 100) {
            #expect(EngineIOPayload.encode(batch).count <= 100 || batch.count == 1)
        }
        #expect(EngineIOPayload.batches(["x" + String(repeating: "y", count: 50)], maxPayload: 10).count == 1)
        #expect(EngineIOPayload.batches([], maxPayload: 10).isEmpty)
    }

    @Test func handshakeCarriesTheUpgrades() throws {
        let p = try EngineIOPacket.parse(#"0{"sid":"s","upgrades":["websocket",7],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#)
        guard case .open(let h) = p else { Issue.record("\(p)"); return }
        #expect(h.upgrades == ["websocket"])
        let none = try EngineIOPacket.parse(#"0{"sid":"s","pingInterval":1,"pingTimeout":1}"#)
        guard case .open(let h2) = none else { Issue.record("\(none)"); return }
        #expect(h2.upgrades.isEmpty)
    }
}
