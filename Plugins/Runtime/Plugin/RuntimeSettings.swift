import AgentJSON
import AgentPluginKit
import RuntimeModel

/// The vPLC plugin's site settings (`plugins.load[].config` of `io.autonomy.runtime`).
struct RuntimeSettings: Sendable {
    /// Image repository of the OpenPLC runtime; the tag is the request's `runtime_version`.
    var imageRepository = RuntimeSettings.upstreamImageRepository
    /// The repository the Python agent runs vPLCs from (spec §5.1).
    static let upstreamImageRepository = "ghcr.io/autonomy-logic/openplc-runtime"
    /// Scheme of the runtime's REST API for `run_command` when the message gives none: `auto`
    /// (upstream's rule: https on 8443, http on any other port), or one scheme for every port.
    var runtimeScheme = ProxyRequest.SchemeRule.auto
    /// `run_command` timeout when the message gives none.
    var proxyTimeoutMilliseconds = 30_000
    /// Pull policy: `missing` pulls only when the image is not present; `always` pulls first.
    var pullAlways = false
    /// Gratuitous ARP when a vPLC's address appears on a LAN vNIC (`announce_addresses`).
    var announceAddresses = true
    /// The RFC 5227 probe before a static address is claimed (`probe_addresses`).
    var probeAddresses = true
    /// Delay before restarting a vPLC that died (upstream 3 s).
    var restartDelayMilliseconds = 3_000
    /// Period of the health check that restarts vPLCs missed by events (upstream 60 s).
    var healthIntervalMilliseconds = 60_000
    /// Crash-loop guard: at most `crashLoopLimit` restarts within `crashLoopWindowSeconds`.
    var crashLoopLimit = 5
    var crashLoopWindowSeconds = 600.0
    /// Period of the per-vPLC usage sampler (`get_consumption_device`).
    var usageIntervalMilliseconds = 5_000
    /// Docker's IPAM range on a MACVLAN network the agent makes: the top `/N` block of the LAN
    /// subnet (e.g. 28 → .240–.254 of a /24), where DHCP vNICs sit until their lease arrives.
    /// Keep it out of the site's DHCP pool and static hosts. 0 = Docker's whole subnet (upstream).
    var dockerRangePrefix = 28
    /// Where vPLCs' internal bridges get their subnets (`internal_subnet_pool`, CIDR, and
    /// `internal_subnet_prefix`); nil (`""`) leaves it to the engine's address pools, as upstream
    /// (about 30 vPLCs on an engine with Docker's defaults).
    var internalPool: InternalSubnetPool? = .standard
    /// Registry name of the container driver (empty = any).
    var driverName = ""
    /// Self-upgrade (docs/upgrade.md): the agent image to move to when the message names none
    /// (nil: the reference the agent's container runs), the netmon image, the agent's own
    /// container name (used when the container cannot be told from /proc/self/mountinfo), and
    /// the health deadline.
    var agentImage: String? = nil
    var netmonImage: String? = nil
    var agentContainer = Naming.defaultAgentContainer
    var upgradeDeadlineSeconds = UpgradeRequest.defaultDeadline
    /// The Python agent's state folder to take a site over from (docs/installation.md, "Moving
    /// from the Python agent"): read once, never changed; nothing happens when it does not exist.
    /// `legacy_state_dir: ""` turns the takeover off.
    var legacyStateDir: String? = "/var/orchestrator"
    /// Fault injection for tests (`fault_injection: {pause_at_step, pause_ms}`): operations
    /// pause when they reach that step, so a test can kill the agent at a known point.
    var pauseAtStep: String? = nil
    var pauseMilliseconds = 0

