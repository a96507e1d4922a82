import AgentJSON
import Foundation
import LabSupport
import Testing

/// `install.sh --from-python-agent` against a lab engine of its own per test (the container names
/// are fixed). The Python agent's site is faked as its installer leaves one (spec §8): containers
/// `orchestrator_agent` and `autonomy_netmon` without labels, restart policy unless-stopped,
/// running, on the volume `orchestrator-shared`, the agent with its cert folder at /root/.mtls
/// (a Python-style RSA certificate, ``Installer/pythonAgentCertificate()``). This agent's images
/// are busybox stand-ins: one writes a `health.json` that says connected, the other never does.
@Suite(.requires(DockerLab.isAvailable && Installer.canRun, "needs the Docker lab (root, dockerd) and the installer's tools"))
struct InstallerTakeoverTests {
    /// Builds TAG from a busybox rootfs; ROLE (in /etc/role) decides what PID 1 does before it
    /// sleeps (and exits at once on TERM): `connects` writes a health.json for a connected,
    /// self-checked agent (started_at now) into the state folder, atomically; anything else
    /// writes nothing. Agent images ship pins as the real one does. The root folder is 0755: this
    /// agent's container runs as 10001, whose state folder (0700) it can write.
    static let imageScript = #"""
        set -eu
        tag="$1" role="$2"
        r="$(mktemp -d)"; chmod 755 "$r"
        trap 'rm -rf "$r"' EXIT
        mkdir -p "$r/bin" "$r/tmp" "$r/etc" "$r/usr/lib/orchestrator-agent"
        chmod 1777 "$r/tmp"
        cp /bin/busybox "$r/bin/busybox"
        for a in sh sleep cat id ls date mv mkdir; do ln -s busybox "$r/bin/$a"; done
        cat >"$r/entry.sh" <<'ENTRY'
        #!/bin/sh
        trap "exit 0" TERM INT
        if [ "$(cat /etc/role)" = connects ]; then
            d=/var/lib/orchestrator-agent t="$(date -u +%Y-%m-%dT%H:%M:%S+00:00)"
            printf '{"pid":%s,"version":"lab","started_at":"%s","connected":true,"connected_at":"%s","self_check":"ok","failures":[],"updated_at":"%s"}\n' \
                "$$" "$t" "$t" "$t" >"$d/.health.json.tmp"
            mv "$d/.health.json.tmp" "$d/health.json"
        fi
        while :; do sleep 3600 & wait $!; done
        ENTRY
        echo "$role" >"$r/etc/role"
        printf '[{"id":"io.autonomy.transport-mtls","path":"/usr/lib/orchestrator-agent/plugins/libagent-transport-mtls.so","sha256":"%064d"}]\n' 1 \
            >"$r/usr/lib/orchestrator-agent/pins.json"
        tar -C "$r" --numeric-owner --owner=0 --group=0 -cf - . | docker import -c 'ENTRYPOINT ["/bin/sh","/entry.sh"]' - "$tag" >/dev/null
        docker image inspect --format '{{.Id}}' "$tag"
        """#

    /// The images of one lab: the Python agent's stand-in, this agent's netmon, and this agent in
    /// the role asked for.
    struct Images: Sendable {
        let python: String
        let netmon: String
        let agent: String
    }

    static func buildImages(_ lab: DockerLab, agentRole: String) async throws -> Images {
        try await DockerLab.blocking {
            func build(_ tag: String, _ role: String) throws -> String {
                try Installer.check(["/bin/sh", "-c", imageScript, "sh", tag, role], env: ["DOCKER_HOST": lab.dockerHost])
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return Images(python: try build("lab/python-agent:1.2", "python"), netmon: try build("lab/netmon:v1", "netmon"),
                          agent: try build("lab/agent:\(agentRole)", agentRole))
        }
    }

    /// The Python agent's two containers, as its installer runs them (without the host network
    /// and privileges, which the takeover does not look at), and a file of its state on the volume.
    struct PythonSite: Sendable {
        let agentID: String
        let netmonID: String
    }

    static let pythonState = "/var/orchestrator/data/clients.json"

    static func startPythonSite(_ lab: DockerLab, image: String, certDir: String) async throws -> PythonSite {
        try await DockerLab.blocking {
            let env = ["DOCKER_HOST": lab.dockerHost]
            try Installer.check(["docker", "volume", "create", "orchestrator-shared"], env: env)
            func run(_ name: String, _ extra: [String]) throws -> String {
                try Installer.check(
                    ["docker", "run", "-d", "--name", name, "--restart", "unless-stopped", "--network", "none",
                     "--mount", "type=volume,src=orchestrator-shared,dst=/var/orchestrator"] + extra + [image], env: env)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let netmon = try run("autonomy_netmon", [])
            let agent = try run("orchestrator_agent", ["--mount", "type=bind,src=\(certDir),dst=/root/.mtls,readonly"])
            try Installer.check(
                ["docker", "exec", "orchestrator_agent", "sh", "-c", "mkdir -p /var/orchestrator/data && echo '{\"plc-1\":{}}' >\(pythonState)"],
                env: env)
            return PythonSite(agentID: agent, netmonID: netmon)
        }
    }

    /// A test root holding the Python agent's cert folder at /root/.mtls.
    static func rootWithPythonCertificate(_ name: String) async throws -> String {
        let python = try await DockerLab.blocking { try Installer.pythonAgentCertificate() }
        let root = Installer.scratch(name)
        try FileManager.default.createDirectory(atPath: root + "/root", withIntermediateDirectories: true)
        try Installer.check(["cp", "-a", python, root + "/root/.mtls"])
        return root
    }

    static func args(_ server: EnrollServer, _ lab: DockerLab, root: String, images: Images) throws -> [String] {
        ["--api-base", server.apiBase(), "--issuer-ca", try Installer.pki() + "/ca.pem", "--root", root,
         "--agent-image", images.agent, "--netmon-image", images.netmon, "--docker-host", lab.dockerHost, "--from-python-agent",
         "--agent-bin", Packaging.buildDirectory + "/orchestrator-agent"]
    }

    /// Every container (id, name, image, started at, running, restart policy) and volume: equal
    /// before and after means the engine was left alone.
    static func engineState(_ lab: DockerLab) async throws -> [String] {
        var out = try await InstallerDockerTests.engineState(lab)
        for c in try await lab.engineAPI("GET", "/containers/json?all=1").json?.arrayValue ?? [] {
            let id = jsonAt(c, "Id")?.stringValue ?? ""
            let inspect = try await InstallerDockerTests.inspect(lab, id)
            out.append("\(id) restart \(jsonAt(inspect, "HostConfig", "RestartPolicy", "Name")?.stringValue ?? "-")")
        }
        return out.sorted()
    }

    /// The ids of the containers that carry the installer's label.
    static func installerContainers(_ lab: DockerLab) async throws -> [String] {
        let filter = #"{"label":["io.autonomy.install-hash"]}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return (try await lab.engineAPI("GET", "/containers/json?all=1&filters=\(filter)").json?.arrayValue ?? [])
            .compactMap { jsonAt($0, "Id")?.stringValue }
    }

    /// A container event of the engine: what happened to which container, and its name then.
    struct Event: Sendable, CustomStringConvertible {
        let action: String
        let id: String
        let name: String
        var description: String { "\(action) \(name) \(id.prefix(12))" }
    }

    /// The engine's container events since `since` (unix time), in order.
    static func events(_ lab: DockerLab, since: Double) async throws -> [Event] {
        let until = String(format: "%.3f", Date().timeIntervalSince1970 + 1)
        let text = try await DockerLab.blocking {
            try Installer.check(
                ["docker", "events", "--since", String(format: "%.3f", since), "--until", until, "--filter", "type=container",
                 "--format", "{{.Actor.ID}} {{.Actor.Attributes.name}} {{.Action}}"], env: ["DOCKER_HOST": lab.dockerHost])
        }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ", maxSplits: 2).map(String.init)
            return f.count == 3 ? Event(action: f[2], id: f[0], name: f[1]) : nil
        }
    }

    /// The position of the first (or last) event `action` of the container `id` (Int.max when
    /// there is none).
    static func position(_ events: [Event], _ action: String, _ id: String, last: Bool = false) -> Int {
        let match = { (e: Event) in e.action == action && e.id == id }
        return (last ? events.lastIndex(where: match) : events.firstIndex(where: match)) ?? Int.max
    }

    /// The Python agent's container `id` runs under `name` with its restart policy back.
    static func expectPythonRunsAgain(_ lab: DockerLab, _ id: String, _ name: String, image: String) async throws {
        let c = try #require(try await InstallerDockerTests.inspect(lab, id), "the Python agent's \(name) is gone")
        #expect(jsonAt(c, "Name")?.stringValue == "/" + name)
        #expect(jsonAt(c, "Image")?.stringValue == image)
        #expect(jsonAt(c, "State", "Running")?.boolValue == true)
        #expect(jsonAt(c, "HostConfig", "RestartPolicy", "Name")?.stringValue == "unless-stopped")
    }

    // MARK: tests

    /// This agent says it is connected: the Python agent's containers were stopped (agent first)
    /// before this agent's were created, and are removed once it is connected; this agent runs
    /// under the names, with the Python agent's certificate as it was and its volume and files.
    @Test(.timeLimit(.minutes(10)))
    func takesOverWhenThisAgentConnects() async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("tkok") }
        defer { lab.down() }
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let images = try await Self.buildImages(lab, agentRole: "connects")
        let root = try await Self.rootWithPythonCertificate("takeover-ok")
        let certDir = root + "/root/.mtls"
        let key = try Installer.read(certDir + "/client.key")
        let crt = try Installer.read(certDir + "/client.crt")
        #expect(key.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        let site = try await Self.startPythonSite(lab, image: images.python, certDir: certDir)
        let since = Date().timeIntervalSince1970 - 0.5

        let r = try await Installer.installAsync(try Self.args(server, lab, root: root, images: images))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("found the Python agent's orchestrator_agent"), "\(r.stderr)")
        #expect(r.stderr.contains("orchestrator_agent reports connected"), "\(r.stderr)")
        #expect(r.stdout.contains("python agent:        taken over; removed its containers orchestrator_agent.python"), "\(r.stdout)")

        // The Python agent's containers are gone, by id; this agent's run under the names.
        #expect(try await InstallerDockerTests.inspect(lab, site.agentID) == nil)
        #expect(try await InstallerDockerTests.inspect(lab, site.netmonID) == nil)
        let agent = try #require(try await InstallerDockerTests.inspect(lab, "orchestrator_agent"))
        let netmon = try #require(try await InstallerDockerTests.inspect(lab, "autonomy_netmon"))
        #expect(jsonAt(agent, "Image")?.stringValue == images.agent)
        #expect(jsonAt(netmon, "Image")?.stringValue == images.netmon)
        for c in [agent, netmon] {
            #expect(jsonAt(c, "State", "Running")?.boolValue == true)
            #expect(jsonAt(c, "Config", "Labels", "io.autonomy.install-hash")?.stringValue?.count == 64)
        }
        #expect(try await InstallerDockerTests.inspect(lab, "orchestrator_agent.python") == nil)

        // The order: the Python agent down (restart policy, name, stop; agent before netmon)
        // before this agent's containers exist; removed after this agent started.
        let ev = try await Self.events(lab, since: since)
        let agentID = jsonAt(agent, "Id")?.stringValue ?? "?", netmonID = jsonAt(netmon, "Id")?.stringValue ?? "?"
        #expect(Self.position(ev, "update", site.agentID) < Self.position(ev, "rename", site.agentID), "\(ev)")
        #expect(Self.position(ev, "rename", site.agentID) < Self.position(ev, "die", site.agentID), "\(ev)")
        #expect(Self.position(ev, "die", site.agentID) < Self.position(ev, "die", site.netmonID), "\(ev)")
        #expect(Self.position(ev, "die", site.netmonID) < Self.position(ev, "create", netmonID), "\(ev)")
        #expect(Self.position(ev, "start", agentID) < Self.position(ev, "destroy", site.agentID), "\(ev)")
        #expect(Self.position(ev, "destroy", site.netmonID) < Int.max, "\(ev)")

        // Kept: the volume with the Python agent's files, its certificate byte for byte (and now the
        // CA it chains to); no enrollment.
        #expect(try await Self.engineState(lab).contains("volume orchestrator-shared"))
        let state = try Installer.check(["docker", "exec", "orchestrator_agent", "cat", Self.pythonState], env: ["DOCKER_HOST": lab.dockerHost])
        #expect(state == "{\"plc-1\":{}}\n")
        #expect(try Installer.read(certDir + "/client.key") == key)
        #expect(try Installer.read(certDir + "/client.crt") == crt)
        #expect(try Installer.read(certDir + "/issuer-ca.pem") == Installer.read(try Installer.pki() + "/ca.pem"))
        #expect(Installer.summary(r.stdout, "orchestrator id") == Installer.pythonAgentID)
        #expect(try server.requests().isEmpty)
    }

    /// This agent never says it is connected (and an old health.json that says so does not
    /// count): after --takeover-timeout its containers are removed and the Python agent's run
    /// again, the same containers under their names, restart policy unless-stopped, netmon
    /// started before the agent; exit 6.
    @Test(.timeLimit(.minutes(10)))
    func rollsBackWhenThisAgentDoesNotConnect() async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("tkback") }
        defer { lab.down() }
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let images = try await Self.buildImages(lab, agentRole: "silent")
        let root = try await Self.rootWithPythonCertificate("takeover-back")
        let site = try await Self.startPythonSite(lab, image: images.python, certDir: root + "/root/.mtls")
        // A report of an earlier agent process: connected, but older than the new container.
        let stateDir = root + "/var/lib/orchestrator-agent"
        try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
        try #"{"pid":1,"version":"old","started_at":"2020-01-01T00:00:00+00:00","connected":true,"connected_at":"2020-01-01T00:00:01+00:00","self_check":"ok","failures":[],"updated_at":"2020-01-01T00:00:02+00:00"}"#
            .write(toFile: stateDir + "/health.json", atomically: true, encoding: .utf8)
        let since = Date().timeIntervalSince1970 - 0.5

        let r = try await Installer.installAsync(try Self.args(server, lab, root: root, images: images) + ["--takeover-timeout", "5"])
        #expect(r.status == 6, "\(r.stderr)")
        #expect(r.stderr.contains("health.json is from an earlier process"), "\(r.stderr)")
        #expect(r.stderr.contains("the Python agent runs again"), "\(r.stderr)")
        #expect(r.stderr.contains(stateDir + "/logs/agent.log"), "\(r.stderr)")

        try await Self.expectPythonRunsAgain(lab, site.agentID, "orchestrator_agent", image: images.python)
        try await Self.expectPythonRunsAgain(lab, site.netmonID, "autonomy_netmon", image: images.python)
        #expect(try await Self.installerContainers(lab) == [], "this agent's containers are removed")
        #expect(try await InstallerDockerTests.inspect(lab, "orchestrator_agent.python") == nil)
        #expect(try await InstallerDockerTests.inspect(lab, "autonomy_netmon.python") == nil)

        // This agent's two containers were made and removed before the Python agent got its name
        // back; its netmon started before its agent.
        let ev = try await Self.events(lab, since: since)
        // (The window starts half a second early: the Python site's own creates may fall in it.)
        let ours = ev.filter {
            $0.action == "create" && ["orchestrator_agent", "autonomy_netmon"].contains($0.name)
                && ![site.agentID, site.netmonID].contains($0.id)
        }.map(\.id)
        #expect(ours.count == 2, "\(ev)")
        let renamedBack = Self.position(ev, "rename", site.agentID, last: true)
        #expect(Self.position(ev, "rename", site.agentID) < renamedBack, "renamed away and back: \(ev)")
        for id in ours { #expect(Self.position(ev, "destroy", id) < renamedBack, "\(ev)") }
        // (The last starts: the list may begin with the site's own start.)
        let netmonStarted = Self.position(ev, "start", site.netmonID, last: true)
        #expect(Self.position(ev, "die", site.agentID) < netmonStarted, "\(ev)")
        #expect(netmonStarted < Self.position(ev, "start", site.agentID, last: true), "\(ev)")
        #expect(Self.position(ev, "start", site.agentID, last: true) < Int.max, "\(ev)")
    }

    /// A Ctrl-C (SIGINT to the installer's process group) while it waits for this agent: the
    /// installer puts the Python agent back by itself, exit 130, after printing the commands
    /// that would do it by hand.
    @Test(.timeLimit(.minutes(10)))
    func anInterruptedTakeoverPutsThePythonAgentBack() async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("tkint") }
        defer { lab.down() }
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let images = try await Self.buildImages(lab, agentRole: "silent")
        let root = try await Self.rootWithPythonCertificate("takeover-int")
        let site = try await Self.startPythonSite(lab, image: images.python, certDir: root + "/root/.mtls")
        let log = root + ".log"
        // setsid: the installer leads a process group of its own, as a terminal's foreground job.
        let argv = ["setsid", "/usr/bin/env", "PATH=\(Installer.barePath)", "/bin/bash", Installer.script]
            + (try Self.args(server, lab, root: root, images: images)) + ["--takeover-timeout", "600"]
        let pid = try CommandRunner.spawnBackground(argv, log: log)
        var exited: Int32?
        defer {
            if exited == nil {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }
        }
        let waiting = try await DockerLab.blocking {
            eventuallySync(timeout: .seconds(120), every: .milliseconds(50)) {
                ((try? Installer.read(log)) ?? "").contains("waiting up to 600 s")
            }
        }
        #expect(waiting, "\((try? Installer.read(log)) ?? "")")
        #expect(try await Self.installerContainers(lab).count == 2, "this agent's containers run")
        #expect(jsonAt(try await InstallerDockerTests.inspect(lab, site.agentID), "Name")?.stringValue == "/orchestrator_agent.python")

        kill(-pid, SIGINT)
        exited = try await DockerLab.blocking { Self.waitExit(pid, timeout: .seconds(120)) }
        let text = (try? Installer.read(log)) ?? ""
        #expect(exited == 130, "\(text)")
        #expect(text.contains("to put the Python agent back by hand"), "\(text)")
        #expect(text.contains("rolled back: the Python agent runs again"), "\(text)")
        try await Self.expectPythonRunsAgain(lab, site.agentID, "orchestrator_agent", image: images.python)
        try await Self.expectPythonRunsAgain(lab, site.netmonID, "autonomy_netmon", image: images.python)
        #expect(try await Self.installerContainers(lab) == [])
    }

    /// `--dry-run` prints the takeover and changes nothing; an ambiguous site (NAME and
    /// NAME.python both the Python agent's) and a cert folder other than the one the Python
    /// agent uses stop the run before anything changes.
    @Test(.timeLimit(.minutes(10)))
    func dryRunAndRefusalsChangeNothing() async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("tkdry") }
        defer { lab.down() }
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let images = try await Self.buildImages(lab, agentRole: "connects")
        let root = try await Self.rootWithPythonCertificate("takeover-dry")
        let site = try await Self.startPythonSite(lab, image: images.python, certDir: root + "/root/.mtls")
        let args = try Self.args(server, lab, root: root, images: images)
        let engine = try await Self.engineState(lab)
        let files = try Installer.snapshot(root)

        let dry = try await Installer.installAsync(args + ["--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let agent12 = String(site.agentID.prefix(12))
        #expect(dry.stderr.contains("[dry-run] would set the restart policy of the Python agent's orchestrator_agent to no: docker update --restart no \(agent12)"), "\(dry.stderr)")
        #expect(dry.stderr.contains("[dry-run] would rename the Python agent's orchestrator_agent to orchestrator_agent.python: docker rename \(agent12) orchestrator_agent.python"), "\(dry.stderr)")
        #expect(dry.stderr.contains("[dry-run] would stop the Python agent's autonomy_netmon.python"), "\(dry.stderr)")
        #expect(dry.stderr.contains("[dry-run] would create orchestrator_agent: docker run -d --name orchestrator_agent"), "\(dry.stderr)")
        #expect(!dry.stderr.contains("would remove orchestrator_agent"), "the Python agent's container is renamed, not removed: \(dry.stderr)")
        #expect(dry.stderr.contains("[dry-run] would wait up to 120 s for orchestrator_agent to report connected"), "\(dry.stderr)")
        #expect(try await Self.engineState(lab) == engine)
        #expect(try Installer.snapshot(root) == files)

        // The Python agent uses another cert folder than --cert-dir: usage, nothing changed.
        let elsewhere = try await Installer.installAsync(args + ["--cert-dir", "/etc/mtls"])
        #expect(elsewhere.status == 2, "\(elsewhere.stderr)")
        #expect(elsewhere.stderr.contains("the Python agent's certificate folder is \(root)/root/.mtls"), "\(elsewhere.stderr)")

        // orchestrator_agent.python next to orchestrator_agent, neither this agent's: ambiguous.
        let stale = try await DockerLab.blocking {
            try Installer.check(["docker", "create", "--name", "orchestrator_agent.python", "--network", "none", images.python],
                                env: ["DOCKER_HOST": lab.dockerHost]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let engine2 = try await Self.engineState(lab)
        let ambiguous = try await Installer.installAsync(args)
        #expect(ambiguous.status == 1, "\(ambiguous.stderr)")
        #expect(ambiguous.stderr.contains("both orchestrator_agent (\(agent12)) and orchestrator_agent.python (\(stale.prefix(12))) exist"), "\(ambiguous.stderr)")
        #expect(try await Self.engineState(lab) == engine2)
        #expect(try Installer.snapshot(root) == files)
        #expect(try server.requests().isEmpty)
    }

    // MARK: processes

    /// Waits (bounded) for the child `pid` to exit and reaps it: its exit status (128 + signal
    /// when killed), or nil if it did not exit in time.
    static func waitExit(_ pid: pid_t, timeout: Duration) -> Int32? {
        var code: Int32?
        _ = eventuallySync(timeout: timeout, every: .milliseconds(50)) {
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return false }
            code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            return true
        }
        return code
    }
}
