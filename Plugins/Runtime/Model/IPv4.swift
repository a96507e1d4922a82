/// An IPv4 address as a 32-bit number (host order).
public struct IPv4: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: UInt32

    public init(_ value: UInt32) { self.value = value }

    /// Parses dotted-quad text (`192.168.1.10`); nil for anything else (no leading zeros games,
    /// no spaces, exactly four parts 0…255).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt32(p), n <= 255 else {
                return nil
            }
            v = v << 8 | n
        }
        value = v
    }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }

    public static func < (a: IPv4, b: IPv4) -> Bool { a.value < b.value }
}

/// An IPv4 network `base/prefix` with the base normalised (host bits cleared).
public struct IPv4Network: Sendable, Hashable, CustomStringConvertible {
    public let base: IPv4
    public let prefix: Int

    public init(containing address: IPv4, prefix: Int) {
        self.prefix = prefix
        base = IPv4(address.value & Self.mask(prefix))
    }

    /// Parses `a.b.c.d/n`; the address may have host bits set (they are cleared).
    public init?(cidr: some StringProtocol) {
        let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let ip = IPv4(parts[0]), let p = Int(parts[1]), (0...32).contains(p) else { return nil }
        self.init(containing: ip, prefix: p)
    }

    /// Prefix length of a dotted netmask (`255.255.255.0` → 24); nil if not contiguous.
    public static func prefix(ofNetmask text: some StringProtocol) -> Int? {
        guard let m = IPv4(text) else { return nil }
        let ones = m.value.nonzeroBitCount
        return mask(ones) == m.value ? ones : nil
    }

    static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix) }

    public var netmask: IPv4 { IPv4(Self.mask(prefix)) }

    public func contains(_ ip: IPv4) -> Bool { ip.value & Self.mask(prefix) == base.value }

    /// `a.b.c.d/n`.
    public var description: String { "\(base)/\(prefix)" }
}
