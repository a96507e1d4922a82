/// An IPv4 address as a host-order `UInt32` (`10.0.0.1` is `0x0A000001`).
public struct IPv4: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: UInt32

    public init(_ value: UInt32) { self.value = value }

    /// From the four bytes in network order, as netlink carries them.
    public init(bytes b: (UInt8, UInt8, UInt8, UInt8)) {
        value = UInt32(b.0) << 24 | UInt32(b.1) << 16 | UInt32(b.2) << 8 | UInt32(b.3)
    }

    /// Parses dotted-quad text (`"192.168.1.5"`); nil for anything else.
    public init?(_ text: some StringProtocol) {
        var parts: [UInt32] = []
        for piece in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard !piece.isEmpty, piece.count <= 3, piece.allSatisfy({ $0.isASCII && $0.isNumber }),
                let n = UInt32(piece), n <= 255
            else { return nil }
            parts.append(n)
        }
        guard parts.count == 4 else { return nil }
        value = parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]
    }

    /// The netmask of a prefix length (0...32).
    public static func mask(prefix: Int) -> IPv4 {
        let p = max(0, min(32, prefix))
        return IPv4(p == 0 ? 0 : UInt32.max << UInt32(32 - p))
    }

    /// The prefix length of a contiguous netmask; nil when the mask has holes.
    public var prefixLength: Int? {
        let ones = value.nonzeroBitCount
        return IPv4.mask(prefix: ones) == self ? ones : nil
    }

    /// This address with the host bits of a `prefix` cleared.
    public func network(prefix: Int) -> IPv4 { IPv4(value & IPv4.mask(prefix: prefix).value) }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }

    public static func < (a: IPv4, b: IPv4) -> Bool { a.value < b.value }
}
