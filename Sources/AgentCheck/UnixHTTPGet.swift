/// A minimal blocking HTTP/1.1 GET over a unix socket (`Connection: close`), enough for the
/// Docker engine's `GET /version`: status line, headers, and a body framed by Content-Length,
/// chunked transfer coding, or the end of the stream.
enum UnixHTTPGet {
    struct Response: Sendable {
        let status: Int
        let body: [UInt8]
    }

    /// - Throws: ``CheckError`` from the socket, or `bad_response` when the answer is not HTTP.
    static func get(socket path: String, target: String, timeout: Double) throws(CheckError) -> Response {
        let deadline = Deadline(seconds: timeout)
        let socket = try UnixSocket(path: path, deadline: deadline)
        let request = "GET \(target) HTTP/1.1\r\nHost: localhost\r\nUser-Agent: orchestrator-agent-check\r\n"
            + "Accept: application/json\r\nConnection: close\r\n\r\n"
        try socket.send(Array(request.utf8), deadline: deadline)
        var received: [UInt8] = []
        while true {
            let chunk = try socket.receive(deadline: deadline)
            if chunk.isEmpty { break }
            received += chunk
            if let response = try parse(received, atEnd: false) { return response }
            if received.count > 4 << 20 { throw CheckError(.badResponse, "'\(path)' answered more than 4 MiB") }
        }
        guard let response = try parse(received, atEnd: true) else {
            throw CheckError(.closed, "'\(path)' closed the connection before a complete HTTP answer")
        }
        return response
    }

    /// The response in `bytes`, or nil while it is incomplete.
    static func parse(_ bytes: [UInt8], atEnd: Bool) throws(CheckError) -> Response? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = bytes.firstRange(of: separator) else {
            if atEnd, !bytes.isEmpty { throw CheckError(.badResponse, "the answer has no HTTP header") }
            return nil
        }
        let head = String(decoding: bytes[..<headEnd.lowerBound], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw CheckError(.badResponse, "not an HTTP status line: \(statusLine.prefix(80))")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingSpaces
        }
        let body = Array(bytes[headEnd.upperBound...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            return try dechunk(body).map { Response(status: status, body: $0) }
        }
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            guard body.count >= length else { return nil }
            return Response(status: status, body: Array(body.prefix(length)))
        }
        return atEnd ? Response(status: status, body: body) : nil
    }

    /// The body of a chunked stream, or nil while the last chunk has not arrived.
    private static func dechunk(_ bytes: [UInt8]) throws(CheckError) -> [UInt8]? {
        var out: [UInt8] = []
        var i = 0
        let crlf: [UInt8] = [13, 10]
        while true {
            guard let lineEnd = bytes[i...].firstRange(of: crlf) else { return nil }
            let sizeText = String(decoding: bytes[i..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first.map(String.init)?.trimmingSpaces ?? "", radix: 16) else {
                throw CheckError(.badResponse, "bad chunk size '\(sizeText.prefix(20))'")
            }
            let start = lineEnd.upperBound
            if size == 0 { return out }
            guard bytes.count >= start + size + 2 else { return nil }
            out += bytes[start..<start + size]
            i = start + size + 2
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let s = drop { $0 == " " || $0 == "\t" }
        return String(s.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
