import AgentContracts
import Foundation
import Testing

/// `DecimalText.fixed` writes what Foundation's `String(format: "%.Nf")` wrote, byte for byte (the
/// heartbeat's one-decimal rounding goes through it).
@Suite struct DecimalTextTests {
    @Test func knownValues() {
        #expect(DecimalText.fixed(2.25, digits: 1) == "2.2")  // exact tie: to even
        #expect(DecimalText.fixed(2.35, digits: 1) == "2.4")  // 2.35000000000000008…
        #expect(DecimalText.fixed(5, digits: 2) == "5.00")
        #expect(DecimalText.fixed(0.125, digits: 2) == "0.12")
        #expect(DecimalText.fixed(-0.04, digits: 1) == "-0.0")
        #expect(DecimalText.fixed(1234.5, digits: 0) == "1234")
        #expect(DecimalText.fixed(.nan, digits: 1) == "nan")
        #expect(DecimalText.fixed(-.infinity, digits: 1) == "-inf")
        #expect(DecimalText.fixed(1e300, digits: 17).count == 301 + 1 + 17)
        #expect(DecimalText.fixed(1.5, digits: -3) == "2")
    }

    @Test func sameTextAsFoundationsFormat() {
        var values: [Double] = [0, -0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 1e-7, 123_456.789, 9.999_999, .greatestFiniteMagnitude]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let scale = [1.0, 10, 1000, 1e6, 0.01][Int(state >> 61) % 5]
            values.append(Double(state >> 11) / Double(1 << 53) * scale * ((state & 1) == 0 ? 1 : -1))
        }
        for value in values {
            for digits in [0, 1, 2, 3] {
                #expect(DecimalText.fixed(value, digits: digits) == String(format: "%.\(digits)f", value), "\(value) \(digits)")
            }
        }
    }
}
