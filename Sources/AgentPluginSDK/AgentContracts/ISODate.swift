/// Recognises ISO-8601 date and date-time strings, as the upstream `DateType` does
/// (Python 3.11 `datetime.fromisoformat` after replacing a trailing `Z` with `+00:00`).
///
/// Contract: accepts `date [sep time [offset]]` where
/// - `date` is `YYYY-MM-DD` or `YYYYMMDD` (year 0001–9999, month 1–12, day valid for the month,
///   29 February only in leap years);
/// - `sep` is `T` or a space;
/// - `time` is `HH`, `HH:MM`, `HH:MM:SS` or the basic forms `HHMM`, `HHMMSS` (hour 0–23, minute and
///   second 0–59), seconds optionally followed by `.` or `,` and one or more digits;
/// - `offset` is `Z`, or `+`/`-` followed by `HH`, `HH:MM`, `HHMM`, `HH:MM:SS[.f…]` (each part in range).
///
/// Rejected (stricter than Python, on purpose): ISO week dates, separators other than `T`/space,
/// offsets on a bare date, surrounding whitespace, non-ASCII digits. Pure byte scanning, no Foundation.
public enum ISODate {
    /// True when `text` is an acceptable ISO-8601 date or date-time (see the type's contract).
    public static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var scanner = Scanner(bytes: bytes)
            return scanner.scanAll()
        }
    }
}

private struct Scanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { pos == bytes.count }

    mutating func scanAll() -> Bool {
        guard scanDate() else { return false }
        if atEnd { return true }
        guard consume(UInt8(ascii: "T")) || consume(UInt8(ascii: " ")) else { return false }
        guard scanTime(maxHour: 23) else { return false }
        if atEnd { return true }
        if consume(UInt8(ascii: "Z")) { return atEnd }
        guard consume(UInt8(ascii: "+")) || consume(UInt8(ascii: "-")) else { return false }
        return scanTime(maxHour: 23) && atEnd
    }

    mutating func scanDate() -> Bool {
        guard let year = digits(4), year >= 1 else { return false }
        let extended = consume(UInt8(ascii: "-"))
        guard let month = digits(2), (1...12).contains(month) else { return false }
        if extended { guard consume(UInt8(ascii: "-")) else { return false } }
        guard let day = digits(2), day >= 1, day <= daysIn(month: month, year: year) else { return false }
        return true
    }

    /// `HH[[:]MM[[:]SS[(.|,)digits]]]`; used for both the time of day and the offset.
    mutating func scanTime(maxHour: Int) -> Bool {
        guard let hour = digits(2), hour <= maxHour else { return false }
        for _ in 0..<2 {  // minutes, then seconds
            let colon = consume(UInt8(ascii: ":"))
            guard let value = digits(2) else { return !colon }
            guard value <= 59 else { return false }
        }
        if consume(UInt8(ascii: ".")) || consume(UInt8(ascii: ",")) {
            var count = 0
            while !atEnd, isDigit(bytes[pos]) { pos += 1; count += 1 }
            return count > 0
        }
        return true
    }

    /// Reads exactly `n` ASCII digits, or returns nil without moving.
    mutating func digits(_ n: Int) -> Int? {
        guard bytes.count - pos >= n else { return nil }
        var value = 0
        for i in pos..<(pos + n) {
            let c = bytes[i]
            guard isDigit(c) else { return nil }
            value = value * 10 + Int(c &- 0x30)
        }
        pos += n
        return value
    }

    mutating func consume(_ c: UInt8) -> Bool {
        guard !atEnd, bytes[pos] == c else { return false }
        pos += 1
        return true
    }

    func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
