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
    init(cloud: LabCloud, client: String = "client", heartbeatMs: Int = 5000, cloudExtra: JSONObject = [:]) throws {
        lab = try PluginLab()
        certDir = lab.root + "/mtls"
        try FileManager.default.createDirectory(atPath: certDir, withIntermediateDirectories: true)
        try Self.installClientCert(client, into: certDir)
        let transport = try lab.install("agent-transport-mtls")
        let hostTopics = try lab.install("agent-host-topics")
        let greeter = try lab.install("agent-example-swift")
        var cloudConfig: JSONObject = [
            "host": "localhost", "port": .number(Double(cloud.port)), "cert_dir": .string(certDir),
            "ca_bundle": .string(LabPKI.path("ca.pem")),
        ]
        for (k, v) in cloudExtra.entries { cloudConfig[k] = v }
        configPath = try lab.writeConfig(
            [
                try lab.entry(id: "io.autonomy.transport-mtls", path: transport),
                try lab.entry(
                    id: "io.autonomy.host-topics", path: hostTopics,
                    config: ["heartbeat_interval_ms": .number(Double(heartbeatMs))]),
                try lab.entry(id: "com.example.greeter-swift", path: greeter),
            ], extra: ["cloud": .object(cloudConfig)])
        process.executableURL = URL(fileURLWithPath: BuildProducts.executable("orchestrator-agent"))
        process.arguments = ["run", "--config", configPath, "--log-level", "info"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
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

    deinit { stop() }
}