    /// Reads the config object.
    /// - Throws: ``PluginError`` `bad_config` naming the key.
    init(config: JSONObject) throws(PluginError) {
        func bad(_ key: String, _ why: String) -> PluginError {
            PluginError(code: "bad_config", message: "\(key): \(why)", field: "config.\(key)")
        }
        func int(_ key: String, _ range: ClosedRange<Int>, _ value: inout Int) throws(PluginError) {
            guard let v = config[key] else { return }
            guard let n = v.numberValue, n == n.rounded(), range.contains(Int(n)) else {
                throw bad(key, "must be an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            value = Int(n)
        }
        if let v = config["image_repository"] {
            guard let s = v.stringValue, !s.isEmpty, !s.contains(" ") else { throw bad("image_repository", "must be an image name") }
            imageRepository = s
        }
        if let v = config["runtime_scheme"] {
            do throws(RuntimeError) {
                runtimeScheme = try ProxyRequest.SchemeRule(siteValue: v)
            } catch {
                throw PluginError(code: error.code, message: error.message, field: error.field)
            }
        }
        for (key, target) in [("announce_addresses", \RuntimeSettings.announceAddresses), ("probe_addresses", \RuntimeSettings.probeAddresses)] {
            guard let v = config[key] else { continue }
            guard let b = v.boolValue else { throw bad(key, "must be true or false") }
            self[keyPath: target] = b
        }
        if let v = config["pull"] {
            guard let s = v.stringValue, ["missing", "always"].contains(s) else { throw bad("pull", "must be \"missing\" or \"always\"") }
            pullAlways = s == "always"
        }
        try int("proxy_timeout_ms", 100...300_000, &proxyTimeoutMilliseconds)
        try int("restart_delay_ms", 0...600_000, &restartDelayMilliseconds)
        try int("health_interval_ms", 100...3_600_000, &healthIntervalMilliseconds)
        try int("crash_loop_limit", 1...1000, &crashLoopLimit)
        var window = Int(crashLoopWindowSeconds)
        try int("crash_loop_window_s", 1...86_400, &window)
        crashLoopWindowSeconds = Double(window)
        try int("usage_interval_ms", 500...3_600_000, &usageIntervalMilliseconds)
        try int("docker_ip_range_prefix", 0...30, &dockerRangePrefix)
        for (key, target) in [("agent_image", \RuntimeSettings.agentImage), ("netmon_image", \RuntimeSettings.netmonImage)] {
            guard let v = config[key] else { continue }
            guard let s = v.stringValue, Naming.isValidImageReference(s) else { throw bad(key, "must be an image reference") }
            self[keyPath: target] = s
        }
        if let v = config["agent_container"] {
            guard let s = v.stringValue, Naming.isValidDeviceID(s) else { throw bad("agent_container", "must be a container name") }
            agentContainer = s
        }
        try int("upgrade_deadline_s", UpgradeRequest.deadlineRange, &upgradeDeadlineSeconds)
        if let v = config["legacy_state_dir"] {
            guard let s = v.stringValue, s.isEmpty || s.hasPrefix("/") else {
                throw bad("legacy_state_dir", "must be an absolute path, or \"\" to turn the takeover off")
            }
            legacyStateDir = s.isEmpty ? nil : s
        }
        if let f = config["fault_injection"]?.objectValue {
            pauseAtStep = f["pause_at_step"]?.stringValue
            pauseMilliseconds = Int(f["pause_ms"]?.numberValue ?? 0)
        }
        try readInternalPool(config, int: int)
        if let v = config["driver"] {
            guard let s = v.stringValue else { throw bad("driver", "must be a plugin id") }
            driverName = s
        }
    }

    var planSettings: ContainerPlan.Settings {
        var s = ContainerPlan.Settings()
        s.imageRepository = imageRepository
        return s
    }

    /// `internal_subnet_pool` (CIDR; `""` = the engine's pools) and `internal_subnet_prefix`.
    private mutating func readInternalPool(
        _ config: JSONObject, int: (String, ClosedRange<Int>, inout Int) throws(PluginError) -> Void
    ) throws(PluginError) {
        let pool = config["internal_subnet_pool"]
        if pool?.stringValue == "" {
            internalPool = nil
            return
        }
        guard pool != nil || config["internal_subnet_prefix"] != nil else { return }
        var range = InternalSubnetPool.standard.range
        if let pool {
            guard let text = pool.stringValue, let r = IPv4Network(cidr: text) else {
                throw PluginError(
                    code: "bad_config", message: "internal_subnet_pool: must be a CIDR such as \"198.18.0.0/16\", or \"\"",
                    field: "config.internal_subnet_pool")
            }
            range = r
        }
        var prefix = InternalSubnetPool.standard.blockPrefix
        try int("internal_subnet_prefix", InternalSubnetPool.blockPrefixes, &prefix)
        do throws(RuntimeError) {
            internalPool = try InternalSubnetPool(range: range, blockPrefix: prefix)
        } catch {
            throw PluginError(code: "bad_config", message: error.message, field: error.field)
        }
    }
}
