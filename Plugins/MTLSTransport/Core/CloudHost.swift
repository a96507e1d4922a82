#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The cloud's address as the site config gives it: a DNS name, or an IPv4 or IPv6 literal
/// (`10.1.2.3`, `fd00::1` or `[fd00::1]`).
///
/// The difference matters for TLS: a name goes into SNI and is matched against the server
/// certificate's DNS names; an IP literal must not be sent as SNI (RFC 6066 §3) and is matched
/// against the certificate's IP address entries.
public enum CloudHost: Sendable, Equatable, CustomStringConvertible {
    case name(String)
    /// The 4 bytes of an IPv4 address and its text.
    case ipv4([UInt8], String)
    /// The 16 bytes of an IPv6 address and its text (without brackets).
    case ipv6([UInt8], String)

    /// Classifies a host; brackets around an IPv6 literal are removed.
    public init(_ text: String) {
        var bare = Substring(text)
        if bare.hasPrefix("["), bare.hasSuffix("]") { bare = bare.dropFirst().dropLast() }
        let s = String(bare)
        if let v4 = Self.pton(AF_INET, s, count: 4) {
            self = .ipv4(v4, s)
        } else if let v6 = Self.pton(AF_INET6, s, count: 16) {
            self = .ipv6(v6, s)
        } else {
            self = .name(text)
        }
    }

    /// The text to connect to (no brackets).
    public var connectHost: String {
        switch self {
        case .name(let n): return n
        case .ipv4(_, let t), .ipv6(_, let t): return t
        }
    }

    /// The form for a URL or a `Host` header: IPv6 in brackets.
    public var urlHost: String {
        if case .ipv6(_, let t) = self { return "[\(t)]" }
        return connectHost
    }

    /// The address bytes of an IP literal; nil for a name.
    public var addressBytes: [UInt8]? {
        switch self {
        case .name: return nil
        case .ipv4(let b, _), .ipv6(let b, _): return b
        }
    }

    /// The SNI name to send: the host name, or nil for an IP literal.
    public var serverNameIndication: String? {
        if case .name(let n) = self { return n }
        return nil
    }

    public var description: String { urlHost }

    /// The text form of 4 or 16 address bytes (as found in a certificate); hex for other lengths.
    public static func text(ofAddress bytes: [UInt8]) -> String {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return bytes.map { String($0, radix: 16) }.joined(separator: ":")
        }
        var out = [CChar](repeating: 0, count: 64)
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &out, socklen_t(out.count)) }
        guard ok != nil else { return "?" }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func pton(_ family: Int32, _ text: String, count: Int) -> [UInt8]? {
        guard !text.isEmpty, !text.contains("%") else { return nil }  // no zone ids
        var buffer = [UInt8](repeating: 0, count: 16)
        let ok = buffer.withUnsafeMutableBytes { raw in inet_pton(family, text, raw.baseAddress) }
        return ok == 1 ? Array(buffer.prefix(count)) : nil
    }
}
