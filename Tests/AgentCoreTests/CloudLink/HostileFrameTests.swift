import AgentJSON
import Foundation
import Testing

/// Peak resident memory (VmHWM) of a process in KiB, from /proc.
func peakRSSKiB(_ pid: Int32) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
    return nil
}

extension CloudLinkTests {
    /// A hostile or broken cloud cannot make the agent hold a huge frame or recurse without
    /// bound: a 17 MiB WebSocket frame ends that connection (the frame limit is 4 MiB, checked on
    /// the frame header, before the payload is read), a payload nested 100 000 deep is dropped as
    /// a packet that does not parse (the JSON depth limit is 64); the agent's peak RSS grows by
    /// far less than the frame, and it keeps answering.
    @Test("oversize frames and deeply nested JSON are refused without a memory blow-up")
    func oversizeAndDeep() async throws {
        let cloud = try LabCloud()
        let agent = try AgentUnderTest(cloud: cloud)
        #expect(try await cloud.waitUntil(seconds: 15) { try await !cloud.liveConnections().isEmpty })
        let pid = agent.process.processIdentifier
        _ = try await cloud.call("example_hello", ["name": "warm"])
        let before = try #require(peakRSSKiB(pid))

        // 100 000 levels of nesting inside an event's arguments.
        let sid = try await cloud.liveConnections().first?["sid"]
        let deep: JSONValue = .object([
            "prefix": #"2["example_hello","#, "fill": "[", "count": 100_000,
            "suffix": .string(String(repeating: "]", count: 100_001)),
        ])
        #expect(try await cloud.request("POST", "/raw", ["frames": [deep]])["sent"] == 1)
        #expect(await agent.log.waitFor("dropped a Socket.IO packet that does not parse", seconds: 10))
        #expect(try await cloud.liveConnections().first?["sid"] == sid, "the link survives a packet that does not parse")
        #expect(try await cloud.call("example_hello", ["name": "after deep"]).first?.objectValue?["status"] == "ok")

        // One 17 MiB frame: more than the 16 MiB JSON limit and the 4 MiB frame limit.
        let huge: JSONValue = .object([
            "prefix": #"2["example_hello",{"name":""#, "fill": "a", "count": .number(Double(17 << 20)), "suffix": #""}]"#,
        ])
        _ = try await cloud.request("POST", "/raw", ["frames": [huge]], timeout: 60)
        #expect(try await cloud.waitUntil(seconds: 30) {
            let live = try await cloud.liveConnections()
            return !live.isEmpty && live.first?["sid"] != sid
        }, "the connection that carried the frame is closed and a new one made")
        #expect(try await cloud.call("example_hello", ["name": "after huge"]).first?.objectValue?["status"] == "ok")
        let after = try #require(peakRSSKiB(pid))
        // Holding the frame once would add 17 MiB (and a String copy 17 more): allow well under one.
        #expect(after - before < 8 * 1024, "peak RSS grew by \(after - before) KiB (before \(before) KiB)")
    }
}
