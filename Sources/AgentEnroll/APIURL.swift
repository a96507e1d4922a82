#if canImport(Glibc)
import Glibc
#endif

/// The enrollment API's base URL, `https://HOST[:PORT][/PREFIX]` (https only).
struct APIURL: Sendable, Equatable {
    let host: String
    let port: Int
    /// The path before `/orchestrators/…`, without a trailing slash ("" or "/v1").
    let pathPrefix: String

    /// The URL as given, without a trailing slash (for messages).
    var base: String { "https://\(hostHeader)\(pathPrefix)" }

    /// `Host:` header value (brackets for IPv6, the port unless 443).
    var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port == 443 ? h : "\(h):\(port)"
    }

    /// The address bytes when the host is an IPv4 or IPv6 literal (4 or 16), else nil.
    var ipAddressBytes: [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// Parses `text`.
    /// - Throws: ``EnrollError`` `usage` for anything but an https URL with a host, a valid port
    ///   and no query, fragment or user part.
    init(_ text: String) throws(EnrollError) {
        func bad(_ why: String) -> EnrollError { EnrollError(.usage, "--api-base '\(text)': \(why)") }
        guard text.hasPrefix("https://") else { throw bad("must be an https:// URL") }
        var rest = Substring(text.dropFirst("https://".count))
        guard !rest.contains(where: { $0 == "?" || $0 == "#" || $0 == "@" || $0 == " " || $0.isNewline }) else {
            throw bad("no query, fragment, user or spaces")
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        var prefix = String(rest[slash...])
        while prefix.hasSuffix("/") { prefix.removeLast() }
        rest = authority
        var host: Substring
        var port = 443
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw bad("an IPv6 address needs its closing ]") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            rest = rest[rest.index(after: close)...]
        } else {
            let colon = rest.firstIndex(of: ":") ?? rest.endIndex
            host = rest[..<colon]
            rest = rest[colon...]
        }
        if rest.hasPrefix(":") {
            guard let p = Int(rest.dropFirst()), (1...65535).contains(p) else { throw bad("the port must be 1…65535") }
            port = p
        } else if !rest.isEmpty {
            throw bad("unexpected '\(rest)' after the host")
        }
        guard !host.isEmpty else { throw bad("no host") }
        self.host = String(host)
        self.port = port
        self.pathPrefix = prefix
    }
}
