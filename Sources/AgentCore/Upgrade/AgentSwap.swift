import AgentClock
import AgentJSON

/// The upgrade helper's work (`orchestrator-agent upgrade-helper`, docs/upgrade.md): replace the
/// agent's container by one on the new image and keep it only if the new agent, within the
/// deadline, writes a `health.json` of its own (a `started_at` other than the old agent's) that
/// says connected and self-check ok; else put the previous agent back. Then, if asked, the
/// netmon sidecar's container is swapped the same way (its gate: still running after a few
/// seconds). vPLC containers are never named, so never touched.
///
/// Engine calls go through `docker` (the container driver's methods), health through `health`,
/// so the logic runs against a fake in unit tests.
public struct AgentSwap: Sendable {
    /// One container driver call: method and parameters → answer.
    public typealias Docker = @Sendable (_ method: String, _ params: JSONObject) async throws(ProtocolCallError) -> JSONValue

    /// What to do.
    public struct Plan: Sendable {
        /// The agent's container (name or id).
        public var target: String
        /// The new image.
        public var image: String
        /// How long the new agent gets, from its start, to be connected and healthy.
        public var deadlineSeconds: Double
        /// The state folder (as this process sees it; the same mount as the agent's).
        public var stateDirectory: String
        /// The journal id of the upgrade in the old agent (carried into `last.json`).
        public var operationID: String?
        /// The wait before the old agent is stopped (it acks, journals and reports first).
        public var graceSeconds: Double = 3
        /// The netmon sidecar to move too: its container and new image.
        public var netmonContainer: String? = nil
        public var netmonImage: String? = nil
        /// How long a new netmon must stay running to be kept.
        public var netmonSettleSeconds: Double = 5
        /// Health file polling period.
        public var pollSeconds: Double = 0.5
        /// The agent's site config, read-write, when it is mounted from the host: its plugin
        /// pins move to `imagePins` (the new image's) for the new agent, and back on a rollback.
        public var siteConfigPath: String? = nil
        /// This (the new) image's `pins.json`.
        public var imagePins = "/usr/lib/orchestrator-agent/pins.json"

        public init(target: String, image: String, deadlineSeconds: Double, stateDirectory: String, operationID: String?) {
            self.target = target
            self.image = image
            self.deadlineSeconds = deadlineSeconds
            self.stateDirectory = stateDirectory
            self.operationID = operationID
        }
    }

    let plan: Plan
    let docker: Docker
    let health: @Sendable () -> HealthReport?
    let log: @Sendable (String) -> Void
    let clock: any AgentClock

    /// - Parameters:
    ///   - health: reads the agent's current health report (`<state_dir>/health.json`).
    ///   - log: progress lines.
    ///   - clock: times the grace pause, the gate's deadline and polls, and the result's `seconds`.
    public init(
        plan: Plan, docker: @escaping Docker, health: @escaping @Sendable () -> HealthReport?,
        log: @escaping @Sendable (String) -> Void, clock: any AgentClock = SystemClock()
    ) {
        self.plan = plan
        self.docker = docker
        self.health = health
        self.log = log
        self.clock = clock
    }

