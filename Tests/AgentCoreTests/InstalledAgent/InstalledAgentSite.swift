import AgentJSON
import Foundation
import LabSupport

/// The agent installed on a lab site the way the installer runs it, made of real parts: a Docker
/// lab of its own (so no other suite's agent adopts its vPLCs), the lab cloud in the lab
/// namespace, agent images made from the test build's layout (`scripts/package-layout`), and the
/// agent running as container `orchestrator_agent` (host network, the engine's socket, a state
/// folder, the site config folder read-only, the certificates read-only). Everything is removed
/// by ``shutdown()`` (the lab goes down with its images and volumes).
final class InstalledAgentSite: @unchecked Sendable {
    /// How the site's images are made.
    enum Images {
        /// `scripts/lab/agent-image` images (root, no sidecar): tag, AGENT_VERSION, and whether
        /// the image gets a host-topics plugin of other bytes, as a new release would.
        case labImages([(tag: String, version: String, newPlugins: Bool)])
        /// The Dockerfile's `runtime` and `netmon` targets, built on the lab engine by
        /// `scripts/lab/build-images` from the debug layouts (LAYOUT=prebuilt): the agent runs
        /// as `agent` (10001) next to the sidecar container `autonomy_netmon`.
        case dockerfile(agentTag: String, netmonTag: String, version: String)
    }

    let lab: DockerLab
    let cloud: LabCloud
    /// `/tmp/<name>-<pid>`: config folder, certificates, state folder.
    let root: String
    /// The agent runs next to the netmon sidecar image, as uid 10001 (the Dockerfile's images).
    let withSidecar: Bool
    /// `build-images`' `IMAGE target tag id size` lines, by target (Dockerfile images only).
    private(set) var built: [String: (tag: String, id: String, size: Int)] = [:]
    var stateDirectory: String { root + "/state" }
    static let agentName = "orchestrator_agent"
    static let sidecarName = "autonomy_netmon"
    /// The shared volume of the agent and the sidecar (the installer's name).
    static let sharedVolume = "orchestrator-shared"

    /// Brings up a lab named `name` and the cloud, makes the layout(s) and the images.
    init(_ name: String = "upg", images: Images) throws {
        lab = try DockerLab.dedicated(name)
        root = "/tmp/\(name)-\(getpid())"
        if case .dockerfile = images { withSidecar = true } else { withSidecar = false }
        try? FileManager.default.removeItem(atPath: root)
        do {
            cloud = try LabCloud(netns: lab.labNamespace)
        } catch {
            lab.down()
            throw error
        }
        do {
            try prepare(images: images)
        } catch {
            shutdown()
            throw error
        }
    }

