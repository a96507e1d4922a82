import Foundation

/// Command-line options, parsed by hand (swift-argument-parser is not a dependency here).
struct Options {
    var pluginDir: String?
    var config: String?
    var agentBin: String?
    var iterations = 20_000
    var warmup = 2_000
    /// Iterations for the topics whose handler writes the durable store (fsync per call).
    var ioIterations: Int?
    var loadRuns = 20
    var skipLoad = false
    /// Appends timed for the audit trail's cost per command (0 skips it).
    var auditIterations = 2_000

    static let usage = """
        usage: agent-bench --plugin-dir DIR [--config FILE] [--iterations N] [--warmup W]
                           [--io-iterations M] [--load-runs K] [--agent-bin PATH] [--skip-load]
                           [--audit-iterations A]

          --plugin-dir DIR    folder holding libagent-example-swift.so and libagent-example-c.so
          --config FILE       site config that loads (and pins) both plugins; when omitted,
                              agent-bench pins DIR's plugins with `orchestrator-agent plugins pin`
                              and writes a config (state_dir in a fresh temp dir)
          --iterations N      measured round trips for the no-I/O topic and baseline (20000)
          --warmup W          warm-up calls before each measured loop (2000)
          --io-iterations M   measured round trips for the topics that fsync (min(N, 2000))
          --load-runs K       fresh `orchestrator-agent plugins list --json` processes (20)
          --agent-bin PATH    orchestrator-agent executable (default: next to agent-bench)
          --skip-load         skip the plugin load measurement
          --audit-iterations A  audit trail appends timed, fdatasync each (2000; 0 skips)

        With BENCH_ROWS=FILE in the environment, the report's rows are also appended to FILE as
        tab-separated `figure, runs, median, p99, target, met` lines (scripts/bench reads them).
        """

    static func parse(_ args: [String]) -> Options {
        var o = Options()
        var i = 0
        func value(_ name: String) -> String {
            i += 1
            guard i < args.count else { fail("\(name) needs a value") }
            return args[i]
        }
        func int(_ name: String, min: Int) -> Int {
            let s = value(name)
            guard let n = Int(s), n >= min else { fail("\(name) must be a whole number ≥ \(min), got '\(s)'") }
            return n
        }
        while i < args.count {
            let a = args[i]
            switch a {
            case "--plugin-dir": o.pluginDir = value(a)
            case "--config": o.config = value(a)
            case "--agent-bin": o.agentBin = value(a)
            case "--iterations": o.iterations = int(a, min: 1)
            case "--warmup": o.warmup = int(a, min: 0)
            case "--io-iterations": o.ioIterations = int(a, min: 1)
            case "--load-runs": o.loadRuns = int(a, min: 1)
            case "--skip-load": o.skipLoad = true
            case "--audit-iterations": o.auditIterations = int(a, min: 0)
            case "-h", "--help":
                print(usage)
                exit(0)
            default: fail("unknown argument '\(a)'")
            }
            i += 1
        }
        if o.pluginDir == nil && o.config == nil { fail("--plugin-dir (or --config) is required") }
        return o
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("agent-bench: \(message)\n\n\(Options.usage)\n".utf8))
    exit(2)
}

func die(_ message: String) -> Never {
    FileHandle.standardError.write(Data("agent-bench: \(message)\n".utf8))
    exit(1)
}
