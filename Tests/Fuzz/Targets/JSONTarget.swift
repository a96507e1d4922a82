import AgentJSON

/// `json`: ``JSONParser`` over raw bytes (default limits: depth 64, 16 MiB).
///
/// Invariants: a refusal carries `invalid_json`, `too_deep` or `too_large` and an offset inside
/// the input; an accepted document re-encodes (``JSONWriter``) to text that parses to an equal
/// value and re-encodes to the same bytes (the writer is deterministic).
enum JSONTarget {
    static let knownCodes: Set<String> = ["invalid_json", "too_deep", "too_large"]

    static let target = FuzzTarget(name: "json", summary: "AgentJSON.JSONParser: parse, re-encode, re-parse") {
        bytes throws(FuzzInvariantViolation) in
        let check = Check(target: "json")
        let value: JSONValue
        do throws(JSONError) { value = try JSONParser.parse(bytes) } catch {
            try check.that(error.offset >= 0 && error.offset <= bytes.count, "offset \(error.offset) outside the input")
            return try check.refused(error.code.rawValue, known: knownCodes, error.description)
        }
        try roundTrip(value, check)
        return .accepted
    }

    /// Writes `value`, parses it back and compares; shared by the targets that re-encode JSON.
    static func roundTrip(_ value: JSONValue, _ check: Check) throws(FuzzInvariantViolation) {
        let text = JSONWriter.bytes(value)
        let again: JSONValue
        do { again = try JSONParser.parse(text) } catch {
            throw FuzzInvariantViolation(check.target, "re-encoded JSON does not parse: \(error)")
        }
        try check.that(again == value, "re-encoded JSON parses to another value")
        try check.that(JSONWriter.bytes(again) == text, "re-encoding is not deterministic")
    }
}
