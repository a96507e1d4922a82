#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Numbers as text with a fixed count of fractional digits, exactly as C's `printf("%.Nf")`
/// writes them (what Foundation's `String(format:)` gave, without Foundation).
public enum DecimalText {
    /// `value` with `digits` fractional digits (clamped to 0…17), correctly rounded from the
    /// exact binary value, ties to even: `fixed(2.25, digits: 1) == "2.2"` (2.25 is exact),
    /// `fixed(2.35, digits: 1) == "2.4"` (2.35 is stored as 2.35000000000000008…),
    /// `fixed(5, digits: 2) == "5.00"`. Non-finite values give `nan`, `inf`, `-inf`.
    public static func fixed(_ value: Double, digits: Int) -> String {
        let precision = Int32(min(max(digits, 0), 17))
        // The longest text: "-" + 309 integer digits + "." + 17 digits.
        var buffer = [CChar](repeating: 0, count: 400)
        let count = buffer.withUnsafeMutableBufferPointer { out in
            withVaList([precision, value]) { vsnprintf(out.baseAddress, out.count, "%.*f", $0) }
        }
        guard count > 0 else { return "" }
        return String(decoding: buffer.prefix(min(Int(count), buffer.count - 1)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
