import AgentClock
import AgentJSON

/// The upgrade helper's work (`orchestrator-agent upgrade-helper`, docs/upgrade.md): have the
/// deployment's `agent.upgrader` replace the agent by one on the new image, and keep it only if
/// the new agent, within the deadline, writes a `health.json` of its own (a `started_at` other
/// than the old agent's) that says connected and self-check ok; else have the upgrader put the
/// previous agent back, its site config restored first. Then, if asked, the netmon sidecar is
/// swapped the same way (its gate: still running after a few seconds).
///
/// What the core keeps is what every deployment needs: the gate, the site-config pins
/// (``SiteConfigPins``) and the verdict (``UpgradeResult``). How a swap is done (containers,
/// names, restart policies) is the upgrader's: calls go through ``UpgraderClient``, health through
/// `health`, so the logic runs against a fake in unit tests.
public struct AgentSwap: Sendable {
    /// What to do.
    public struct Plan: Sendable {
        /// The agent's deployment as the upgrader names it (for Docker: its container).
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
        /// The old agent's grace to stop before it is killed (`swap.begin`'s `stop_timeout_s`).
        public var stopTimeoutSeconds = 15
        /// The netmon sidecar to move too: its target and new image.
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

    /// Why a swap did not stand: a stable code (the upgrader's, or the gate's) and what happened.
    public struct Failure: Sendable, Equatable {
        public let code: String
        public let message: String
        public init(_ code: String, _ message: String) {
            self.code = code
            self.message = message
        }
    }

    /// Decides whether the started successor is good; nil = passed. Gets the swap's token.
    typealias Gate = @Sendable (_ token: String) async -> Failure?

    /// A swap's end, and the image the target ran before.
    struct Outcome: Sendable {
        var result: UpgradeResult.Outcome
        var from: String
        var failure: Failure?
    }

    let plan: Plan
    let upgrader: UpgraderClient
    let health: @Sendable () -> HealthReport?
    let log: @Sendable (String) -> Void
    let clock: any AgentClock

    /// - Parameters:
    ///   - upgrader: the deployment's `agent.upgrader`.
    ///   - health: reads the agent's current health report (`<state_dir>/health.json`).
    ///   - log: progress lines.
    ///   - clock: times the grace pause, the gate's deadline and polls, and the result's `seconds`.
    public init(
        plan: Plan, upgrader: UpgraderClient, health: @escaping @Sendable () -> HealthReport?,
        log: @escaping @Sendable (String) -> Void, clock: any AgentClock = SystemClock()
    ) {
        self.plan = plan
        self.upgrader = upgrader
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
        let restore = pins
        // The previous agent must find its own pins when it starts again: restored before the rollback.
        let outcome = await swap(plan.target, to: plan.image, beforeRollback: { restore?.restore() }) { token in
            await self.agentGate(token, baseline: baseline)
        }
        if outcome.result == .succeeded { pins?.keep() } else { pins?.restore() }
        var netmon: String? = nil
        if outcome.result == .succeeded, let container = plan.netmonContainer, let image = plan.netmonImage {
            netmon = await moveNetmon(container, image)
        }
        return UpgradeResult(
            outcome: outcome.result, operationID: plan.operationID, from: outcome.from, to: plan.image,
            seconds: (clock.now - began).seconds, code: outcome.failure?.code, reason: outcome.failure?.message,
            startedAt: startedAt, finishedAt: Dispatcher.isoNow(), netmon: netmon)
    }

    /// One swap through the upgrader: prepare → begin → gate → commit, or rollback (after
    /// `beforeRollback`) when begin or the gate fails. A failed prepare changed nothing.
    func swap(_ target: String, to image: String, beforeRollback: @Sendable () -> Void = {}, gate: Gate) async -> Outcome {
        let prepared: UpgraderClient.Prepared
        do { prepared = try await upgrader.prepare(target: target, image: image) } catch {
            return Outcome(result: .failed, from: "", failure: Failure(error.code, error.message))
        }
        let from = prepared.fromImage
        do {
            let newID = try await upgrader.begin(prepared.token, stopTimeoutSeconds: plan.stopTimeoutSeconds)
            log("\(prepared.name) started from \(image) (\(String(newID.prefix(12)))); waiting for its gate")
        } catch {
            return await rollBack(prepared, because: Failure(error.code, error.message), from: from, beforeRollback: beforeRollback)
        }
        if let failure = await gate(prepared.token) {
            return await rollBack(prepared, because: failure, from: from, beforeRollback: beforeRollback)
        }
        do {
            if let warning = try await upgrader.commit(prepared.token) { log("warning: \(warning)") }
        } catch {
            log("warning: the previous \(prepared.name) could not be removed (\(error.code): \(error.message))")
        }
        return Outcome(result: .succeeded, from: from, failure: nil)
    }

    /// Has the upgrader put the previous one back; `failed` with `rollback_failed` when it cannot.
    func rollBack(_ prepared: UpgraderClient.Prepared, because failure: Failure, from: String, beforeRollback: @Sendable () -> Void)
        async -> Outcome
    {
        log("rolling back: \(failure.code): \(failure.message)")
        beforeRollback()
        do {
            let notes = try await upgrader.rollBack(prepared.token)
            if !notes.isEmpty { log("rollback notes: \(notes.joined(separator: "; "))") }
            return Outcome(result: .rolledBack, from: from, failure: failure)
        } catch {
            return Outcome(
                result: .failed, from: from,
                failure: Failure("rollback_failed", "\(failure.code): \(failure.message); rollback: \(error.message)"))
        }
    }
}
