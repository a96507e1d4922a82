import AgentCore
import AgentJSON
import ArgumentParser
import FoundationEssentials
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `orchestrator-agent upgrade-helper`: what the one-shot upgrader runs (for a containerised
/// agent the `orchestrator_upgrader` container, started by `upgrade_orchestrator` from the NEW
/// image; docs/upgrade.md). It loads the plugin that implements `agent.upgrader` (by default the
/// Docker driver) the normal way (pinned, into a throwaway agent with a temporary state folder),
/// swaps the agent through it (``AgentSwap``: the health gate and the site-config pins are the
/// core's), writes the verdict to `<state_dir>/upgrade/last.json` and prints it. Exit status:
/// 0 succeeded, 3 rolled back, 1 failed.
struct UpgradeHelper: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade-helper",
        abstract: "Replace the agent's container by one on a new image, keeping it only if it passes its health gate.")

    @Option(help: "The agent's deployment as the upgrader names it (for Docker: its container, name or id).")
    var target: String

    @Option(help: "The new agent image.")
    var image: String

    @Option(help: "Seconds the new agent gets to be connected and healthy (10...600).")
    var deadline: Int = 120

    @Option(name: .customLong("state-dir"), help: "The agent's state folder (health.json, upgrade/last.json).")
    var stateDir: String

    @Option(name: .customLong("operation-id"), help: "The upgrade's journal id in the old agent.")
    var operationID: String?

    @Option(name: .customLong("agent-config"), help: "The agent's site config (for the upgrader plugin's settings).")
    var agentConfig: String?

    @Option(name: .customLong("image-pins"), help: "This image's plugin pins (a plugins.load array; the upgrader plugin's file and pin).")
    var imagePins: String = "/usr/lib/orchestrator-agent/pins.json"

    @Option(name: .customLong("upgrader-plugin"), help: "The id of the plugin that implements agent.upgrader.")
    var upgraderPlugin: String = "io.autonomy.docker"

    @Option(name: .customLong("site-config"), help: "The agent's site config, read-write: its plugin pins move to this image's (and back on a rollback).")
    var siteConfig: String?

    @Option(name: .customLong("netmon-image"), help: "Move the netmon sidecar to this image too.")
    var netmonImage: String?

    @Option(name: .customLong("netmon-container"), help: "The netmon sidecar as the upgrader names it (for Docker: its container).")
    var netmonContainer: String?

    @Option(help: "Seconds to wait before stopping the old agent.")
    var grace: Double = 3

    @Option(name: .shortAndLong, help: "Log level.")
    var logLevel: String = "info"

    func validate() throws {
        guard (10...600).contains(deadline) else { throw ValidationError("--deadline must be 10...600 seconds") }
        guard (0...60).contains(grace) else { throw ValidationError("--grace must be 0...60 seconds") }
    }

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level '\(logLevel)'") }
        var logger = Logger(label: "upgrade-helper") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        let result: UpgradeResult
        do {
            result = try await swap(logger: logger)
        } catch {
            // Nothing was touched: the upgrader could not be loaded.
            let now = Date().formatted(.iso8601)
            result = UpgradeResult(
                outcome: .failed, operationID: operationID, from: "", to: image, seconds: 0, code: error.code,
                reason: error.message, startedAt: now, finishedAt: now)
        }
        do { try result.write(stateDirectory: stateDir) } catch {
            logger.error("could not write the result: \(error)")
        }
        print(JSONWriter.string(result.json))
        switch result.outcome {
        case .succeeded: return
        case .rolledBack: throw ExitCode(3)
        case .failed: throw ExitCode(1)
        }
    }

    /// Loads the upgrader plugin and runs the swap.
    private func swap(logger: Logger) async throws(ProtocolCallError) -> UpgradeResult {
        let entry = try UpgraderPluginEntry.resolve(pluginID: upgraderPlugin, agentConfig: agentConfig, imagePins: imagePins)
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("upgrade-helper-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: temp) }  // harmless: a scratch folder under the temporary directory
        let agent: Agent
        do {
            let site = try SiteConfig.parse(["state_dir": .string(temp), "plugins": ["load": [entry]]], baseDirectory: "/")
            agent = try Agent(config: ConfigSource(site), logger: logger, mode: .oneShot)
        } catch {
            throw ProtocolCallError("driver_unavailable", "cannot load the upgrader plugin \(upgraderPlugin): \(error)")
        }
        guard agent.plugins.allSatisfy({ $0.state == .loaded }),
            agent.services.registry.lookup(UpgraderClient.protocolID, name: upgraderPlugin) != nil
        else {
            await agent.shutdown()
            throw ProtocolCallError(
                "driver_unavailable",
                "\(upgraderPlugin) did not load as an agent.upgrader: \(agent.plugins.map { "\($0.id): \($0.state)" })")
        }
        let calls = ProtocolCalls(registry: agent.services.registry)
        var plan = AgentSwap.Plan(
            target: target, image: image, deadlineSeconds: Double(deadline), stateDirectory: stateDir, operationID: operationID)
        plan.graceSeconds = grace
        plan.netmonImage = netmonImage
        plan.netmonContainer = netmonContainer
        plan.siteConfigPath = siteConfig
        plan.imagePins = imagePins
        let dir = stateDir
        let log = logger
        let pluginID = upgraderPlugin
        let upgrader = UpgraderClient { method, params throws(ProtocolCallError) in
            // A begin waits for the old agent's stop (its grace) and a create: more than one call's worth.
            try await calls.upgrader(method, params, name: pluginID, timeout: .seconds(300))
        }
        let swap = AgentSwap(
            plan: plan, upgrader: upgrader, health: { HealthReport.read(stateDirectory: dir) }, log: { log.notice("\($0)") })
        let result = await swap.run()
        await agent.shutdown()
        return result
    }
}

/// The upgrader plugin's entry for the helper: the file and its pin from this (the new) image's
/// `pins.json` (a site config's mounted over the image's own `site.json` pins the OLD image's
/// files), the settings (for Docker: `socket`, …) from the agent's site config.
enum UpgraderPluginEntry {
    /// A file that is absent gives nothing; one that is present but unreadable is an error
    /// (`driver_unavailable`), never silently skipped: the plugin would load with the wrong pin
    /// or without its settings (`socket`).
    static func resolve(pluginID: String, agentConfig: String?, imagePins: String) throws(ProtocolCallError) -> JSONValue {
        var mine: JSONObject? = nil
        if let data = FileManager.default.contents(atPath: imagePins) {
            // handled: a pins file that is not a JSON array throws just below
            guard let list = (try? JSONParser.parse(Array(data)))?.arrayValue else {
                throw ProtocolCallError("driver_unavailable", "\(imagePins) is not a JSON array of plugin pins")
            }
            mine = list.compactMap(\.objectValue).first { $0["id"]?.stringValue == pluginID }
        }
        var agents: JSONObject? = nil
        if let agentConfig, FileManager.default.fileExists(atPath: agentConfig) {
            let site: SiteConfig
            do { site = try SiteConfig.load(path: agentConfig) } catch {
                throw ProtocolCallError("driver_unavailable", "the agent's site config cannot be loaded: \(error.message)")
            }
            if let e = site.plugins.first(where: { $0.id == pluginID }) {
                agents = ["id": .string(e.id), "path": .string(e.path), "sha256": .string(e.sha256), "config": .object(e.config)]
            }
        }
        guard var out = mine ?? agents else {
            throw ProtocolCallError("driver_unavailable", "neither \(imagePins) nor the agent's config lists \(pluginID)")
        }
        if let config = agents?["config"] { out["config"] = config }
        return .object(out)
    }
}
