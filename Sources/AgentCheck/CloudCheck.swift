import AgentCore
import AgentJSON
import AgentContracts
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// Item 3: the cloud is reachable with mTLS — proven by the real transport plugin.
///
/// Only the transport's `plugins.load` entry is loaded, into a temporary ``Agent`` built from an
/// in-memory config whose `state_dir` is a fresh temporary folder (so the probe never takes the
/// running daemon's store lock). It is started with ``TransportControl``; `connected` within
/// `--cloud-timeout` means TLS was accepted both ways and the Socket.IO connect was acknowledged.
enum CloudCheck {
    static func run(config: SiteConfig, cloud: CloudFiles?, options: CheckOptions) async -> CheckResult {
        guard let entry = SitePlugins.transport(in: config) else {
            return .skip(
                .cloud, "no transport plugin in plugins.load (or it is denied): this site has no cloud link",
                fix: "to reach the cloud, add \(SitePlugins.transportID) with its sha256 to plugins.load")
        }
        guard let cloud else {
            return .fail(
                .cloud, "the site config has no cloud section for \(entry.id)",
                fix: "add \"cloud\": {\"host\", \"port\", \"cert_dir\", \"ca_bundle\"} (docs/cloud-protocol.md)")
        }
        let tmp = temporaryDirectory
        let template = tmp + "orchestrator-agent-check-XXXXXX"
        var buffer = Array(template.utf8CString)
        guard let made = mkdtemp(&buffer) else {
            return .fail(.cloud, "cannot make a temporary folder for the probe", fix: "free space in \(tmp)")
        }
        let stateDir = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: stateDir) }  // harmless: a scratch folder from mkdtemp

        var probe = config
        probe.stateDirectory = stateDir
        probe.raw["state_dir"] = .string(stateDir)
        probe.plugins = [entry]
        probe.deny = []
        let log = ProbeLog(verbose: options.verbose)
        let agent: Agent
        do throws(AgentCoreError) {
            agent = try Agent(config: ConfigSource(probe), logger: log.logger())
        } catch {
            return .fail(.cloud, "cannot build the probe agent: \(error.message)", fix: "free space in \(tmp)")
        }
        let outcome = await probeLink(agent, log: log, timeout: options.cloudTimeout)
        await agent.shutdown()

        let url = "wss://\(cloud.host):\(cloud.port)"
        switch outcome {
        case .notLoaded(let state):
            return .fail(
                .cloud, "the transport plugin \(entry.id) did not load: \(state)",
                fix: "fix what the plugins item reports for \(entry.id)")
        case .connected(let detail, let seconds):
            let id = detail["agent_id"]?.stringValue.map { " as \($0)" } ?? ""
            return .ok(
                .cloud,
                "connected to \(url)\(id) in \(DecimalText.fixed(seconds, digits: 1)) s (mTLS both ways, Socket.IO connect acknowledged)")
        case .notConnected:
            let reason = log.lastReason
            return .fail(
                .cloud,
                "no connection to \(url) within \(CloudAdvice.formatSeconds(options.cloudTimeout))"
                    + (reason.map { ": \($0)" } ?? " (no error reported)"),
                fix: CloudAdvice.fix(reason: reason, cloud: cloud, timeout: options.cloudTimeout))
        }
    }

    /// `$TMPDIR` (else `/tmp`) with one trailing `/`, as Foundation's `NSTemporaryDirectory()`.
    private static var temporaryDirectory: String {
        let dir = FileManager.default.temporaryDirectory.path
        return dir.hasSuffix("/") ? dir : dir + "/"
    }

    private enum Outcome {
        case notLoaded(String)
        case connected(JSONObject, seconds: Double)
        case notConnected
    }

    private static func probeLink(_ agent: Agent, log: ProbeLog, timeout: Double) async -> Outcome {
        guard let record = agent.plugins.first, record.state == .loaded else {
            return .notLoaded(agent.plugins.first?.state.description ?? "not loaded")
        }
        let waiter = LinkWaiter()
        agent.services.link.observe { kind, detail in
            if kind != "connected", let reason = detail["reason"]?.stringValue {
                // The transport's stable code first (`tls_failed: …`), when it gives one.
                log.note(detail["code"]?.stringValue.map { "\($0): \(reason)" } ?? reason)
            }
            waiter.report(kind: kind, detail: detail)
        }
        let clock = ContinuousClock()
        let started = clock.now
        let transport = TransportControl.start(agent)
        guard transport.pluginID != nil else {
            return .notLoaded("\(record.id) registered no agent.transport, or refused to start")
        }
        let detail = await waiter.wait(seconds: timeout)
        let elapsed = clock.now - started
        await transport.stop(within: 5)
        guard let detail else { return .notConnected }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return .connected(detail, seconds: seconds)
    }
}
