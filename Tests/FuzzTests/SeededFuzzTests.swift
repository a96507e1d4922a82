import FuzzTargets
import LabSupport
import Testing

/// The bounded fuzz run of CI (docs/fuzzing.md): for every target, the committed seed corpus and
/// crash regressions replay without a broken invariant, then a fixed-seed mutator derives
/// `iterations` inputs from the corpus and none of them breaks one either (each broken input is
/// printed). A trap in a parser kills this process (the backtrace names the parser line);
/// `scripts/fuzz` finds the same class of bug with coverage guidance and saves the input.
@Suite("Fuzz targets, seeded", .labThreads)
struct SeededFuzzTests {
    static let names = FuzzTargets.all.map(\.name)
    static let iterations = 2_000

    @Test(arguments: names)
    func corpusAndRegressionsReplay(name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        let files = CorpusFiles(target: name)
        #expect(files.seeds.count >= 3, "\(name): the seed corpus is missing or too small")
        var outcomes: [FuzzOutcome] = []
        for (file, bytes) in files.seeds + files.regressions {
            do { outcomes.append(try target.run(bytes)) } catch { Issue.record("\(name)/\(file): \(error)") }
        }
        // The seeds are real, valid inputs: most of them must be accepted.
        #expect(outcomes.filter { $0 == .accepted }.count * 2 >= files.seeds.count, "\(name): \(outcomes)")
    }

    @Test(arguments: names)
    func mutatedInputsKeepTheInvariants(name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        let files = CorpusFiles(target: name)
        var mutator = Mutator(seed: 0xF022 &+ UInt64(name.utf8.count), corpus: files.seeds.map(\.bytes))
        var accepted = 0
        var refusedCodes: [String: Int] = [:]
        var broken: [String] = []
        for i in 0..<Self.iterations {
            let input = mutator.next()
            do {
                switch try target.run(input) {
                case .accepted: accepted += 1
                case .refused(let code): refusedCodes[code, default: 0] += 1
                }
            } catch {
                if broken.count < 5 { broken.append("#\(i) \(error) input: \(Printable.describe(input))") }
            }
        }
        #expect(broken.isEmpty, "\(name): \(broken.joined(separator: "\n"))")
        // Both outcomes occur: the mutator reaches past the first check and also breaks inputs.
        let refused = refusedCodes.values.reduce(0, +)
        #expect(accepted > Self.iterations / 200, "\(name): only \(accepted) accepted (\(refusedCodes))")
        #expect(refused > Self.iterations / 200 || name == "netmon_stream", "\(name): only \(refused) refused")
    }
}
