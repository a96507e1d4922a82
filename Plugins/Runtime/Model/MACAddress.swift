/// MAC addresses of vNICs: parsing user input and generating locally administered ones.
public enum MACAddress {
    /// Normalises `aa:BB-cc…` to lowercase colon hex; nil when not 6 hex octets.
    public static func normalize(_ text: String) -> String? {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else { return nil }
        var out: [String] = []
        for p in parts {
            guard p.count == 2, let v = UInt8(p, radix: 16) else { return nil }
            out.append(hex(v))
        }
        return out.joined(separator: ":")
    }

    /// True for a unicast address (bit 0 of the first octet clear).
    public static func isUnicast(_ normalized: String) -> Bool {
        guard let first = UInt8(normalized.prefix(2), radix: 16) else { return false }
        return first & 1 == 0
    }

    /// A locally administered unicast MAC (upstream's rule: first octet `0x02 | (r << 2)` with
    /// r in 0…63, then five random octets), lowercase colon hex.
    public static func generate<G: RandomNumberGenerator>(using rng: inout G) -> String {
        var octets: [UInt8] = [0x02 | (UInt8.random(in: 0...63, using: &rng) << 2)]
        for _ in 0..<5 { octets.append(UInt8.random(in: 0...255, using: &rng)) }
        return octets.map(hex).joined(separator: ":")
    }

    /// A generated MAC from the system generator.
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return generate(using: &rng)
    }

    private static func hex(_ v: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(v >> 4)], digits[Int(v & 15)]])
    }
}
