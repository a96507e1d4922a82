import AgentJSON
import Foundation
import LabSupport

extension SidecarUnderTest {
    /// Sends one command with an `id` on a connection of its own and answers the reply with that
    /// `id` (events on the way are skipped). For test set-up (`test_add_device`), independent of
    /// the agent's listener.
    func command(_ fields: JSONObject, timeout: Double = 10) throws -> JSONObject {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LabError("socket: errno \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.prefix(raw.count - 1).enumerated() { raw[i] = b } }
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw LabError("connect \(socketPath): errno \(errno)") }
        var request = fields
        request["id"] = "test-cmd"
        let line = Array((JSONWriter.string(.object(request)) + "\n").utf8)
        guard line.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == line.count else { throw LabError("write failed") }
        var buffer: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            while let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let one = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                if let o = try? JSONParser.parse(one).objectValue, o["id"] == "test-cmd" { return o }
            }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 200) >= 0 else { throw LabError("poll: errno \(errno)") }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { throw LabError("the sidecar closed the connection") }
            if n > 0 { buffer += chunk[0..<n] }
        }
        throw LabError("no reply to \(fields) within \(timeout) s")
    }
}
