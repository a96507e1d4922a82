import AgentJSON
import NetmonCache
import Testing

@Suite("Lines from the sidecar: events vs replies, and reply matching")
struct NetmonMessageTests {
    static func parse(_ text: String) -> NetmonMessage { NetmonMessage.parse(Array(text.utf8)) }

    @Test("an object with a type is an event; data defaults to {}")
    func events() {
        #expect(Self.parse(#"{"type":"network_change","data":{"interface":"eth0"}}"#) == .event(type: "network_change", data: ["interface": "eth0"]))
        #expect(Self.parse(#"{"type":"device_discovery"}"#) == .event(type: "device_discovery", data: [:]))
    }

    @Test("an object without a type is a reply; its id is read as text and removed from the body")
    func replies() {
        #expect(Self.parse(#"{"id":7,"success":true,"clients":[]}"#) == .reply(id: "7", body: ["success": true, "clients": []]))
        #expect(Self.parse(#"{"id":"7","success":false}"#) == .reply(id: "7", body: ["success": false]))
        #expect(Self.parse(#"{"success":false,"error":"Invalid JSON"}"#) == .reply(id: nil, body: ["success": false, "error": "Invalid JSON"]))
        #expect(Self.parse(#"{"id":null,"success":true}"#) == .reply(id: nil, body: ["success": true]))
    }

    @Test("non-objects and broken JSON are invalid")
    func invalid() {
        guard case .invalid = Self.parse("[1,2]") else { Issue.record("array accepted"); return }
        guard case .invalid = Self.parse("{\"type\":") else { Issue.record("broken JSON accepted"); return }
    }

    @Test("replies with ids go to their command, whatever the order")
    func byID() {
        var ledger = CommandLedger<String>()
        ledger.add(id: "1", waiter: "slow")
        ledger.add(id: "2", waiter: "fast")
        #expect(ledger.resolve(replyID: "2") == "fast")
        #expect(ledger.resolve(replyID: "9") == nil)
        #expect(ledger.resolve(replyID: "1") == "slow")
        #expect(ledger.waitingCount == 0)
    }

    @Test("replies without an id go to the oldest command (upstream sidecar)")
    func oldestFirst() {
        var ledger = CommandLedger<String>()
        ledger.add(id: "1", waiter: "a")
        ledger.add(id: "2", waiter: "b")
        #expect(ledger.resolve(replyID: nil) == "a")
        #expect(ledger.resolve(replyID: nil) == "b")
        #expect(ledger.resolve(replyID: nil) == nil)
    }

    @Test("a timed-out command's late id-less reply is swallowed, not handed to the next command")
    func abandonedWithoutIDs() {
        var ledger = CommandLedger<String>()
        ledger.add(id: "1", waiter: "timed-out")
        #expect(ledger.abandon(id: "1") == "timed-out")
        ledger.add(id: "2", waiter: "next")
        #expect(ledger.resolve(replyID: nil) == nil)  // the late reply of command 1
        #expect(ledger.resolve(replyID: nil) == "next")
    }

    @Test("with a peer that echoes ids, an abandoned command leaves no placeholder")
    func abandonedWithIDs() {
        var ledger = CommandLedger<String>()
        ledger.add(id: "1", waiter: "a")
        #expect(ledger.resolve(replyID: "1") == "a")
        ledger.add(id: "2", waiter: "timed-out")
        #expect(ledger.abandon(id: "2") == "timed-out")
        ledger.add(id: "3", waiter: "c")
        #expect(ledger.resolve(replyID: nil) == "c")  // e.g. an id-less error reply
    }

    @Test("drain hands back every waiting command and forgets placeholders")
    func drain() {
        var ledger = CommandLedger<String>(maxPlaceholders: 1)
        ledger.add(id: "1", waiter: "a")
        ledger.add(id: "2", waiter: "b")
        ledger.add(id: "3", waiter: "c")
        _ = ledger.abandon(id: "1")
        _ = ledger.abandon(id: "2")  // over the cap: the oldest placeholder is dropped
        #expect(ledger.resolve(replyID: nil) == nil)  // placeholder of 2
        #expect(ledger.drain() == ["c"])
        #expect(ledger.resolve(replyID: nil) == nil)
    }
}
