import AgentJSON
import Foundation
import LabSupport
import Testing

/// scripts/install.sh's Docker part against a lab engine of its own (`DockerLab.dedicated`: the
/// container names are fixed, so no other suite may share it). Two tiny agent images and a netmon
/// image are built there without a registry (a busybox rootfs through `docker import`) and pinned
/// by image id. The lab engine runs with `--bridge=none`: both containers use the host network
/// (the lab namespace), which is what the installer asks for anyway.
@Suite(.requires(DockerLab.isAvailable && Installer.canRun, "needs the Docker lab (root, dockerd) and the installer's tools"))
struct InstallerDockerTests {
    /// Builds REPO:TAG from a busybox rootfs: PID 1 sleeps (and exits at once on TERM); VARIANT
    /// makes images differ; with `pins` it ships /usr/lib/orchestrator-agent/pins.json as the
    /// agent image does. The root folder is 0755: the agent container runs as 10001.
    static let imageScript = #"""
        set -eu
        tag="$1" variant="$2" pins="${3:-}"
        r="$(mktemp -d)"; chmod 755 "$r"
        trap 'rm -rf "$r"' EXIT
        mkdir -p "$r/bin" "$r/tmp" "$r/etc" "$r/usr/lib/orchestrator-agent"
        chmod 1777 "$r/tmp"
        cp /bin/busybox "$r/bin/busybox"
        for a in sh sleep cat id ls; do ln -s busybox "$r/bin/$a"; done
        printf '#!/bin/sh\ntrap "exit 0" TERM INT\nwhile :; do sleep 3600 & wait $!; done\n' >"$r/entry.sh"
        echo "$variant" >"$r/etc/variant"
        if [ -n "$pins" ]; then
            printf '[{"id":"io.autonomy.transport-mtls","path":"/usr/lib/orchestrator-agent/plugins/libagent-transport-mtls.so","sha256":"%064d"}]\n' 1 \
                >"$r/usr/lib/orchestrator-agent/pins.json"
        fi
        tar -C "$r" --numeric-owner --owner=0 --group=0 -cf - . | docker import -c 'ENTRYPOINT ["/bin/sh","/entry.sh"]' - "$tag" >/dev/null
        docker image inspect --format '{{.Id}}' "$tag"
        """#

    static func buildImage(_ lab: DockerLab, _ tag: String, _ variant: String, pins: Bool) throws -> String {
        try Installer.check(["/bin/sh", "-c", imageScript, "sh", tag, variant] + (pins ? ["pins"] : []), env: ["DOCKER_HOST": lab.dockerHost])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Containers (id, name, image, started at, running) and volumes: equal before and after means
    /// the engine was left alone.
    static func engineState(_ lab: DockerLab) async throws -> [String] {
        var out: [String] = []
        let list = try await lab.engineAPI("GET", "/containers/json?all=1")
        for c in list.json?.arrayValue ?? [] {
            let id = jsonAt(c, "Id")?.stringValue ?? ""
            let inspect = try await lab.engineAPI("GET", "/containers/\(id)/json").json
            out.append([id, jsonAt(inspect, "Name")?.stringValue, jsonAt(inspect, "Image")?.stringValue,
                        jsonAt(inspect, "State", "StartedAt")?.stringValue, jsonAt(inspect, "State", "Running").map { "\($0)" }]
                .map { $0 ?? "-" }.joined(separator: " "))
        }
        for v in jsonAt(try await lab.engineAPI("GET", "/volumes").json, "Volumes")?.arrayValue ?? [] {
            out.append("volume " + (jsonAt(v, "Name")?.stringValue ?? ""))
        }
        return out.sorted()
    }

    static func inspect(_ lab: DockerLab, _ name: String) async throws -> JSONValue? {
        let r = try await lab.engineAPI("GET", "/containers/\(name)/json")
        return r.status == 200 ? r.json : nil
    }

    /// "Type Source->Destination RW" of each mount, sorted.
    static func mounts(_ c: JSONValue?) -> [String] {
        (jsonAt(c, "Mounts")?.arrayValue ?? []).map { m in
            let source = jsonAt(m, "Type")?.stringValue == "volume" ? jsonAt(m, "Name")?.stringValue : jsonAt(m, "Source")?.stringValue
            return "\(jsonAt(m, "Type")?.stringValue ?? "") \(source ?? "")->\(jsonAt(m, "Destination")?.stringValue ?? "") "
                + (jsonAt(m, "RW")?.boolValue == true ? "rw" : "ro")
        }.sorted()
    }

    @Test(.timeLimit(.minutes(10)))
    func installsRerunsUpgradesAndUninstallsOnTheLabEngine() async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("inst") }
        defer { lab.down() }
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let (agent1, agent2, netmon) = try await DockerLab.blocking {
            (try Self.buildImage(lab, "lab/agent:v1", "agent-1", pins: true),
             try Self.buildImage(lab, "lab/agent:v2", "agent-2", pins: true),
             try Self.buildImage(lab, "lab/netmon:v1", "netmon-1", pins: false))
        }
        #expect(agent1.hasPrefix("sha256:") && agent1 != agent2)
        let root = Installer.scratch("docker")
        func args(agent: String = agent1, mode: String? = nil) throws -> [String] {
            // The stand-in images hold no agent binary: the built one enrols (--agent-bin).
            ["--api-base", server.apiBase(mode: mode), "--ca-file", try Installer.pki() + "/ca.pem", "--root", root,
             "--agent-image", agent, "--netmon-image", netmon, "--docker-host", lab.dockerHost,
             "--agent-bin", Packaging.buildDirectory + "/orchestrator-agent"]
        }
        let empty = try await Self.engineState(lab)

        // 1. A refused certificate: no file, no volume, no container.
        let refused = try await Installer.installAsync(try args(mode: "no-clientauth"))
        #expect(refused.status == 4, "\(refused.stderr)")
        #expect(try await Self.engineState(lab) == empty)
        #expect(!FileManager.default.fileExists(atPath: root))

        // 2. A dry run on a fresh device: prints the docker commands, changes nothing, asks nothing.
        let dry = try await Installer.installAsync(try args() + ["--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stderr.contains("[dry-run] would create volume orchestrator-shared: docker volume create orchestrator-shared"))
        #expect(dry.stderr.contains("[dry-run] would create orchestrator_agent: docker run -d --name orchestrator_agent"))
        #expect(try await Self.engineState(lab) == empty)
        #expect(!FileManager.default.fileExists(atPath: root))
        // Without an agent binary and with an agent image not on the engine: it says it would pull
        // it and stops there, changing nothing.
        let noAgent = try await Installer.installAsync(
            try args(agent: "lab/agent:missing").filter { $0 != "--agent-bin" && !$0.hasSuffix("/orchestrator-agent") } + ["--dry-run"])
        #expect(noAgent.status == 0, "\(noAgent.stderr)")
        #expect(noAgent.stderr.contains("[dry-run] would pull lab/agent:missing, then enrol"), "\(noAgent.stderr)")
        #expect(try await Self.engineState(lab) == empty)
        #expect(!FileManager.default.fileExists(atPath: root))
        let askedBefore = try server.requests().filter { jsonAt($0, "mode")?.stringValue == "good" }.count
        #expect(askedBefore == 0)

        // 3. The install.
        let first = try await Installer.installAsync(try args())
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("agent container:     orchestrator_agent created"))
        let agentC = try #require(try await Self.inspect(lab, "orchestrator_agent"))
        let netmonC = try #require(try await Self.inspect(lab, "autonomy_netmon"))
        #expect(jsonAt(agentC, "Image")?.stringValue == agent1)
        #expect(jsonAt(netmonC, "Image")?.stringValue == netmon)
        for c in [agentC, netmonC] {
            #expect(jsonAt(c, "HostConfig", "RestartPolicy", "Name")?.stringValue == "unless-stopped")
            #expect(jsonAt(c, "State", "Running")?.boolValue == true)
            #expect(jsonAt(c, "HostConfig", "NetworkMode")?.stringValue == "host")
            #expect(jsonAt(c, "Config", "Labels", "io.autonomy.install-hash")?.stringValue?.count == 64)
        }
        #expect(jsonAt(netmonC, "HostConfig", "Privileged")?.boolValue == true)
        #expect(jsonAt(netmonC, "HostConfig", "PidMode")?.stringValue == "host")
        #expect(jsonAt(agentC, "HostConfig", "Privileged")?.boolValue == false)
        #expect(jsonAt(agentC, "Config", "User")?.stringValue == "10001:10001")
        #expect(jsonAt(agentC, "Config", "Cmd")?.arrayValue == ["run", "--config", "/etc/orchestrator-agent/site.json"])
        #expect(jsonAt(agentC, "Config", "Labels", "io.autonomy.image-ref")?.stringValue == agent1)
        var netmonMounts = ["bind /dev->/dev rw", "volume orchestrator-shared->/var/orchestrator rw"]
        if FileManager.default.fileExists(atPath: "/run/udev") { netmonMounts.append("bind /run/udev->/run/udev ro") }
        #expect(Self.mounts(netmonC) == netmonMounts.sorted())
        #expect(Self.mounts(agentC) == [
            "bind \(lab.socketPath)->/var/run/docker.sock rw",
            "bind \(root)/etc/orchestrator-agent->/etc/orchestrator-agent ro",
            "bind \(root)/root/.mtls->/run/secrets/mtls ro",
            "bind \(root)/var/lib/orchestrator-agent->/var/lib/orchestrator-agent rw",
            "volume orchestrator-shared->/var/orchestrator rw",
        ].sorted())
        #expect(try await Self.engineState(lab).contains("volume orchestrator-shared"))
        // Files for the agent's user (10001), who can read them inside its container; the pins
        // came from the image.
        #expect(try Installer.modeOwner(root + "/root/.mtls/client.key") == "600 10001:10001")
        #expect(try Installer.modeOwner(root + "/etc/orchestrator-agent/site.json") == "640 0:10001")
        #expect(try Installer.modeOwner(root + "/var/lib/orchestrator-agent") == "700 10001:10001")
        let seen = try Installer.check(
            ["docker", "exec", "orchestrator_agent", "sh", "-c", "id -u; cat /run/secrets/mtls/client.key /etc/orchestrator-agent/site.json"],
            env: ["DOCKER_HOST": lab.dockerHost])
        #expect(seen.hasPrefix("10001\n-----BEGIN RSA PRIVATE KEY-----"), "the installer's default key, RSA-4096, readable by the agent's user")
        let config = try Installer.readJSON(root + "/etc/orchestrator-agent/site.json")
        #expect(jsonAt(config, "cloud", "cert_dir")?.stringValue == "/run/secrets/mtls")
        #expect(jsonAt(config, "agent", "container_name")?.stringValue == "orchestrator_agent")
        #expect(jsonAt(config, "plugins", "load")?.arrayValue?.first.flatMap { jsonAt($0, "id") }?.stringValue == "io.autonomy.transport-mtls")
        #expect(try Installer.check(["find", root, "-name", ".*", "!", "-name", ".mtls"]).isEmpty, "no temp files left")

        // 4. A re-run with the same images: nothing recreated or restarted, no file touched, no request.
        let installed = try await Self.engineState(lab)
        let files = try Installer.snapshot(root)
        let asked = try server.requests().count
        let again = try await Installer.installAsync(try args())
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("orchestrator_agent kept") && again.stdout.contains("autonomy_netmon kept"))
        #expect(try await Self.engineState(lab) == installed)
        #expect(try Installer.snapshot(root) == files)
        #expect(try server.requests().count == asked)

        // 5. A dry run with a new agent image says what it would do and does nothing.
        let dry2 = try await Installer.installAsync(try args(agent: agent2) + ["--dry-run"])
        #expect(dry2.status == 0, "\(dry2.stderr)")
        #expect(dry2.stderr.contains("[dry-run] would remove orchestrator_agent"))
        #expect(dry2.stderr.contains("autonomy_netmon is up to date"))
        #expect(try await Self.engineState(lab) == installed)
        #expect(try Installer.snapshot(root) == files)

        // 6. The new agent image recreates only the agent.
        let upgrade = try await Installer.installAsync(try args(agent: agent2))
        #expect(upgrade.status == 0, "\(upgrade.stderr)")
        let agentC2 = try #require(try await Self.inspect(lab, "orchestrator_agent"))
        let netmonC2 = try #require(try await Self.inspect(lab, "autonomy_netmon"))
        #expect(jsonAt(agentC2, "Image")?.stringValue == agent2)
        #expect(jsonAt(agentC2, "Id") != jsonAt(agentC, "Id"))
        #expect(jsonAt(netmonC2, "Id") == jsonAt(netmonC, "Id"))
        #expect(jsonAt(netmonC2, "State", "StartedAt") == jsonAt(netmonC, "State", "StartedAt"))

        // 7. Uninstall: the containers go, the volume and the files stay; --purge takes the rest.
        let un = try await Installer.installAsync(["--uninstall", "--root", root, "--docker-host", lab.dockerHost])
        #expect(un.status == 0, "\(un.stderr)")
        #expect(try await Self.inspect(lab, "orchestrator_agent") == nil)
        #expect(try await Self.inspect(lab, "autonomy_netmon") == nil)
        #expect(try await Self.engineState(lab) == empty + ["volume orchestrator-shared"])
        #expect(FileManager.default.fileExists(atPath: root + "/root/.mtls/client.key"))
        let purge = try await Installer.installAsync(["--uninstall", "--purge", "--root", root, "--docker-host", lab.dockerHost])
        #expect(purge.status == 0, "\(purge.stderr)")
        #expect(try await Self.engineState(lab) == empty)
        #expect(try Installer.files(root) == [])
    }
}
