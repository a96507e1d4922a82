import Logging
import AgentCore
import Synchronization

/// The cloud probe's log: keeps the last warning or error (the transport logs why a connection
/// attempt failed, e.g. `connection attempt failed: …handshake…`) and, with `--verbose`, writes
/// every line to stderr. Used through a `Logger` built on ``Handler``; never bootstraps
/// swift-log.
final class ProbeLog: Sendable {
    private let lastProblem = Mutex<String?>(nil)
    let verbose: Bool

    init(verbose: Bool) { self.verbose = verbose }

    /// The last warning or error logged, or reported as a link state's reason.
    var lastReason: String? { lastProblem.withLock { $0 } }

    /// Records a problem seen elsewhere (a link state's `reason`).
    func note(_ reason: String) { lastProblem.withLock { $0 = reason } }

    /// A logger writing into this log.
    func logger() -> Logger {
        var logger = Logger(label: "check.cloud") { _ in Handler(log: self) }
        logger.logLevel = verbose ? .debug : .info
        return logger
    }

    struct Handler: LogHandler {
        let log: ProbeLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let text = "\(event.message)"
            if event.level >= .warning { log.note(text) }
            if log.verbose {
                var meta = metadata
                for (k, v) in event.metadata ?? [:] { meta[k] = v }
                let suffix = meta.isEmpty ? "" : " " + meta.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
                StandardStreams.writeError("[cloud probe] \(event.level): \(text)\(suffix)\n")
            }
        }
    }
}
