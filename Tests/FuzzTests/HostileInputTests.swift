import AgentJSON
import NetmonCore
import SocketIOCore
import LabSupport
import Testing

/// Inputs a hostile peer would send on purpose: nesting far past the limit (a recursive parser
/// without a bound overflows its stack on 100 000 `[`) and documents over the size limit. Each is
/// refused with its typed error, not with a crash.
@Suite("Fuzz: hostile nesting and size", .labThreads)
struct HostileInputTests {
    static func nested(_ open: String, _ close: String, depth: Int) -> [UInt8] {
        Array((String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)).utf8)
    }

    @Test(arguments: [("[", "]"), ("{\"a\":", "}")])
    func hundredThousandLevelsAreTooDeep(open: String, close: String) {
        let input = Self.nested(open, close, depth: 100_000)
        #expect(throws: JSONError.self) { try JSONParser.parse(input) }
        do { _ = try JSONParser.parse(input) } catch {
            #expect(error.code == .tooDeep)
            #expect(error.offset <= open.utf8.count * 65, "stopped at \(error.offset), past the limit")
        }
    }

    @Test func theDepthLimitIsExact() throws {
        _ = try JSONParser.parse(Self.nested("[", "]", depth: JSONParser.defaultMaxDepth))
        #expect(throws: JSONError.self) { try JSONParser.parse(Self.nested("[", "]", depth: JSONParser.defaultMaxDepth + 1)) }
    }

    @Test func overSixteenMebibytesIsTooLargeBeforeParsing() {
        // Valid JSON of exactly 16 MiB parses; one byte more is refused by size, offset 0 (nothing was parsed).
        var input = [UInt8](repeating: UInt8(ascii: " "), count: JSONParser.defaultMaxBytes)
        input[0] = UInt8(ascii: "0")
        #expect((try? JSONParser.parse(input)) == .number(0))
        input.append(UInt8(ascii: " "))
        do {
            _ = try JSONParser.parse(input)
            Issue.record("a document over 16 MiB was accepted")
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.offset == 0)
        }
    }

    @Test func socketIOAndNetmonRefuseDeepNestingWithTheirOwnCodes() {
        let deep = String(decoding: Self.nested("[", "]", depth: 100_000), as: UTF8.self)
        #expect(throws: FramingError.self) { try SocketIOPacket.parse("2" + deep) }
        do { _ = try SocketIOPacket.parse("2" + deep) } catch { #expect(error.code == .badPayload) }
        guard case .failure(let rejected) = CommandParser.parse(Array(("{\"command\":" + deep + "}").utf8)) else {
            Issue.record("the netmon command parser accepted 100 000 levels")
            return
        }
        #expect(rejected.error.code == .invalidJSON)
    }
}
