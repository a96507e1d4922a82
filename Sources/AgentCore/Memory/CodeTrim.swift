import AgentClock
import AgentJSON
import CResidentTrim
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Keeps the daemon's resident code to what it runs: the agent and its libraries run code from
/// all over each image while they start (argument parsing, config, plugin loading, the TLS
/// handshake) or serve a burst (creating vPLCs), the kernel maps 64 KiB around every page it
/// faults in, and those pages would stay in the process's resident set although the idle daemon
/// runs little of them. `delay` after start, and every `period` after that, this service drops
/// the page-table entries of every read-only code mapping (``CResidentTrim``: `r-xp` file
/// mappings without private pages); code that runs again faults its page back in from the page
/// cache (a minor fault, no disk I/O). Data is never touched; the heap's free pages go back too
/// (malloc_trim). Each trim is the local event
/// `local.code_trimmed` (the metric `agent_code_trims_total`); the first is logged at notice, the
/// others at debug. docs/architecture.md, "Start-up's code pages go back", tells what it saves.
public struct CodeTrim: Service {
    /// How long after start the first trim comes: past the first connection and the plugins' start.
    public static let defaultDelay: Duration = .seconds(30)
    /// How often after that: what a burst of work ran goes back within a minute.
    public static let defaultPeriod: Duration = .seconds(60)
    /// The local event of each trim.
    public static let event = "local.code_trimmed"

    let delay: Duration
    let period: Duration
    let clock: any AgentClock
    let logger: Logger
    let emit: @Sendable (Outcome) -> Void
    let trim: @Sendable () -> Result<Outcome, AgentCoreError>

    /// - Parameters:
    ///   - emit: told of each trim done (the daemon emits ``event`` with it).
    ///   - trim: what trimming is (``trimNow()``; tests count calls).
    public init(
        delay: Duration = defaultDelay, period: Duration = defaultPeriod, clock: any AgentClock, logger: Logger,
        emit: @escaping @Sendable (Outcome) -> Void = { _ in },
        trim: @escaping @Sendable () -> Result<Outcome, AgentCoreError> = CodeTrim.trimNow
    ) {
        self.delay = delay
        self.period = max(.seconds(1), period)
        self.clock = clock
        self.logger = logger
        self.emit = emit
        self.trim = trim
    }

    /// Trims after `delay`, then every `period`, until cancelled or the group shuts down.
    public func run() async throws {
        var wait = delay
        var first = true
        while true {
            let clock = self.clock, pause = wait
            do { try await cancelWhenGracefulShutdown { try await clock.sleep(for: pause) } } catch { return }
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
            switch trim() {
            case .success(let r):
                emit(r)
                logger.log(
                    level: first ? .notice : .debug, "start-up code pages given back",
                    metadata: ["mappings": "\(r.mappings)", "resident_before_kib": "\(r.residentBytes / 1024)"])
            case .failure(let failure):
                logger.warning("code pages not trimmed, and no more trims: \(failure)")
                return
            }
            first = false
            wait = period
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

        /// The payload of ``CodeTrim/event``.
        public var payload: JSONObject {
            ["mappings": .number(Double(mappings)), "resident_before_bytes": .number(Double(residentBytes))]
        }
    }

    /// Trims now: the code mappings, then the heap's free pages (``CResidentTrim``'s
    /// `resident_trim_heap`, glibc's malloc_trim).
    /// - Returns: the outcome, or `trim_unavailable` when /proc/self/smaps cannot be read.
    public static func trimNow() -> Result<Outcome, AgentCoreError> {
        _ = resident_trim_heap()  // 0 only says there was no free page to give back
        var r = resident_trim_result()
        let rc = resident_trim_code(&r)
        guard rc == 0 else {
            return .failure(AgentCoreError(.trimUnavailable, "cannot read /proc/self/smaps: \(String(cString: strerror(-rc)))"))
        }
        return .success(Outcome(mappings: r.mappings, residentBytes: Int(r.resident_bytes)))
    }
}

extension CodeTrim {
    /// The daemon's trim: on the agent's clock, with its logger, each trim a local event.
    public init(services: AgentServices) {
        let events = services.events
        self.init(clock: services.clock, logger: services.logger) { outcome in
            // harmless: a local event nobody observes (no metrics endpoint) has nowhere to go
            _ = events.emit(topic: Self.event, payload: outcome.payload)
        }
    }
}
