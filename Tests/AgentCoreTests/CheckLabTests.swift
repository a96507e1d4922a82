import AgentJSON
import Foundation
import LabSupport
import Testing

/// `orchestrator-agent check` on a healthy site made of real parts: the lab cloud verifying
/// client certificates, the lab's Docker engine, a real netmon sidecar in the lab namespace,
/// and then the daemon itself running on the same config.
@Suite("Check: a healthy lab site", .requires(DockerLab.isAvailable, "needs root and the Docker lab"))
struct CheckLabTests {
    @Test("on a site with the Podman driver the docker item is the Podman lab's service: ok with its version; the Docker lab's socket given to it fails")
    func podmanEngine() async throws {
        let lab = try await DockerLab.sharedAsync(.podman)
        let site = try CheckSite(.init(podmanSocket: lab.socketPath))
        let run = try await site.check()
        #expect(run.has("docker", "ok", "Podman 4."), "\(run)")
        #expect(run.has("docker", "ok", "at \(lab.socketPath) (the podman plugin's socket)"), "\(run)")
        let docker = try await DockerLab.sharedAsync()
        let wrong = try CheckSite(.init(podmanSocket: docker.socketPath))
        let refused = try await wrong.check()
        #expect(refused.has("docker", "fail", "no Podman Engine component"), "\(refused)")
    }

    @Test("every item ok and exit 0; with the daemon running, the store is in use by it and the cloud probe still connects")
    func healthySite() async throws {
        let lab = try await DockerLab.sharedAsync()
        let cloud = try await DockerLab.blocking { try LabCloud(clientCA: "ca.pem") }
        defer { cloud.stop() }
        let sidecar = try await DockerLab.blocking { try SidecarUnderTest(netns: lab.labNamespace) }
        defer { sidecar.stop() }
        #expect(try await waitFor(seconds: 15) { FileManager.default.fileExists(atPath: sidecar.socketPath) })
        let site = try CheckSite(.init(cloudPort: cloud.port, dockerSocket: lab.socketPath, netmonSocket: sidecar.socketPath))

        let run = try await site.check()
        #expect(run.status == 0, "\(run)")
        for result in run.results { #expect(result["status"] == "ok", "\(result)") }
        #expect(run.has("certificates", "ok", "CN 07048933 (the agent id), EKU clientAuth"), "\(run)")
        #expect(run.has("cloud", "ok", "connected to wss://localhost:\(cloud.port) as 07048933"), "\(run)")
        #expect(run.has("docker", "ok", "at \(lab.socketPath) (the docker plugin's socket), Engine API 1."), "\(run)")
        #expect(run.has("netmon", "ok", "the sidecar at \(sidecar.socketPath) answers get_status"), "\(run)")
        #expect(run.of("plugins").count == 4, "\(run)")
        #expect(run.has("store", "ok", "no store yet"), "\(run)")
        #expect(run.has("daemon", "ok", "no daemon health file"), "\(run)")

        // The daemon on the same config: check must not take its store lock, and says who holds it.
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: BuildProducts.executable("orchestrator-agent"))
        daemon.arguments = ["run", "--config", site.configPath]
        let err = Pipe()
        daemon.standardError = err
        daemon.standardOutput = FileHandle.nullDevice
        let log = LogCollector(err.fileHandleForReading)
        try daemon.run()
        defer { terminate(daemon) }
        #expect(try await cloud.waitUntil(seconds: 20) { try await !cloud.liveConnections().isEmpty }, "\(log.contents)")

        let busy = try await site.check()
        #expect(busy.status == 0, "\(busy)")
        #expect(busy.has("store", "ok", "in use by the running agent (pid \(daemon.processIdentifier))"), "\(busy)")
        #expect(busy.has("cloud", "ok", "as 07048933"), "\(busy)")
        #expect(busy.statuses("daemon") == ["ok"], "\(busy)")
        #expect(!log.contents.contains("locked"), "\(log.contents)")
    }

    private func waitFor(seconds: Double, _ condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))  // sleep-audit: poll (the interval of a wait with a deadline)
        }
        return condition()
    }
}