    /// Runs the upgrade to its verdict (never throws: every failure is a result).
    public func run() async -> UpgradeResult {
        let began = clock.now
        let startedAt = Dispatcher.isoNow()
        if plan.graceSeconds > 0 { try? await clock.sleep(for: .milliseconds(Int(plan.graceSeconds * 1000))) }  // harmless: never cancelled; a pause
        let baseline = health()?.startedAt
        var pins: SiteConfigPins.Change? = nil
        if let site = plan.siteConfigPath {
            do { pins = try SiteConfigPins.apply(sitePath: site, pinsPath: plan.imagePins) } catch {
                return UpgradeResult(
                    outcome: .failed, operationID: plan.operationID, from: "", to: plan.image, seconds: 0, code: error.code,
                    reason: error.message, startedAt: startedAt, finishedAt: Dispatcher.isoNow())
            }
            if let pins { log("site config: the new image's pins for \(pins.changed.joined(separator: ", "))") }
        }
        var swap = ContainerSwap(docker: docker, log: log)
        let restore = pins
        swap.beforeRestart = { restore?.restore() }
        let outcome = await swap.run(target: plan.target, image: plan.image) { newID in
            await self.agentGate(newID, baseline: baseline)
        }
        if outcome.result == .succeeded { pins?.keep() } else { pins?.restore() }
        var netmon: String? = nil
        if outcome.result == .succeeded, let container = plan.netmonContainer, let image = plan.netmonImage {
            netmon = await moveNetmon(container, image, swap: ContainerSwap(docker: docker, log: log))
        }
        let elapsed = clock.now - began
        return UpgradeResult(
            outcome: outcome.result, operationID: plan.operationID, from: outcome.from, to: plan.image,
            seconds: elapsed.seconds,
            code: outcome.failure?.code, reason: outcome.failure?.message, startedAt: startedAt,
            finishedAt: Dispatcher.isoNow(), netmon: netmon)
    }

    /// The agent's gate: a health report from a new process (other `started_at` than the one
    /// before the switch) with `connected` and self-check ok, within the deadline. Fails early
    /// when the new agent reports a failed self-check or its container stops.
    func agentGate(_ newID: String, baseline: String?) async -> ContainerSwap.Failure? {
        let deadline = clock.now + .milliseconds(Int(plan.deadlineSeconds * 1000))
        var polls = 0
        while clock.now < deadline {
            if let h = health(), h.startedAt != baseline {
                if h.isHealthy {
                    log("the new agent (version \(h.version)) is connected and healthy")
                    return nil
                }
                if h.selfCheck == .failed {
                    return .init("self_check_failed", "the new agent failed its self-check: \(h.failures.joined(separator: "; "))")
                }
            }
            polls += 1
            // harmless: an inspect that fails is asked again at the next poll; the deadline bounds the gate
            if polls % 4 == 0, let c = try? await docker("container.inspect", ["id": .string(newID)]).objectValue,
                let state = c["state"]?.objectValue, state["running"]?.boolValue != true
            {
                let code = state["exit_code"]?.numberValue.map { String(Int($0)) } ?? "?"
                return .init("new_agent_exited", "the new agent's container stopped (exit code \(code))")
            }
            do { try await clock.sleep(for: .milliseconds(Int(plan.pollSeconds * 1000))) } catch {
                return .init("cancelled", "the upgrade was cancelled while waiting for the new agent")
            }
        }
        return .init(
            "health_deadline",
            "the new agent was not connected and healthy within \(Int(plan.deadlineSeconds)) s"
                + (health().map { " (last report: connected \($0.connected), self_check \($0.selfCheck.rawValue))" } ?? ""))
    }

    /// Moves the netmon sidecar; its verdict as one line for `last.json`.
    func moveNetmon(_ container: String, _ image: String, swap: ContainerSwap) async -> String {
        let settle = plan.netmonSettleSeconds
        let docker = self.docker, clock = self.clock
        let outcome = await swap.run(target: container, image: image) { newID in
            try? await clock.sleep(for: .milliseconds(Int(settle * 1000)))  // harmless: never cancelled; a settle pause
            let running: Bool
            do throws(ProtocolCallError) {
                running = try await docker("container.inspect", ["id": .string(newID)]).objectValue?["state"]?.objectValue?["running"]?.boolValue == true
            } catch {
                return ContainerSwap.Failure("netmon_inspect_failed", "the new netmon could not be inspected: \(error.message)")
            }
            return running ? nil : ContainerSwap.Failure("netmon_exited", "the new netmon stopped within \(Int(settle)) s")
        }
        switch outcome.result {
        case .succeeded: return "succeeded"
        case .rolledBack: return "rolled_back: \(outcome.failure?.message ?? "")"
        case .failed where outcome.failure?.code == "target_not_found": return "skipped: no container \(container)"
        case .failed: return "failed: \(outcome.failure.map { "\($0.code): \($0.message)" } ?? "")"
        }
    }
}
