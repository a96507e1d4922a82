import AgentJSON
import Foundation
import LabSupport
import Testing

/// scripts/lab/agent-image turns the layout into an image on the lab engine (no registry), and
/// the image runs: `--version` reports the AGENT_VERSION it was made with, and every pinned plugin
/// loads inside it.
@Suite(.requires(DockerLab.isAvailable && Packaging.productsBuilt, "needs the Docker lab and the built products"))
struct LabImageTests {
    @Test(.timeLimit(.minutes(10)))
    func labImageRunsTheShippedAgent() async throws {
        let lab = try await DockerLab.sharedAsync()
        let out = try await DockerLab.blocking { try Packaging.agentLayout() }
        let version = "0.0.\(getpid())-ops"
        let tag = "orchestrator-agent:ops-packaging-\(getpid())"
        let stdout = try await DockerLab.blocking {
            try Packaging.run(
                [Packaging.imageScript, "--lab-env", lab.directory + "/lab.env", "--tag", tag, "--layout", out,
                 "--env", "AGENT_VERSION=\(version)"],
                timeout: 300)
        }
        let id = stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(id.hasPrefix("sha256:") && id.count == 71, "last line is not an image id: \(stdout)")
        defer { _ = try? lab.run(["curl", "-sS", "-X", "DELETE", "--unix-socket", lab.socketPath, "http://localhost/v1.41/images/\(tag)?force=1"]) }

        // The image config is the Dockerfile runtime stage's: entrypoint, command, version.
        let inspect = try await lab.engineAPI("GET", "/images/\(tag)/json")
        #expect(inspect.status == 200)
        let config = try #require(inspect.json?.objectValue?["Config"]?.objectValue)
        #expect(config["Entrypoint"] == .array(["/usr/bin/orchestrator-agent"]))
        #expect(config["Cmd"] == .array(["run", "--config", "/etc/orchestrator-agent/site.json"]))
        #expect(config["Env"]?.arrayValue?.contains(.string("AGENT_VERSION=\(version)")) == true)
        #expect(inspect.json?.objectValue?["Id"]?.stringValue == id)

        let docker = ["env", "DOCKER_HOST=\(lab.dockerHost)", "docker", "run", "--rm", "--network", "none", tag]
        let v = try await DockerLab.blocking { try Packaging.run(docker + ["--version"], timeout: 120) }
        #expect(v.trimmingCharacters(in: .whitespacesAndNewlines) == version)

        let list = try await DockerLab.blocking {
            try Packaging.run(docker + ["plugins", "list", "--config", "/etc/orchestrator-agent/site.json", "--json"], timeout: 120)
        }
        let plugins = try #require(try JSONParser.parse(list).arrayValue)
        #expect(plugins.count == Packaging.pluginProducts.count)
        for p in plugins {
            let o = try #require(p.objectValue)
            let want = Packaging.shippedState(o["id"]?.stringValue ?? "?")
            #expect(
                o["state"]?.stringValue == want.state && o["reason"]?.stringValue == want.reason,
                "\(o["id"]?.stringValue ?? "?") in the image: \(o["state"]?.stringValue ?? "?") \(o["reason"]?.stringValue ?? "")")
            #expect(o["path"]?.stringValue?.hasPrefix(Packaging.imagePluginDir + "/") == true)
        }
        // The image holds exactly the MANIFEST's files as shipped (checked inside, with busybox).
        let check = try await DockerLab.blocking {
            try Packaging.run(
                ["env", "DOCKER_HOST=\(lab.dockerHost)", "docker", "run", "--rm", "--network", "none", "--entrypoint", "/bin/sh", tag,
                 "-c", "cd / && sha256sum -c -s \(Packaging.manifestPath) && echo MANIFEST-OK && test ! -e /etc/orchestrator-agent/site.local.json && echo NO-LOCAL"],
                timeout: 120)
        }
        #expect(check.contains("MANIFEST-OK") && check.contains("NO-LOCAL"), "\(check)")
    }
}
