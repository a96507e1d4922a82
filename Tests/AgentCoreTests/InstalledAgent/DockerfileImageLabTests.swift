import AgentJSON
import Foundation
import LabSupport
import Testing

/// The Dockerfile built for real on the lab engine (docs/ci-cd.md, "Images built here"): the base
/// image from debootstrap (`scripts/lab/base-image`), both targets from the test build's layouts
/// (`scripts/lab/build-images`, LAYOUT=prebuilt), then the two images run as the installer runs
/// them: the sidecar privileged on the host network, the agent as its unprivileged user next to
/// it. The agent connects to the lab cloud over mTLS, reads the host's interfaces from the
/// sidecar, and creates a vPLC that a host on the LAN reaches.
@Suite("Dockerfile images on the lab engine", .serialized,
       .requires(DockerLab.isAvailable && FileManager.default.fileExists(atPath: BuildProducts.executable("orchestrator-agent")), "needs the Docker lab and the built agent"),
       .requires(FileManager.default.isExecutableFile(atPath: "/usr/sbin/debootstrap"), "needs debootstrap (scripts/test installs it) for the base image"))
struct DockerfileImageLabTests {
    static let agentTag = "orchestrator-agent:dockerfile"
    static let netmonTag = "autonomy-netmon:dockerfile"
    static let version = "0.0.\(getpid())-img"

    @Test("runtime and netmon targets build from the layouts, run, connect and create a vPLC", .timeLimit(.minutes(15)))
    func imagesBuildAndRunAVPLC() async throws {
        let clock = ContinuousClock()
        let t0 = clock.now
        let site = try await DockerLab.blocking {
            try InstalledAgentSite("img", images: .dockerfile(agentTag: Self.agentTag, netmonTag: Self.netmonTag, version: Self.version))
        }
        defer { site.shutdown() }
        let buildSeconds = (clock.now - t0).components.seconds
        let agent = try #require(site.built["runtime"], "no runtime image: \(site.built)")
        let netmon = try #require(site.built["netmon"], "no netmon image: \(site.built)")

        // The images are the Dockerfile's: its users, entrypoints and version, on the base made here.
        let agentConfig = try #require(try await site.lab.engineAPI("GET", "/images/\(Self.agentTag)/json").json)
        #expect(jsonAt(agentConfig, "Id")?.stringValue == agent.id)
        #expect(jsonAt(agentConfig, "Config", "User")?.stringValue == "agent")
        #expect(jsonAt(agentConfig, "Config", "Entrypoint") == .array(["/usr/bin/orchestrator-agent"]))
        #expect(jsonAt(agentConfig, "Config", "Env")?.arrayValue?.contains(.string("AGENT_VERSION=\(Self.version)")) == true)
        let netmonConfig = try #require(try await site.lab.engineAPI("GET", "/images/\(Self.netmonTag)/json").json)
        #expect(jsonAt(netmonConfig, "Config", "User")?.stringValue == "root")
        #expect(jsonAt(netmonConfig, "Config", "Entrypoint") == .array(["/usr/bin/autonomy-netmon"]))
        let base = try #require(try await site.lab.engineAPI("GET", "/images/debian:bookworm-slim/json").json)
        let baseLayers = jsonAt(base, "RootFS", "Layers")?.arrayValue ?? []
        #expect(baseLayers.count == 1, "the imported base is one layer")
        for image in [agentConfig, netmonConfig] {
            #expect(jsonAt(image, "RootFS", "Layers")?.arrayValue?.first == baseLayers.first, "not built on the debootstrapped base")
        }

        // The sidecar first: it makes its socket in the shared volume.
        try await DockerLab.blocking { try site.startSidecar(Self.netmonTag) }
        let socketUp = await site.eventually(60) {
            (try? site.docker(["exec", InstalledAgentSite.sidecarName, "/usr/bin/busybox", "test", "-S", "/var/orchestrator/netmon.sock"])) != nil
        }
        #expect(socketUp, "the sidecar made no socket:\n\(site.logs(InstalledAgentSite.sidecarName))")

        // The agent, as uid 10001: it connects and reports the version the image was built with.
        try await DockerLab.blocking { try site.startAgent(Self.agentTag) }
        #expect(
            await site.eventually(90) { try await !site.cloud.liveConnections().isEmpty },
            "the agent did not connect:\n\(site.logs(InstalledAgentSite.agentName))")
        #expect(try site.docker(["exec", InstalledAgentSite.agentName, "id", "-u"]) == "10001")
        let v = try await site.call("get_orchestrator_version")
        #expect(v["orchestrator_version"] == .string(Self.version), "\(v)")
        #expect(v["orchestrator_image_id"] == .string(agent.id), "\(v)")

        // The host's interfaces come from the sidecar over the shared socket: the lab host's LAN port.
        var interfaces: JSONObject = [:]
        let seen = await site.eventually(60) {
            interfaces = try await site.call("get_host_interfaces")
            return "\(interfaces)".contains(site.lab.parentInterface)
        }
        #expect(seen, "get_host_interfaces has no \(site.lab.parentInterface): \(interfaces)\n\(site.logs(InstalledAgentSite.agentName))")

        // A vPLC through the cloud, on the plant LAN, reached from a LAN host.
        let device = "img-plc"
        let ip = site.lab.lanAddress(33)
        let create = try await site.call(
            "create_new_runtime",
            [
                "container_name": .string(device),
                "vnic_configs": [
                    [
                        "name": "lan", "parent_interface": .string(site.lab.parentInterface), "network_mode": "static",
                        "ip": .string(ip), "subnet": .string(site.lab.lanSubnet), "gateway": .string(site.lab.lanGateway),
                    ]
                ],
            ])
        let createID = try #require(create["operation_id"]?.stringValue, "\(create)")
        let created = await site.eventually(90) {
            try await site.updates().contains { $0["operation_id"]?.stringValue == createID && $0["status"] == "succeeded" }
        }
        let updates = (try? await site.updates()) ?? []  // harmless: only for the failure message
        #expect(created, "the vPLC was not created: \(updates)\n\(site.logs(InstalledAgentSite.agentName))")
        let plc = try #require(try await site.inspect(device))
        #expect(plc["State"]?.objectValue?["Running"] == true)
        let url = "https://\(ip):8443/api/version"
        let reached = await site.eventually(30) {
            try site.lab.exec(inNamespace: site.lab.lanhostNamespace, ["curl", "-sfk", "-o", "/dev/null", "-m", "2", url]).succeeded
        }
        #expect(reached, "the LAN host does not reach the vPLC at \(url)")
        #expect(try await site.inspect(InstalledAgentSite.sidecarName)?["State"]?.objectValue?["Running"] == true)

        print(
            "dockerfile images: runtime \(agent.size / 1_048_576) MB, netmon \(netmon.size / 1_048_576) MB (debug layouts);"
                + " site with both images built in \(buildSeconds) s, total \((clock.now - t0).components.seconds) s")
    }
}
