/// A short, copyable rendering of a fuzz input for a failure message.
enum Printable {
    static func describe(_ bytes: [UInt8], limit: Int = 300) -> String {
        var out = ""
        for b in bytes.prefix(limit) {
            switch b {
            case 0x20...0x7E where b != UInt8(ascii: "\\"): out.append(Character(Unicode.Scalar(b)))
            default: out += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
        }
        return bytes.count > limit ? out + "… (\(bytes.count) bytes)" : out
    }
}
