import FuzzTargets

#if canImport(Glibc)
    import Glibc
#endif

// The libFuzzer driver (docs/fuzzing.md). scripts/fuzz builds this executable with
// `-Xswiftc -Xfrontend -Xswiftc -sanitize=fuzzer` (coverage instrumentation only) and links
// libFuzzer's `fuzzer_no_main` runtime; main stays SwiftPM's, and hands over to libFuzzer
// through `LLVMFuzzerRunDriver`, found at run time so the plain debug build (scripts/test)
// links without libFuzzer. The target comes from FUZZ_TARGET.
//
// Without libFuzzer (a plain build), `FuzzDriver FILE...` replays inputs once each against
// FUZZ_TARGET and exits non-zero on a broken invariant: a quick reproducer.

/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t))`.
typealias RunDriver =
    @convention(c) (
        UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

/// Writes a line to standard error.
func complain(_ text: String) {
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// The target FUZZ_TARGET names (read once).
enum Selected {
    static let name = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? ""
    static let target = FuzzTargets.named(name)
}

guard let target = Selected.target else {
    let names = FuzzTargets.all.map(\.name).joined(separator: ", ")
    complain("FuzzDriver: set FUZZ_TARGET to one of: \(names)")
    exit(2)
}

/// One input: a broken invariant is a crash, so libFuzzer keeps the input.
func runOne(_ bytes: [UInt8]) -> Int32 {
    guard let t = Selected.target else { return 0 }
    do { _ = try t.run(bytes) } catch { fatalError("invariant broken: \(error)") }
    return 0
}

if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "LLVMFuzzerRunDriver") {
    let driver = unsafeBitCast(symbol, to: RunDriver.self)
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(
        driver(&argc, &argv) { data, size in
            runOne(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        })
}

// Replay mode.
var broken = 0
for path in CommandLine.arguments.dropFirst() {
    guard let file = fopen(path, "rb") else {
        complain("FuzzDriver: cannot open \(path)")
        exit(2)
    }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&chunk, 1, chunk.count, file)
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    fclose(file)
    do {
        let outcome = try target.run(bytes)
        print("\(path): \(outcome)")
    } catch {
        print("\(path): BROKEN \(error)")
        broken += 1
    }
}
exit(broken == 0 ? 0 : 1)
