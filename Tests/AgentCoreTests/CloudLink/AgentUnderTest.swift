import AgentCore
import AgentJSON
import Foundation

/// `orchestrator-agent run` as a child process with the first-party transport and host-topics
/// plugins (and the Swift example plugin), pointed at a lab cloud. Stopped by PID.
final class AgentUnderTest: @unchecked Sendable {
    let lab: PluginLab
    let process = Process()
    let log: LogCollector
    let certDir: String
    let configPath: String

    /// - Parameters:
    ///   - client: the PKI client cert name to present (`client`, `client2`, `expired`, …).
    ///   - heartbeatMs: the heartbeat interval.
    ///   - netns: run the agent inside this network namespace (the Docker lab's).
    ///   - extraPlugins: more first-party plugins to load: (product, plugin id, config).
    ///   - greeterConfig: the Swift example plugin's config (e.g. `emit_at_init`).
    ///   - host: `cloud.host` (`localhost`, `127.0.0.1`, `[::1]`, …).
    ///   - caBundle: `cloud.ca_bundle`; nil leaves it out (the system trust store).
    ///   - environment: variables added to the agent's environment (`HTTPS_PROXY`, …). Proxy
    ///     variables of the test process itself are never passed on.
    ///   - systemCertificates: a folder bind-mounted over `/etc/ssl/certs` in a mount namespace of
    ///     the agent's own (a system trust store for this agent only; the host's is untouched).
    init(
        cloud: LabCloud, client: String = "client", heartbeatMs: Int = 5000, cloudExtra: JSONObject = [:],
        netns: String? = nil, extraPlugins: [(product: String, id: String, config: JSONObject)] = [],
        logLevel: String = "info", pluginLogLevels: JSONObject = [:], greeterConfig: JSONObject = [:], host: String = "localhost",
        caBundle: String? = LabPKI.path("ca.pem"), environment: [String: String] = [:], systemCertificates: String? = nil
    ) throws {
        lab = try PluginLab()
        certDir = lab.root + "/mtls"
        try FileManager.default.createDirectory(atPath: certDir, withIntermediateDirectories: true)
        try Self.installClientCert(client, into: certDir)
        let transport = try lab.install("agent-transport-mtls")
        let hostTopics = try lab.install("agent-host-topics")
        let greeter = try lab.install("agent-example-swift")
        var cloudConfig: JSONObject = [
            "host": .string(host), "port": .number(Double(cloud.port)), "cert_dir": .string(certDir),
        ]
        if let caBundle { cloudConfig["ca_bundle"] = .string(caBundle) }
        for (k, v) in cloudExtra.entries { cloudConfig[k] = v }
        var entries = [
            try lab.entry(id: "io.autonomy.transport-mtls", path: transport),
            try lab.entry(
                id: "io.autonomy.host-topics", path: hostTopics,
                config: ["heartbeat_interval_ms": .number(Double(heartbeatMs)), "usage_interval_ms": 500]),
            try lab.entry(id: "com.example.greeter-swift", path: greeter, config: greeterConfig),
        ]
        for extra in extraPlugins {
            entries.append(try lab.entry(id: extra.id, path: try lab.install(extra.product), config: extra.config))
        }
        var extra: JSONObject = ["cloud": .object(cloudConfig)]
        if !pluginLogLevels.entries.isEmpty { extra["logging"] = ["plugins": .object(pluginLogLevels)] }
        configPath = try lab.writeConfig(entries, extra: extra)
        let agentArgs = ["run", "--config", configPath, "--log-level", logLevel]
        var env = ProcessInfo.processInfo.environment.filter { !Self.proxyVariables.contains($0.key) }
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let systemCertificates {
            // unshare execs sh, which execs the agent: the child's PID stays the agent's.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            process.arguments = [
                "--mount", "--propagation", "private", "/bin/sh", "-c",
                "mount --bind \"$0\" /etc/ssl/certs && exec \"$@\"", systemCertificates,
                BuildProducts.executable("orchestrator-agent"),
            ] + agentArgs
        } else if let netns {
            // `ip netns exec` execs the agent: the child's PID is the agent's, so stop() reaches it.
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = ["netns", "exec", netns, BuildProducts.executable("orchestrator-agent")] + agentArgs
        } else {
            process.executableURL = URL(fileURLWithPath: BuildProducts.executable("orchestrator-agent"))
            process.arguments = agentArgs
        }
        let err = Pipe()
        // The daemon logs to standard output (docs/logging-metrics.md); errors before that go to stderr.
        process.standardOutput = err
        process.standardError = err
        log = LogCollector(err.fileHandleForReading)
        try process.run()
    }

    /// The proxy variables the agent honours; the test process's own are not passed on.
    static let proxyVariables: Set<String> = ["HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy"]

    /// Starts the agent again on the same config, plugins and state (after `stop` or `kill9`).
    init(restarting other: AgentUnderTest) throws {
        lab = other.lab
        certDir = other.certDir
        configPath = other.configPath
        process.executableURL = other.process.executableURL
        process.arguments = other.process.arguments
        process.environment = other.process.environment
        let err = Pipe()
        // The daemon logs to standard output (docs/logging-metrics.md); errors before that go to stderr.
        process.standardOutput = err
        process.standardError = err
        log = LogCollector(err.fileHandleForReading)
        try process.run()
    }

    /// Replaces the certificate and key in the agent's cert folder (a renewal on disk).
    func installClientCert(_ name: String) throws { try Self.installClientCert(name, into: certDir) }

    static func installClientCert(_ name: String, into certDir: String) throws {
        for (src, dst) in [("\(name).crt", "client.crt"), ("\(name).key", "client.key")] {
            let target = certDir + "/" + dst
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: LabPKI.path(src), toPath: target)
        }
    }

    func stop() { terminate(process) }

    /// SIGKILLs the agent (a crash, a power cut) and waits for it to be gone.
    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        let deadline = Date().addingTimeInterval(10)
        while !childGone(process), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }  // sleep-audit: poll (the interval of a wait with a deadline)
    }

    deinit {
        stop()
        if ProcessInfo.processInfo.environment["DUMP_AGENT_LOG"] != nil { print("AGENTLOG BEGIN\n" + log.contents + "\nAGENTLOG END") }
    }
}
