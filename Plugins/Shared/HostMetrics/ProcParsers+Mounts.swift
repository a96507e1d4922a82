extension ProcParsers {
    /// Parses a mount table in /proc/mounts format (`device mountpoint fstype options dump pass`).
    ///
    /// Lines with fewer than three fields are skipped; the octal escapes `\NNN` in the device and
    /// mount point are decoded (an invalid escape is kept literally). Order is preserved.
    public static func mounts(_ text: String) -> [MountEntry] {
        var entries: [MountEntry] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 3 else { continue }
            entries.append(
                MountEntry(
                    device: unescapeMountField(fields[0]),
                    mountPoint: unescapeMountField(fields[1]),
                    fsType: String(fields[2])))
        }
        return entries
    }

    /// Decodes the kernel's `\NNN` (three octal digits, value ≤ 255) escapes of a mount-table field.
    /// Anything else, including a truncated or out-of-range escape, is kept as is; invalid UTF-8 is
    /// repaired with U+FFFD.
    public static func unescapeMountField(_ field: Substring) -> String {
        let bytes = Array(field.utf8)
        guard bytes.contains(UInt8(ascii: "\\")) else { return String(field) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"),
                let value = octalByte(bytes[(index + 1)..<min(index + 4, bytes.count)])
            {
                out.append(value)
                index += 4
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Three octal digits to a byte, or `nil` when not exactly three octal digits or above 255.
    private static func octalByte(_ digits: ArraySlice<UInt8>) -> UInt8? {
        guard digits.count == 3 else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(digit - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }
}
