import SocketIOCore
import Testing
import LabSupport

/// Property-style robustness: arbitrary short strings over the characters that matter to the
/// header grammar either parse or throw a ``FramingError``; nothing traps.
@Suite("Socket.IO parser robustness")
struct SocketIOFuzzTests {
    static let alphabet: [Character] = Array("0123456789[]{}\",:/-ab")
    static let knownCodes: Set<FramingError.Code> = [.empty, .unknownType, .badPayload, .badHeader]

    @Test(arguments: [UInt64(1), 0xDEAD_BEEF, 20_240_601])
    func randomShortStringsParseOrThrow(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        var parsed = 0
        var failed: [FramingError.Code: Int] = [:]
        for _ in 0..<10_000 {
            let length = Int.random(in: 0...12, using: &rng)
            let text = String((0..<length).map { _ in Self.alphabet.randomElement(using: &rng)! })
            do {
                let packet = try SocketIOPacket.parse(text)
                parsed += 1
                // Whatever parsed must survive re-encoding and re-parsing unchanged in meaning.
                let again = try SocketIOPacket.parse(packet.encoded)
                #expect(again.kind == packet.kind, "\(text)")
                #expect(again.namespace == packet.namespace, "\(text)")
                #expect(again.attachments == packet.attachments, "\(text)")
            } catch {
                #expect(Self.knownCodes.contains(error.code), "\(text): \(error)")
                failed[error.code, default: 0] += 1
            }
        }
        #expect(parsed + failed.values.reduce(0, +) == 10_000)
        // The alphabet is rich enough that both outcomes (and every error kind) occur.
        #expect(parsed > 0)
        #expect(failed[.empty, default: 0] > 0)
        #expect(failed[.unknownType, default: 0] > 0)
        #expect(failed[.badHeader, default: 0] > 0)
        #expect(failed[.badPayload, default: 0] > 0)
    }

    @Test func randomFramesThroughEngineIOAndSocketIONeverTrap() {
        var rng = SeededRandom(seed: 7)
        let alphabet: [Character] = Array("0123456789[]{}\",:/-abpe") + ["é", "\u{0}", " "]
        var outcomes = 0
        for _ in 0..<10_000 {
            let length = Int.random(in: 0...14, using: &rng)
            let frame = String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
            do {
                if case .message(let text) = try EngineIOPacket.parse(frame) {
                    _ = try SocketIOPacket.parse(text)
                }
                outcomes += 1
            } catch {
                #expect(Self.knownCodes.contains(error.code), "\(frame): \(error)")
                outcomes += 1
            }
        }
        #expect(outcomes == 10_000)
    }
}
