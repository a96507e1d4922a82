import AgentJSON
import Crypto

/// One line of the audit trail: who sent which command and what came of it, chained to the line
/// before it by SHA-256.
///
/// The line format is fixed so a verifier can hash the exact bytes that were written:
///
/// ```
/// {"hash":"<64 hex>","prev":"<64 hex>","entry":{"seq":1,"time":"…","who":"local:uid=0,pid=42",…}}
/// ```
///
/// `hash = SHA-256(prev ‖ entry bytes)` (prev as its 64 ASCII hex digits, entry as the exact
/// JSON bytes between `"entry":` and the final `}`). The first line's `prev` is 64 zeros.
public struct AuditEntry: Sendable, Equatable {
    /// `prev` of the very first line.
    public static let genesis = String(repeating: "0", count: 64)
    /// Payloads larger than this are recorded by hash only.
    public static let maxPayloadBytes = 8192

    public let seq: UInt64
    public let prev: String
    public let hash: String
    /// The parsed `entry` object (`seq`, `time`, `who`, `topic`, `correlation_id`, `status`,
    /// `result`, `payload_sha256`, `payload` or `payload_omitted`).
    public let entry: JSONObject

    static let prefixHash = Array(#"{"hash":""#.utf8)
    static let prefixPrev = Array(#"","prev":""#.utf8)
    static let prefixEntry = Array(#"","entry":"#.utf8)
    static var headerLength: Int { prefixHash.count + 64 + prefixPrev.count + 64 + prefixEntry.count }

    /// Builds the entry object for one answered command.
    static func entryObject(seq: UInt64, time: String, record: CommandRecord) -> JSONObject {
        var e = JSONObject()
        e["seq"] = .number(Double(seq))
        e["time"] = .string(time)
        e["who"] = .string(record.origin.description)
        e["topic"] = .string(record.topic)
        e["correlation_id"] = record.response["correlation_id"] ?? .null
        e["status"] = .string(record.response["status"]?.stringValue == "error" ? "error" : "success")
        e["result"] = .string(record.result)
        if let message = record.message {
            let bytes = JSONWriter.bytes(message)
            e["payload_sha256"] = .string(hex(SHA256.hash(data: bytes)))
            if bytes.count <= maxPayloadBytes { e["payload"] = message } else { e["payload_omitted"] = .number(Double(bytes.count)) }
        } else {
            e["payload"] = .null
        }
        return e
    }

    /// The line (without the newline) for `entry` after `prev`, and its hash.
    static func line(prev: String, entry: JSONObject) -> (line: [UInt8], hash: String) {
        let body = JSONWriter.bytes(.object(entry))
        let hash = chainHash(prev: prev, body: body[...])
        var out = prefixHash
        out += Array(hash.utf8)
        out += prefixPrev
        out += Array(prev.utf8)
        out += prefixEntry
        out += body
        out.append(UInt8(ascii: "}"))
        return (out, hash)
    }

    /// `SHA-256(prev ‖ body)` as lower-case hex.
    static func chainHash(prev: String, body: ArraySlice<UInt8>) -> String {
        var h = SHA256()
        h.update(data: Array(prev.utf8))
        h.update(data: Array(body))
        return hex(h.finalize())
    }

    /// Parses one line and checks that its hash matches its own bytes (not the chain).
    /// - Returns: nil with a reason when the line is malformed or its hash is wrong.
    static func parse(line: ArraySlice<UInt8>) -> Result<AuditEntry, AuditFailure> {
        let bytes = Array(line)
        guard bytes.count > headerLength, bytes.last == UInt8(ascii: "}"),
            bytes.starts(with: prefixHash),
            Array(bytes[(prefixHash.count + 64)..<(prefixHash.count + 64 + prefixPrev.count)]) == prefixPrev,
            Array(bytes[(headerLength - prefixEntry.count)..<headerLength]) == prefixEntry
        else { return .failure(.malformed("not an audit line")) }
        let hash = String(decoding: bytes[prefixHash.count..<(prefixHash.count + 64)], as: UTF8.self)
        let prevStart = prefixHash.count + 64 + prefixPrev.count
        let prev = String(decoding: bytes[prevStart..<(prevStart + 64)], as: UTF8.self)
        guard isHex64(hash), isHex64(prev) else { return .failure(.malformed("hash or prev is not 64 hex digits")) }
        let body = bytes[headerLength..<(bytes.count - 1)]
        guard chainHash(prev: prev, body: body) == hash else { return .failure(.hashMismatch) }
        // handled: a body that is not a JSON object is `.malformed`
        guard let entry = try? JSONParser.parse(Array(body)).objectValue,
            let seq = entry["seq"]?.numberValue, seq >= 1, seq == seq.rounded(), seq < 1e15
        else { return .failure(.malformed("entry is not an object with a seq")) }
        return .success(AuditEntry(seq: UInt64(seq), prev: prev, hash: hash, entry: entry))
    }

    static func isHex64(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Why an audit line failed verification.
public enum AuditFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case hashMismatch
    case brokenChain(expectedPrev: String)
    case sequenceGap(expected: UInt64, found: UInt64)
    case headMismatch(String)

    public var description: String {
        switch self {
        case .malformed(let why): return "malformed line: \(why)"
        case .hashMismatch: return "the line's hash does not match its content (edited)"
        case .brokenChain(let expected): return "prev does not match the previous line's hash \(expected.prefix(12))… (a line was removed or reordered)"
        case .sequenceGap(let expected, let found): return "seq \(found) where \(expected) was expected (a line was removed)"
        case .headMismatch(let why): return "the recorded head does not match the log: \(why) (the end of the log was cut or replaced)"
        }
    }
}
