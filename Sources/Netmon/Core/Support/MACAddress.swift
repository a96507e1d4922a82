/// Hardware-address text helpers (`aa:bb:cc:dd:ee:ff`, lower case).
public enum MACAddress {
    /// Lower-case colon-separated hex of `bytes` (any length; "" for none).
    public static func format(_ bytes: some Collection<UInt8>) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3)
        for (i, b) in bytes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ":")) }
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The six bytes of an Ethernet MAC written `aa:bb:cc:dd:ee:ff` (either case); nil otherwise.
    public static func parse(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for p in parts {
            guard p.count == 2, let b = UInt8(p, radix: 16) else { return nil }
            bytes.append(b)
        }
        return bytes
    }

    /// `text` normalised to lower case, or nil when it is not a MAC.
    public static func normalize(_ text: String) -> String? {
        parse(text).map { format($0) }
    }
}
