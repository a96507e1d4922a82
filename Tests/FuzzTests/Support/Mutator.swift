import LabSupport

/// A deterministic byte mutator in the spirit of libFuzzer's: bit flips, random bytes, inserts,
/// deletes, duplicated ranges, splices with another corpus entry, dictionary tokens (JSON
/// punctuation, escapes, huge and odd numbers, protocol keys) and, rarely, very deep nesting.
struct Mutator {
    static let dictionary: [[UInt8]] = [
        "{", "}", "[", "]", "\"", ":", ",", "\\", "\\u0000", "\\ud800", "\\udc00\\ud800", "\u{0}", "\n", "\r\n", " ",
        "null", "true", "false", "0", "-0", "1e999", "-1e999", "1e300", "-1e300", "4.9e-324", "1.7976931348623157e308",
        "123456789012345678901234567890", "9007199254740993", "0.1", "-", "+", ".", "e", "é", "\u{FEFF}", "\u{FF41}",
        "\"type\"", "\"data\"", "\"id\"", "\"interface\"", "\"status\"", "\"ipv4_addresses\"", "\"prefixlen\"",
        "\"network_change\"", "\"network_discovery\"", "\"command\"", "\"Id\"", "\"Action\"", "\"Actor\"", "\"plugins\"",
        "\"sha256\"", "\"timeout_ms\"", "\"vnic_configs\"", "\"device_id\"", "\"error\"", "2", "4", "40", "42", "451-",
        "/ns,", "17",
    ].map { Array($0.utf8) }

    var random: SeededRandom
    let corpus: [[UInt8]]

    init(seed: UInt64, corpus: [[UInt8]]) {
        random = SeededRandom(seed: seed)
        self.corpus = corpus.isEmpty ? [[]] : corpus
    }

    /// A new input: a corpus entry with 1–4 stacked mutations, at most `maxBytes` long.
    mutating func next(maxBytes: Int = 8192) -> [UInt8] {
        var bytes = corpus[Int.random(in: 0..<corpus.count, using: &random)]
        for _ in 0..<Int.random(in: 1...4, using: &random) { mutate(&bytes) }
        return bytes.count <= maxBytes || Int.random(in: 0..<4, using: &random) == 0 ? bytes : Array(bytes.prefix(maxBytes))
    }

    private mutating func position(_ bytes: [UInt8], inclusive: Bool = true) -> Int {
        Int.random(in: 0...(inclusive ? bytes.count : max(0, bytes.count - 1)), using: &random)
    }

    private mutating func mutate(_ bytes: inout [UInt8]) {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<12 where !bytes.isEmpty:  // flip a bit
            let i = position(bytes, inclusive: false)
            bytes[i] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
        case 12..<22 where !bytes.isEmpty:  // random byte
            bytes[position(bytes, inclusive: false)] = UInt8.random(in: 0...255, using: &random)
        case 22..<30:  // insert a random byte
            bytes.insert(UInt8.random(in: 0...255, using: &random), at: position(bytes))
        case 30..<42 where !bytes.isEmpty:  // delete a range
            let i = position(bytes, inclusive: false)
            let n = Int.random(in: 1...max(1, min(16, bytes.count - i)), using: &random)
            bytes.removeSubrange(i..<(i + n))
        case 42..<50 where !bytes.isEmpty:  // duplicate a range
            let i = position(bytes, inclusive: false)
            let n = Int.random(in: 1...max(1, min(32, bytes.count - i)), using: &random)
            bytes.insert(contentsOf: bytes[i..<(i + n)], at: position(bytes))
        case 50..<62:  // splice: a slice of another entry replaces our tail or is inserted
            let other = corpus[Int.random(in: 0..<corpus.count, using: &random)]
            guard !other.isEmpty else { return }
            let s = Int.random(in: 0..<other.count, using: &random)
            let e = Int.random(in: s...other.count, using: &random)
            if Bool.random(using: &random) {
                bytes = Array(bytes.prefix(position(bytes))) + other[s..<e]
            } else {
                bytes.insert(contentsOf: other[s..<e], at: position(bytes))
            }
        case 62..<85:  // dictionary token
            let token = Self.dictionary[Int.random(in: 0..<Self.dictionary.count, using: &random)]
            if !bytes.isEmpty, Bool.random(using: &random) {
                let i = position(bytes, inclusive: false)
                bytes.replaceSubrange(i..<min(bytes.count, i + token.count), with: token)
            } else {
                bytes.insert(contentsOf: token, at: position(bytes))
            }
        case 85..<88:  // deep nesting
            let open: [UInt8] = Bool.random(using: &random) ? Array("[".utf8) : Array("{\"a\":".utf8)
            let depth = Int.random(in: 0..<10, using: &random) == 0 ? 100_000 : Int.random(in: 60...70, using: &random)
            bytes.insert(contentsOf: Array([[UInt8]](repeating: open, count: depth).joined()), at: position(bytes))
        case 88..<94:  // replace the next run of digits with a huge or odd number
            let numbers = [
                "1e300", "-1e300", "1e308", "18446744073709551616", "9223372036854775808", "-9223372036854775809", "1e-400",
                "0.5", "-1", "4294967296",
            ]
            let number = Array(numbers[Int.random(in: 0..<numbers.count, using: &random)].utf8)
            let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
            guard let start = bytes[position(bytes)...].firstIndex(where: isDigit) else {
                bytes.insert(contentsOf: number, at: position(bytes))
                return
            }
            let end = bytes[start...].firstIndex { !isDigit($0) } ?? bytes.endIndex
            bytes.replaceSubrange(start..<end, with: number)
        default:  // truncate
            bytes = Array(bytes.prefix(position(bytes)))
        }
    }
}
