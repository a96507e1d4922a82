/// An HTTP proxy for the cloud link, as `cloud.proxy` or `HTTPS_PROXY` gives it:
/// `http://[user:password@]host[:port][/]` (port 80 when absent; a bare `host:port` is read as
/// `http://host:port`, as curl does). The link opens a tunnel with `CONNECT cloud:port` and runs
/// TLS to the cloud through it, so the proxy never sees the traffic nor the client certificate.
public struct ProxyURL: Sendable, Equatable, CustomStringConvertible {
    public var host: CloudHost
    public var port: Int
    /// Credentials from the URL's user part (percent-decoded), if any.
    public var username: String?
    public var password: String?

    /// Parses a proxy URL; nil when it is not an `http://` proxy URL this link can use (an
    /// `https://` proxy, a path or query, a bad port, no host).
    public init?(_ text: String) {
        var rest = Substring(text.trimmingWhitespace)
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            guard rest[..<colon].lowercased() == "http" else { return nil }
            rest = rest[rest.index(colon, offsetBy: 3)...]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else { return nil }
        if let at = rest.lastIndex(of: "@") {
            let user = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = user.firstIndex(of: ":") {
                guard let u = Self.percentDecode(user[..<colon]),
                    let p = Self.percentDecode(user[user.index(after: colon)...])
                else { return nil }
                username = u
                password = p
            } else {
                guard let u = Self.percentDecode(user) else { return nil }
                username = u
                password = ""
            }
        }
        var hostPart = rest
        var portValue = 80
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            hostPart = rest[...close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()) else { return nil }
                portValue = p
            }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            guard let p = Int(rest[rest.index(after: colon)...]) else { return nil }
            portValue = p
        }
        guard !hostPart.isEmpty, (1...65535).contains(portValue) else { return nil }
        host = CloudHost(String(hostPart))
        if case .name(let n) = host, n.contains(where: { $0 == " " || $0 == "[" || $0 == "]" }) { return nil }
        port = portValue
    }

    public init(host: CloudHost, port: Int, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// The proxy without its credentials (for logs and status).
    public var description: String { "http://\(host.urlHost):\(port)" }

    private static func percentDecode(_ s: Substring) -> String? {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%") {
                guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// `NO_PROXY` as curl and Python's urllib read it: a comma-separated list of host names (a name
/// matches itself and its subdomains; a leading dot or `*.` is the same), IP addresses, and `*`
/// for every host. Ports in entries are ignored; matching is case-insensitive.
public struct NoProxyList: Sendable, Equatable {
    public let entries: [String]

    public init(_ text: String) {
        entries = text.split(separator: ",").map { entry -> String in
            var e = entry.trimmingWhitespace.lowercased()
            if e.hasPrefix("*.") { e.removeFirst(2) }
            while e.hasPrefix(".") { e.removeFirst() }
            if e.hasPrefix("["), let close = e.firstIndex(of: "]") {
                e = String(e[e.index(after: e.startIndex)..<close])
            } else if e.filter({ $0 == ":" }).count == 1, let colon = e.lastIndex(of: ":") {
                e = String(e[..<colon])  // host:port → host
            }
            return e
        }.filter { !$0.isEmpty }
    }

    /// True when `host` must be reached directly, not through the proxy.
    public func bypasses(_ host: CloudHost) -> Bool {
        let h = host.connectHost.lowercased()
        for e in entries {
            if e == "*" || e == h { return true }
            if case .name = host, h.hasSuffix("." + e) { return true }
            if let bytes = host.addressBytes, CloudHost(e).addressBytes == bytes { return true }
        }
        return false
    }
}

extension StringProtocol {
    /// Without leading and trailing ASCII spaces, tabs and line ends.
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
