/// Conversions between a CIDR block (the protocol's `ip_range`) and the first and last address
/// Podman's `lease_range` takes.
enum IPv4Range {
    /// `192.168.77.240/28` → (`192.168.77.240`, `192.168.77.255`); nil for a malformed CIDR.
    static func bounds(of cidr: String) -> (start: String, end: String)? {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let base = value(String(parts[0])), let prefix = UInt32(parts[1]), prefix <= 32 else { return nil }
        return (text(base & mask(prefix)), text((base & mask(prefix)) | ~mask(prefix)))
    }

    /// The smallest CIDR holding both addresses; nil when either is missing or malformed.
    static func cidr(from start: String, to end: String) -> String? {
        guard let a = value(start), let b = value(end), a <= b else { return nil }
        var prefix: UInt32 = 32
        while prefix > 0, a & mask(prefix) != b & mask(prefix) { prefix -= 1 }
        return "\(text(a & mask(prefix)))/\(prefix)"
    }

    /// The netmask of a prefix length (0...32).
    static func mask(_ prefix: UInt32) -> UInt32 { prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix) }

    static func value(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard let octet = UInt8(p) else { return nil }
            v = v << 8 | UInt32(octet)
        }
        return v
    }

    static func text(_ v: UInt32) -> String { "\(v >> 24).\((v >> 16) & 255).\((v >> 8) & 255).\(v & 255)" }
}

extension IPv4Range {
    /// The address after `text` (unchanged when malformed or the last one).
    static func next(_ text: String) -> String {
        guard let v = value(text), v < UInt32.max else { return text }
        return Self.text(v + 1)
    }

    /// The address before `text` (unchanged when malformed or the first one).
    static func previous(_ text: String) -> String {
        guard let v = value(text), v > 0 else { return text }
        return Self.text(v - 1)
    }
}
