#if canImport(Glibc)
import Glibc
#endif

/// The report rows `scripts/bench` assembles into docs/benchmarks.md: when the environment
/// variable `BENCH_ROWS` names a file, every ``BenchRows/add`` appends one tab-separated line
/// `figure, runs, median, p99, target, met` to it (the values already formatted with units).
/// Without the variable nothing is written; the Markdown on stdout is the same either way.
/// Shared by the benchmark executables (`agent-bench`, `vplc-bench`).
public enum BenchRows {
    public static func add(_ figure: String, runs: Int, median: String, p99: String, target: String = "–", met: String = "–") {
        guard let path = getenv("BENCH_ROWS").map({ String(cString: $0) }), !path.isEmpty else { return }
        let fields = [figure, "\(runs)", median, p99, target, met].map { $0.replacingTabs() }
        let line = Array((fields.joined(separator: "\t") + "\n").utf8)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}

extension String {
    fileprivate func replacingTabs() -> String { String(map { $0 == "\t" || $0 == "\n" ? " " : $0 }) }
}