    /// The folders, the layout, the site config and the images.
    private func prepare(images: Images) throws {
        let fm = FileManager.default
        for dir in ["etc", "mtls", "state"] { try fm.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true) }
        // The process's shared layout (read-only here; a changed one is made from a copy).
        let layout = try PackageLayouts.agent(buildDirectory: BuildProducts.directory)
        try writeSite(pins: layout + "/etc/orchestrator-agent/site.json")
        switch images {
        case .labImages(let list):
            for image in list { try makeLabImage(image, from: layout) }
        case .dockerfile(let agentTag, let netmonTag, let version):
            try buildDockerfileImages(agentTag: agentTag, netmonTag: netmonTag, version: version, layout: layout)
        }
    }

    private func makeLabImage(_ image: (tag: String, version: String, newPlugins: Bool), from layout: String) throws {
        var from = layout
        if image.newPlugins {
            from = root + "/layout-next"
            try CommandRunner.check(["cp", "-a", layout, from], timeout: 300)
            try Self.changePlugin("libagent-host-topics.so", in: from)
        }
        try CommandRunner.check(
            [BuildProducts.packageRoot + "/scripts/lab/agent-image", "--lab-env", lab.directory + "/lab.env", "--tag", image.tag,
             "--layout", from, "--env", "AGENT_VERSION=\(image.version)"],
            timeout: 600)
        if from != layout { try? FileManager.default.removeItem(atPath: from) }
    }

    /// `scripts/lab/build-images` on the process's shared agent and netmon layouts.
    private func buildDockerfileImages(agentTag: String, netmonTag: String, version: String, layout: String) throws {
        let netmon = try PackageLayouts.netmon()
        let out = try CommandRunner.check(
            [BuildProducts.packageRoot + "/scripts/lab/build-images", "--lab-env", lab.directory + "/lab.env", "--layout", layout,
             "--netmon-layout", netmon, "--agent-tag", agentTag, "--netmon-tag", netmonTag, "--version", version],
            timeout: 900)
        for line in out.split(separator: "\n") where line.hasPrefix("IMAGE ") {
            let w = line.split(separator: " ").map(String.init)
            guard w.count == 5, let size = Int(w[4]) else { throw LabError("build-images: unexpected line \(line)") }
            built[w[1]] = (w[2], w[3], size)
        }
        // The agent's user reads the certificates and owns its state folder.
        for path in [root + "/mtls", stateDirectory] { try CommandRunner.check(["chown", "-R", "10001:10001", path]) }
    }

    /// Gives a plugin of a layout other bytes (a trailer after the ELF data, which the loader
    /// ignores) and updates the layout's MANIFEST, `pins.json` and `site.json` to match.
    static func changePlugin(_ file: String, in layout: String) throws {
        func sha(_ path: String) throws -> String { String(try CommandRunner.check(["sha256sum", path], timeout: 30).prefix(64)) }
        func replace(_ old: String, _ new: String, in relative: String) throws {
            let p = layout + "/" + relative
            guard let text = try? String(contentsOfFile: p, encoding: .utf8) else { return }
            try text.replacingOccurrences(of: old, with: new).write(toFile: p, atomically: true, encoding: .utf8)
        }
        let manifest = "usr/lib/orchestrator-agent/MANIFEST"
        let listings = ["usr/lib/orchestrator-agent/pins.json", "etc/orchestrator-agent/site.json"]
        let path = layout + "/usr/lib/orchestrator-agent/plugins/" + file
        let before = try sha(path)
        let listingsBefore = try listings.map { try sha(layout + "/" + $0) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\nupgrade-lab: next release\n".utf8))
        try handle.close()
        let after = try sha(path)
        for listing in listings + [manifest, "etc/orchestrator-agent/site.local.json"] { try replace(before, after, in: listing) }
        // The listings changed too: so do their own MANIFEST lines.
        for (listing, old) in zip(listings, listingsBefore) { try replace(old, try sha(layout + "/" + listing), in: manifest) }
    }

    /// The site config (as the installer writes it): the image's pins (minus the netmon listener
    /// when there is no sidecar), each plugin's lab settings, the cloud in the lab namespace; the
    /// certificates under `~/.mtls` (upstream's place) for a root agent, else where the installer
    /// puts them for the agent's user (`/run/secrets/mtls`).
    private func writeSite(pins: String) throws {
        for (src, dst) in [("client.crt", "client.crt"), ("client.key", "client.key"), ("ca.pem", "ca.pem")] {
            try FileManager.default.copyItem(atPath: LabPKI.path(src), toPath: root + "/mtls/" + dst)
        }
        let image = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: pins)))).objectValue ?? [:]
        let settings: [String: JSONObject] = [
            "io.autonomy.docker": ["socket": "/var/run/docker.sock"],
            "io.autonomy.runtime": [
                "image_repository": .string(lab.runtimeImageRepo), "restart_delay_ms": 300,
                "health_interval_ms": 2000,
            ],
            "io.autonomy.host-topics": ["heartbeat_interval_ms": 5000],
        ]
        var load: [JSONValue] = []
        for entry in image["plugins"]?.objectValue?["load"]?.arrayValue ?? [] {
            guard var e = entry.objectValue, let id = e["id"]?.stringValue, withSidecar || id != "io.autonomy.netmon" else { continue }
            if let s = settings[id] { e["config"] = .object(s) }
            load.append(.object(e))
        }
        let certDir = withSidecar ? Self.secretsDir : "~/.mtls"
        let site: JSONObject = [
            "state_dir": "/var/lib/orchestrator-agent",
            "cloud": [
                "host": "localhost", "port": .number(Double(cloud.port)), "cert_dir": .string(certDir),
                "ca_bundle": .string(certDir + "/ca.pem"),
            ],
            "plugins": ["load": .array(load)],
        ]
        try Data(JSONWriter.bytes(.object(site))).write(to: URL(fileURLWithPath: root + "/etc/site.json"))
    }

    /// The site config's pins: plugin id → sha256.
    func sitePins() throws -> [String: String] {
        let doc = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: root + "/etc/site.json"))))
        var out: [String: String] = [:]
        for e in doc.objectValue?["plugins"]?.objectValue?["load"]?.arrayValue ?? [] {
            if let id = e.objectValue?["id"]?.stringValue { out[id] = e.objectValue?["sha256"]?.stringValue ?? "" }
        }
        return out
    }

    // MARK: docker

    /// The docker CLI against the lab engine; stdout.
    @discardableResult
    func docker(_ args: [String], timeout: Double = 120) throws -> String {
        try CommandRunner.check(["env", "DOCKER_HOST=\(lab.dockerHost)", "docker"] + args, timeout: timeout)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Where the certificates are mounted for an agent that is not root (the installer's place).
    static let secretsDir = "/run/secrets/mtls"

    /// Runs the agent from `tag` as `orchestrator_agent`; next to the sidecar, as the image's
    /// user with the engine socket's group and the shared volume (docs/ci-cd.md).
    func startAgent(_ tag: String) throws {
        var args = [
            "run", "-d", "--name", Self.agentName, "--network", "host", "--restart", "unless-stopped",
            "-v", "\(stateDirectory):/var/lib/orchestrator-agent", "-v", "\(root)/etc:/etc/orchestrator-agent:ro",
            "-v", "\(lab.socketPath):/var/run/docker.sock",
        ]
        if withSidecar {
            let gid = try CommandRunner.check(["stat", "-c", "%g", lab.socketPath]).trimmingCharacters(in: .whitespacesAndNewlines)
            args += ["--group-add", gid, "-v", "\(root)/mtls:\(Self.secretsDir):ro", "-v", "\(Self.sharedVolume):/var/orchestrator"]
        } else {
            args += ["-v", "\(root)/mtls:/root/.mtls:ro"]
        }
        try docker(args + [tag])
    }

    /// Runs the sidecar from `tag` as `autonomy_netmon`, the way the Dockerfile says to (host
    /// network and PID namespace: the lab namespace's and the host's; privileged).
    func startSidecar(_ tag: String) throws {
        try docker([
            "run", "-d", "--name", Self.sidecarName, "--network", "host", "--pid", "host", "--privileged",
            "--restart", "unless-stopped", "-v", "\(Self.sharedVolume):/var/orchestrator", tag,
        ])
    }

    /// An image made from `tag` with extra `ENV` lines (`docker commit` of a never-started
    /// container: same files, other environment).
    func derive(_ tag: String, from base: String, env: [String]) throws {
        let cid = try docker(["create", base])
        defer { _ = try? docker(["rm", "-f", cid]) }
        try docker(["commit"] + env.flatMap { ["--change", "ENV \($0)"] } + [cid, tag])
    }

    /// A container's inspect (`nil` when there is none).
    func inspect(_ name: String) async throws -> JSONObject? {
        let r = try await lab.engineAPI("GET", "/containers/\(name)/json")
        return r.status == 200 ? r.json?.objectValue : nil
    }

    /// An image's id.
    func imageID(_ tag: String) async throws -> String? {
        try await lab.engineAPI("GET", "/images/\(tag)/json").json?.objectValue?["Id"]?.stringValue
    }

    /// Names of every container on the engine.
    func containerNames() async throws -> [String] {
        let r = try await lab.engineAPI("GET", "/containers/json?all=1")
        return (r.json?.arrayValue ?? []).compactMap { $0.objectValue?["Names"]?.arrayValue?.first?.stringValue }
            .map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
    }

    /// The last lines of a container's log (for failure messages).
    func logs(_ name: String) -> String {
        (try? CommandRunner.run(["env", "DOCKER_HOST=\(lab.dockerHost)", "docker", "logs", "--tail", "60", name], timeout: 30))
            .map { $0.stdout + $0.stderr } ?? "(no log)"
    }

    // MARK: cloud

    /// A command through the cloud; the ack object (throws when there is none in `timeout`).
    func call(_ topic: String, _ payload: JSONObject = [:], timeout: Double = 20) async throws -> JSONObject {
        let ack = try await cloud.call(topic, .object(payload), timeout: timeout)
        guard let first = ack.first?.objectValue else { throw LabError("ack of \(topic) is not an object: \(ack)") }
        return first
    }

    /// `operation_update` payloads received so far.
    func updates() async throws -> [JSONObject] {
        try await cloud.events(named: "operation_update").compactMap { $0["args"]?.arrayValue?.first?.objectValue }
    }

    /// Polls until `condition` holds (errors count as "not yet"); false after `seconds`.
    func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? await condition()) == true { return true }
            try? await Task.sleep(for: .milliseconds(250))  // sleep-audit: poll (the interval of a wait with a deadline)
        }
        return (try? await condition()) == true
    }

    /// Stops the cloud and takes the lab down (its containers, networks and images go with it).
    func shutdown() {
        cloud.stop()
        lab.down()
        try? FileManager.default.removeItem(atPath: root)
    }
}
