import AgentJSON
import Logging

/// How one log record is written: always exactly one line, never an ANSI colour code.
///
/// - `plain`: `TIME LEVEL [plugin] message key=value …` — time is ISO-8601 UTC with
///   milliseconds, the level padded to 8 columns, `[plugin]` only for a plugin's records, the
///   remaining metadata sorted by key. Control characters (newline, ESC, …) in the message and
///   in values are escaped (`\n`, `\u001b`), so a record can neither span lines nor colour a
///   terminal; a value with spaces, quotes or `=` is quoted.
/// - `json`: one object per line: `time`, `level`, `label`, `plugin` (when present), `message`,
///   `metadata` (an object, keys sorted; nested swift-log arrays and dictionaries stay JSON).
public enum LogFormat: String, Sendable, Equatable, CaseIterable {
    /// One human-readable line per record.
    case plain
    /// One JSON object per line.
    case json

    /// The bytes of one record, ending in a newline.
    func render(_ record: LogRecord) -> [UInt8] {
        switch self {
        case .plain: Self.plainLine(record)
        case .json: Self.jsonLine(record)
        }
    }

    private static func plainLine(_ r: LogRecord) -> [UInt8] {
        var line = r.time + " " + r.level.rawValue
        line += String(repeating: " ", count: max(1, 9 - r.level.rawValue.count))
        if let plugin = r.plugin { line += "[" + escaped(plugin) + "] " }
        line += escaped(r.message)
        for (key, value) in r.metadata.sorted(by: { $0.key < $1.key }) {
            line += " " + escaped(key) + "=" + escaped(quotedIfNeeded(value.description))
        }
        line += "\n"
        return Array(line.utf8)
    }

    private static func jsonLine(_ r: LogRecord) -> [UInt8] {
        var obj: JSONObject = ["time": .string(r.time), "level": .string(r.level.rawValue), "label": .string(r.label)]
        if let plugin = r.plugin { obj["plugin"] = .string(plugin) }
        obj["message"] = .string(r.message)
        obj["metadata"] = json(.dictionary(r.metadata))
        var out = JSONWriter.bytes(.object(obj))
        out.append(UInt8(ascii: "\n"))
        return out
    }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c): return .string(c.description)
        case .array(let items): return .array(items.map(json))
        case .dictionary(let dict):
            return .object(JSONObject(dict.sorted(by: { $0.key < $1.key }).map { ($0.key, json($0.value)) }))
        }
    }

    /// Escapes C0 and C1 control characters (and DEL): `\n`, `\r`, `\t`, else `\u00XX`.
    static func escaped(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isControl(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x20 || (0x7F...0x9F).contains(c.value)
    }

    private static func quotedIfNeeded(_ s: String) -> String {
        guard s.isEmpty || s.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return s }
        var out = "\""
        for c in s {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }
}

/// One log record as a ``LogFormat`` renders it.
struct LogRecord {
    var time: String
    var level: Logger.Level
    var label: String
    /// The `plugin` metadata value (taken out of ``metadata``).
    var plugin: String?
    var message: String
    var metadata: Logger.Metadata
}
