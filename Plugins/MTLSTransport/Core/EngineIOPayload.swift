/// The body of an Engine.IO v4 long-polling request or response: text packets separated by the
/// record separator U+001E (engine.io-protocol v4, "Payload"). Binary packets (`b` + base64) are
/// not used by this protocol.
public enum EngineIOPayload {
    /// The record separator between packets.
    public static let separator: UInt8 = 0x1E

    /// Splits a polling body into its packets' texts.
    /// - Throws: ``FramingError`` `empty` when the body or one of its records is empty, `bad_payload`
    ///   when the body is not UTF-8.
    public static func decode(_ body: [UInt8]) throws(FramingError) -> [String] {
        guard !body.isEmpty else { throw FramingError(.empty, "empty Engine.IO polling payload") }
        var packets: [String] = []
        for record in body.split(separator: separator, omittingEmptySubsequences: false) {
            guard !record.isEmpty else { throw FramingError(.empty, "empty record in an Engine.IO polling payload") }
            guard let text = String(validating: record, as: UTF8.self) else {
                throw FramingError(.badPayload, "Engine.IO polling payload is not UTF-8")
            }
            packets.append(text)
        }
        return packets
    }

    /// Joins packets into one polling body.
    public static func encode(_ packets: [String]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(packets.reduce(0) { $0 + $1.utf8.count + 1 })
        for (i, p) in packets.enumerated() {
            if i > 0 { out.append(separator) }
            out.append(contentsOf: p.utf8)
        }
        return out
    }

    /// The most packets one polling POST may carry: python-engineio's server refuses more (its
    /// `max_decode_packets`, 16) — and answers 200 all the same, so the excess would be lost.
    public static let maxPacketsPerPost = 16

    /// Splits packets into POST bodies of at most ``maxPacketsPerPost`` packets and `maxPayload`
    /// bytes each, in order (a single larger packet goes alone; the server decides about it).
    public static func batches(_ packets: [String], maxPayload: Int) -> [[String]] {
        var out: [[String]] = []
        var current: [String] = []
        var size = 0
        for p in packets {
            let length = p.utf8.count
            if !current.isEmpty, current.count == maxPacketsPerPost || size + 1 + length > maxPayload {
                out.append(current)
                current = []
                size = 0
            }
            size += current.isEmpty ? length : 1 + length
            current.append(p)
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
