import AgentClock
import CResidentTrim
import Logging
import ServiceLifecycle

/// Gives back, once the daemon has settled, the code pages start-up alone needed: the agent and
/// its libraries run code from all over each image while they start (argument parsing, config,
/// plugin loading, the TLS handshake), the kernel maps 64 KiB around every page it faults in, and
/// those pages would stay in the process's resident set although the idle daemon runs little of
/// them. After `delay` on the clock this service drops the page-table entries of every read-only
/// code mapping (``CResidentTrim``: `r-xp` file mappings without private pages); code that runs
/// again faults its page back in from the page cache. Data is never touched. docs/architecture.md,
/// "Memory", tells what it saves.
public struct CodeTrim: Service {
    /// How long after start: long enough for the first connection and the plugins' start.
    public static let defaultDelay: Duration = .seconds(30)

    let delay: Duration
    let clock: any AgentClock
    let logger: Logger
    let trim: @Sendable () -> Result<Outcome, TrimFailure>

    /// - Parameter trim: what trimming is (``trimNow()``; tests count calls).
    public init(
        delay: Duration = defaultDelay, clock: any AgentClock, logger: Logger,
        trim: @escaping @Sendable () -> Result<Outcome, TrimFailure> = CodeTrim.trimNow
    ) {
        self.delay = delay
        self.clock = clock
        self.logger = logger
        self.trim = trim
    }

    /// Waits `delay`, trims once, then returns (a service that has done its work).
    public func run() async throws {
        let clock = self.clock, delay = self.delay
        do { try await cancelWhenGracefulShutdown { try await clock.sleep(for: delay) } } catch { return }
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        let result = trim()
        switch result {
        case .success(let r):
            logger.notice(
                "start-up code pages given back",
                metadata: ["mappings": "\(r.mappings)", "resident_before_kib": "\(r.residentBytes / 1024)"])
        case .failure(let errno):
            logger.warning("could not read /proc/self/smaps to trim code pages (errno \(errno)); nothing trimmed")
        }
    }

    /// What a trim did: the code mappings advised and their resident bytes just before.
    public struct Outcome: Sendable, Equatable {
        /// Code mappings advised.
        public let mappings: Int
        /// Their resident bytes just before: the most the trim can have given back.
        public let residentBytes: Int

        public init(mappings: Int, residentBytes: Int) {
            self.mappings = mappings
            self.residentBytes = residentBytes
        }
    }

    /// Trims now. - Returns: the outcome, or the errno when /proc/self/smaps cannot be read.
    public static func trimNow() -> Result<Outcome, TrimFailure> {
        var r = resident_trim_result()
        let rc = resident_trim_code(&r)
        guard rc == 0 else { return .failure(TrimFailure(errno: -rc)) }
        return .success(Outcome(mappings: r.mappings, residentBytes: Int(r.resident_bytes)))
    }

    /// /proc/self/smaps could not be read.
    public struct TrimFailure: Error, Sendable, CustomStringConvertible {
        /// Why /proc/self/smaps could not be read.
        public let errno: Int32
        public var description: String { "errno \(errno)" }
    }
}
