/// Percent-encoding for Engine API paths and queries (RFC 3986).
public enum URLEncoding {
    private static let unreserved: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Encodes every byte outside the unreserved set (and outside `extra`).
    public static func encode(_ text: String, keeping extra: String = "") -> String {
        let keep = unreserved.union(extra.utf8)
        var out: [UInt8] = []
        for b in text.utf8 {
            if keep.contains(b) {
                out.append(b)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One path segment: a container or network id or name (no `/`).
    public static func segment(_ text: String) -> String { encode(text, keeping: ":@") }

    /// An image reference, whose `/` separates repository path components (Docker routes
    /// `/images/{name:.*}/json`).
    public static func imageReference(_ text: String) -> String { encode(text, keeping: ":@/") }

    /// `?a=1&b=x%20y` from pairs (empty string for no pairs).
    public static func query(_ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        return "?" + pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }
}
