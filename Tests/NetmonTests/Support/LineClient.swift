import AgentJSON
import Foundation
import LabSupport

/// A test client of the netmon socket: sends lines, reads JSON lines with deadlines, and keeps
/// every line it read so a failed wait can show what did arrive.
final class LineClient {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var lines: [JSONObject] = []
    private(set) var transcript: [String] = []
    /// Every parsed line ever read, consumed or not.
    private(set) var history: [JSONObject] = []
    private(set) var sawEOF = false

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DockerLabError("socket: errno \(errno)") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw DockerLabError("connect \(path): \(String(cString: strerror(e)))")
        }
    }

    deinit { close(fd) }

    /// Sends raw bytes.
    func sendRaw(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw DockerLabError("send: errno \(errno)") }
            off += n
        }
    }

    /// Sends one line (a newline is added).
    func send(_ line: String) throws { try sendRaw(Array((line + "\n").utf8)) }

    /// Sends one JSON object as a line.
    func send(_ object: JSONValue) throws { try send(JSONWriter.string(object)) }

    /// The next line (parsed) within `timeout` seconds, or nil.
    func next(timeout: Double = 10) -> JSONObject? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if !lines.isEmpty { return lines.removeFirst() }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 || sawEOF { return nil }
            read(timeoutMs: Int32(min(left * 1000, 500)))
        }
    }

    /// Reads until a line satisfies `match` (the lines before it are consumed). Nil on timeout.
    func waitFor(timeout: Double = 10, _ match: (JSONObject) -> Bool) -> JSONObject? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            while !lines.isEmpty {
                let l = lines.removeFirst()
                if match(l) { return l }
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 || sawEOF { return nil }
            read(timeoutMs: Int32(min(left * 1000, 500)))
        }
    }

    /// Every line that arrives within `seconds` (none expected → empty).
    func drain(for seconds: Double) -> [JSONObject] {
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0 && !sawEOF {
            read(timeoutMs: Int32(max(1, min(deadline.timeIntervalSinceNow * 1000, 500))))
        }
        let out = lines
        lines.removeAll()
        return out
    }

    /// The reply (a line without `type`) with this `id`.
    func reply(id: JSONValue, timeout: Double = 10) -> JSONObject? {
        waitFor(timeout: timeout) { $0["type"] == nil && $0["id"] == id }
    }

    /// The next reply (a line without `type`), skipping events.
    func nextReply(timeout: Double = 10) -> JSONObject? {
        waitFor(timeout: timeout) { $0["type"] == nil }
    }

    /// The next event of `type` whose data satisfies `match`.
    func event(_ type: String, timeout: Double = 10, _ match: (JSONObject) -> Bool = { _ in true }) -> JSONObject? {
        waitFor(timeout: timeout) { l in
            guard l["type"]?.stringValue == type, let data = l["data"]?.objectValue else { return false }
            return match(data)
        }?["data"]?.objectValue
    }

    /// Whether an event of `type` matching `match` has been read (consumed or not), waiting up to
    /// `timeout` seconds for it.
    func received(_ type: String, timeout: Double = 5, _ match: (JSONObject) -> Bool) -> Bool {
        func seen() -> Bool {
            history.contains { l in
                l["type"]?.stringValue == type && (l["data"]?.objectValue).map(match) == true
            }
        }
        if seen() { return true }
        _ = waitFor(timeout: timeout) { l in l["type"]?.stringValue == type && (l["data"]?.objectValue).map(match) == true }
        return seen()
    }

    /// Every line read so far, for failure messages.
    var seen: String { transcript.suffix(40).joined(separator: "\n") }

    private func read(timeoutMs: Int32) {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, timeoutMs) > 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 {
            sawEOF = true
            return
        }
        buffer += chunk[0..<n]
        while let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(buffer[..<nl])
            buffer.removeSubrange(...nl)
            let text = String(decoding: line, as: UTF8.self)
            transcript.append(text.count > 600 ? String(text.prefix(600)) + "…" : text)
            if let o = (try? JSONParser.parse(line))?.objectValue {
                lines.append(o)
                history.append(o)
            }
        }
    }
}
