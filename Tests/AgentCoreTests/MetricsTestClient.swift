import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A raw HTTP/1.1 exchange with the metrics endpoint over real TCP on 127.0.0.1, run on a thread
/// of its own (blocking sockets never sit on the Swift concurrency pool).
enum MetricsTestClient {
    struct Reply: Sendable {
        let status: String
        let headers: [String: String]
        let body: String
    }

    enum Outcome: Sendable {
        case reply(Reply)
        /// `connect` failed with this errno (ECONNREFUSED when nothing listens).
        case refused(Int32)
    }

    /// Sends `request` bytes as they are and reads the reply until the server closes.
    static func exchange(port: UInt16, request: [UInt8]) async -> Outcome {
        await withCheckedContinuation { (done: CheckedContinuation<Outcome, Never>) in
            Thread { done.resume(returning: blockingExchange(port: port, request: request)) }.start()
        }
    }

    static func get(port: UInt16, path: String = "/metrics") async -> Outcome {
        await exchange(port: port, request: Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
    }

    private static func blockingExchange(port: UInt16, request: [UInt8]) -> Outcome {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { return .refused(errno) }
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            data += buf[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let head = parts.first?.components(separatedBy: "\r\n") ?? []
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            let kv = line.split(separator: ":", maxSplits: 1)
            if kv.count == 2 { headers[kv[0].lowercased()] = kv[1].trimmingCharacters(in: .whitespaces) }
        }
        let status = head.first.map { $0.split(separator: " ", maxSplits: 1).dropFirst().first.map(String.init) ?? "" } ?? ""
        return .reply(Reply(status: status, headers: headers, body: parts.dropFirst().joined(separator: "\r\n\r\n")))
    }
}

extension MetricsTestClient.Outcome {
    var reply: MetricsTestClient.Reply? {
        if case .reply(let r) = self { return r }
        return nil
    }
}
