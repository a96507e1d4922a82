@testable import AgentCore
import AgentJSON
import Foundation
import LabSupport
import Testing

/// The local door's framing and limits on swift-nio: what a raw client sees when it sends too
/// long a line, closes its sending side early, or is one connection too many.
@Suite("Local door: framing and limits", .labThreads)
struct LocalDoorFramingTests {
    let lab: PluginLab
    let socket: String

    init() throws {
        lab = try PluginLab()
        socket = lab.root + "/agent.sock"
    }

    /// Runs `body` with an in-process agent whose door is open at `socket`.
    func withDoor(_ body: @escaping @Sendable (String) throws -> Void) async throws {
        let config = try lab.writeConfig(
            [try lab.entry(id: "com.example.greeter-swift", path: try lab.install("agent-example-swift"))],
            extra: ["local_door": ["socket": .string(socket)]])
        let agent = try lab.agent(configPath: config)
        let ops = try OperatorServices(agent: agent, openDoor: true)
        let path = socket
        do { try await DockerLab.blocking { try body(path) } } catch {
            ops.close()
            await agent.shutdown()
            throw error
        }
        ops.close()
        await agent.shutdown()
    }

    /// A connected raw client (blocking, 15 s receive bound).
    static func connect(_ path: String) throws -> Int32 {
        let fd = UnixSocket.connect(path: path)
        guard fd >= 0 else { throw LabError("connect \(path): errno \(-fd)") }
        var tv = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Everything the door sends until it closes (or the receive bound passes).
    static func readToEnd(_ fd: Int32) -> [JSONObject] {
        var bytes: [UInt8] = []
        while true {
            let chunk = UnixSocket.receive(fd)
            if chunk.isEmpty { break }
            bytes += chunk
        }
        return bytes.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONParser.parse(Array($0)).objectValue }
    }

    @Test("a line over the limit is answered line_too_long after the lines before it, then the door closes the connection")
    func lineTooLong() async throws {
        try await withDoor { path in
            let fd = try Self.connect(path)
            defer { close(fd) }
            let first = Array(#"{"id":1,"topic":"example_hello","message":{"name":"Ada"}}"#.utf8) + [10]
            let long = [UInt8](repeating: UInt8(ascii: "a"), count: DoorMessage.maxLineBytes + 10)
            #expect(UnixSocket.send(fd, first + long))
            let replies = Self.readToEnd(fd)
            #expect(replies.count == 2, "\(replies)")
            #expect(replies.first?["id"] == 1 && replies.first?["response"]?.objectValue?["greeting"] != nil)
            #expect(replies.last?["error"]?.objectValue?["code"] == "line_too_long")
        }
    }

    @Test("a client that closes its sending side still gets every answer, in order, then the end")
    func halfClose() async throws {
        try await withDoor { path in
            let fd = try Self.connect(path)
            defer { close(fd) }
            let lines = (1...3).map { #"{"id":\#($0),"topic":"example_hello","message":{"name":"n\#($0)"}}"# }
            #expect(UnixSocket.send(fd, Array((lines.joined(separator: "\n") + "\n").utf8)))
            shutdown(fd, Int32(SHUT_WR))
            let replies = Self.readToEnd(fd)
            #expect(replies.map { $0["id"] } == [1, 2, 3], "\(replies)")
            #expect(replies.allSatisfy { $0["response"]?.objectValue?["greeting"] != nil })
        }
    }

    @Test("one connection more than the limit is answered busy and closed; the others keep working")
    func busy() async throws {
        try await withDoor { path in
            var open: [Int32] = []
            defer { open.forEach { close($0) } }
            for _ in 0..<LocalDoor.maxConnections { open.append(try Self.connect(path)) }
            // Admitted connections answer: the door has counted them before the next one comes.
            for fd in open {
                #expect(UnixSocket.send(fd, Array(#"{"id":0,"topic":"example_hello","message":{"name":"x"}}"#.utf8) + [10]))
                #expect(UnixSocket.receive(fd).count > 0)
            }
            let extra = try Self.connect(path)
            defer { close(extra) }
            let refused = Self.readToEnd(extra)
            #expect(refused.first?["error"]?.objectValue?["code"] == "busy", "\(refused)")
            #expect(UnixSocket.send(open[0], Array(#"{"id":9,"topic":"example_hello","message":{"name":"y"}}"#.utf8) + [10]))
            let again = try JSONParser.parse(UnixSocket.receive(open[0]).split(separator: 10).first.map(Array.init) ?? []).objectValue
            #expect(again?["id"] == 9)
        }
    }
}
