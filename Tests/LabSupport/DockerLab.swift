import AgentJSON
import Foundation
import HTTP1Client
import Synchronization

/// The container engine a lab runs (`scripts/lab/docker-lab --engine`).
public enum LabEngine: String, Sendable, CaseIterable, CustomStringConvertible {
    /// dockerd (Debian's docker.io, Engine API 1.41).
    case docker
    /// A rootful `podman system service` (Debian's podman 4.3, libpod API).
    case podman

    public var description: String { rawValue }
}

/// The Docker lab (`scripts/lab/docker-lab`) as a per-process test fixture: a real container
/// engine (dockerd, or with ``LabEngine/podman`` a `podman system service`) in a network
/// namespace, a MACVLAN "plant LAN" and a LAN host, all in namespaces the script makes.
///
/// ``shared(_:)`` brings the engine's lab up once per test process (lazily, safe from parallel
/// suites) in `/tmp/agent-<engine>-lab-<pid>`, and an `atexit` hook takes it down when the
/// process exits. ``dedicated(_:engine:)`` brings up another, private one
/// (`/tmp/agent-<engine>-lab-<pid>-<name>`) for tests that restart the engine or need the
/// MACVLAN parent to themselves. Labs left by test processes that died are taken down the next
/// time a lab starts.
///
/// ```swift
/// @Suite(.requires(DockerLab.isAvailable, "needs root and the Docker lab")) struct MyTests {
///     @Test func something() async throws {
///         let lab = try await DockerLab.sharedAsync()
///         let engine = DockerEngine(socketPath: lab.socketPath)
///         let r = try lab.exec(inNamespace: lab.lanhostNamespace, ["curl", "-sf", "http://…"])
///     }
/// }
/// ```
public final class DockerLab: Sendable {
    /// The lab folder (`LAB_DIR`): the engine's data, logs, `lab.env`.
    public let directory: String
    /// The engine it runs.
    public let engine: LabEngine
    private let values: Mutex<[String: String]>

    /// Whether the lab can run here: root, `ip` and `dockerd` installed, the script present, and
    /// `AGENT_SKIP_DOCKER_LAB` unset. Use it to skip lab suites elsewhere.
    public static let isAvailable: Bool = isAvailable(.docker)

    /// Whether `engine`'s lab can run here: as ``isAvailable``, with `podman` installed for
    /// ``LabEngine/podman``.
    public static func isAvailable(_ engine: LabEngine) -> Bool {
        guard ProcessInfo.processInfo.environment["AGENT_SKIP_DOCKER_LAB"] == nil, getuid() == 0 else { return false }
        let fm = FileManager.default
        let binaries = engine == .docker ? ["/usr/sbin/dockerd", "/usr/bin/dockerd"] : ["/usr/bin/podman"]
        return fm.isExecutableFile(atPath: script) && binaries.contains(where: fm.isExecutableFile(atPath:))
            && ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].contains(where: fm.isExecutableFile(atPath:))
    }

    /// The package root (found from this file's path).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `scripts/lab/docker-lab`.
    public static let script = packageRoot + "/scripts/lab/docker-lab"

    private static let state = Mutex<[LabEngine: Result<DockerLab, DockerLabError>]>([:])

    /// The process's lab of `engine`, brought up on first use (a few seconds; other callers
    /// wait). Blocks the calling thread meanwhile: from async code prefer ``sharedAsync(_:)``.
    /// - Throws: ``DockerLabError`` when `up` failed (the same error for every later caller).
    public static func shared(_ engine: LabEngine = .docker) throws -> DockerLab {
        try state.withLock { s in
            let result = s[engine] ?? Result { () throws(DockerLabError) in try start(directory: directory(engine, getpid()), engine: engine) }
            s[engine] = result
            return try result.get()
        }
    }

    /// ``shared(_:)`` for async code: waits without blocking a thread of the cooperative pool
    /// (the lab comes up on a thread of its own).
    public static func sharedAsync(_ engine: LabEngine = .docker) async throws -> DockerLab {
        try await blocking { try shared(engine) }
    }

    /// Runs blocking fixture work (``restartDockerd()``, ``exec(inNamespace:_:timeout:)``, `up`)
    /// on a thread of its own, so that waiting on it does not hold one of the few threads of
    /// Swift's cooperative pool (two on a two-core machine) that every other test needs.
    public static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    private init(directory: String, engine: LabEngine, values: [String: String]) {
        self.directory = directory
        self.engine = engine
        self.values = Mutex(values)
    }

    // MARK: lab.env

    /// A `lab.env` value (as of the last `up` or ``restartDockerd()``).
    public func value(_ key: String) -> String? { values.withLock { $0[key] } }

    private func required(_ key: String) -> String { value(key) ?? "" }

    /// `DOCKER_HOST`, e.g. `unix:///tmp/agent-docker-lab-42/docker.sock`.
    public var dockerHost: String { required("DOCKER_HOST") }
    /// The engine's socket path.
    public var socketPath: String {
        let h = dockerHost
        return h.hasPrefix("unix://") ? String(h.dropFirst(7)) : h
    }
    /// The namespace dockerd runs in (`LAB_NS`).
    public var labNamespace: String { required("LAB_NS") }
    /// The namespace holding the LAN switch (`LAN_NS`).
    public var lanNamespace: String { required("LAN_NS") }
    /// The LAN host's namespace (`LANHOST_NS`).
    public var lanhostNamespace: String { required("LANHOST_NS") }
    /// The MACVLAN parent interface in the lab namespace (`LAB_PARENT`, `eth-lab`).
    public var parentInterface: String { required("LAB_PARENT") }
    /// The LAN's subnet (`LAN_SUBNET`, e.g. `192.168.77.0/24`).
    public var lanSubnet: String { required("LAN_SUBNET") }
    /// The LAN's gateway (`LAN_GATEWAY`).
    public var lanGateway: String { required("LAN_GATEWAY") }
    /// The LAN host's address (`LANHOST_IP`).
    public var lanhostIP: String { required("LANHOST_IP") }
    /// The stand-in runtime image's repository (`RUNTIME_IMAGE_REPO`).
    public var runtimeImageRepo: String { required("RUNTIME_IMAGE_REPO") }
    /// The stand-in runtime image, `<repo>:latest` (busybox httpd; as the real runtime, HTTPS with
    /// a self-signed certificate on 8443 and plain HTTP on 8080).
    public var runtimeImage: String { runtimeImageRepo + ":latest" }
    /// The engine's current PID (`DOCKERD_PID`: dockerd or the podman service).
    public var dockerdPID: Int32 { Int32(required("DOCKERD_PID")) ?? 0 }

    /// An address of the LAN subnet with the last octet `host` (e.g. 10 → `192.168.77.10`).
    public func lanAddress(_ host: Int) -> String {
        var octets = lanGateway.split(separator: ".").map(String.init)
        if !octets.isEmpty { octets[octets.count - 1] = String(host) }
        return octets.joined(separator: ".")
    }

    // MARK: actions

    /// Stops and starts the engine on the same data (`docker-lab restart-dockerd`); containers
    /// keep existing (dockerd: stopped unless they have a restart policy; Podman: running, under
    /// their conmon). Rereads `lab.env`.
    public func restartDockerd() throws {
        try CommandRunner.check([Self.script, "restart-dockerd", "--dir", directory], timeout: 90)
        let fresh = try Self.readEnv(directory + "/lab.env")
        values.withLock { $0 = fresh }
    }

    /// Starts dnsmasq on the LAN (`docker-lab dhcp-start`): pool network+100 … +120, router .1.
    public func dhcpStart() throws {
        try CommandRunner.check([Self.script, "dhcp-start", "--dir", directory], timeout: 30)
    }

    /// Moves the whole LAN to `cidr` (`docker-lab renumber`): gateway, the lab host's address on
    /// the MACVLAN parent, the LAN host, and dnsmasq's pool. Rereads `lab.env`.
    public func renumber(to cidr: String) throws {
        try CommandRunner.check([Self.script, "renumber", "--dir", directory, "--to", cidr], timeout: 30)
        let fresh = try Self.readEnv(directory + "/lab.env")
        values.withLock { $0 = fresh }
    }

    /// dnsmasq's lease file (one line per lease: expiry, MAC, IP, hostname, client id).
    public var dhcpLeases: String { (try? String(contentsOfFile: directory + "/dnsmasq.leases", encoding: .utf8)) ?? "" }

    /// Runs `argv` inside the network namespace `namespace` (`ip netns exec`).
    public func exec(inNamespace namespace: String, _ argv: [String], timeout: Double = 60) throws -> CommandResult {
        try CommandRunner.run(["ip", "netns", "exec", namespace] + argv, timeout: timeout)
    }

    /// Runs `argv` on the host (no namespace).
    public func run(_ argv: [String], timeout: Double = 60) throws -> CommandResult {
        try CommandRunner.run(argv, timeout: timeout)
    }

    /// An HTTP client for the lab engine's socket (raw Engine API calls in test setup).
    public func engineClient() -> HTTP1Client { HTTP1Client(target: .unixSocket(path: socketPath)) }

    /// A raw Engine API call (`/v1.41` prefixed unless `path` starts with `/v`; Podman serves the
    /// same Docker-compatible paths): for setting up and checking state independently of the
    /// code under test.
    public func engineAPI(_ method: String, _ path: String, json: JSONValue? = nil, timeout: Duration = .seconds(30))
        async throws -> (status: Int, json: JSONValue?)
    {
        var headers: HTTP1Headers = [:]
        var body = HTTP1RequestBody.none
        if let json {
            headers.add(name: "Content-Type", value: "application/json")
            body = .bytes(JSONWriter.bytes(json))
        }
        let target = path.hasPrefix("/v") ? path : "/v1.41" + path
        let r = try await engineClient().send(HTTP1Request(method: method, target: target, headers: headers, body: body), timeout: timeout)
        return (r.status, r.body.isEmpty ? nil : try? JSONParser.parse(r.body))
    }

    // MARK: lifecycle

    /// A lab of its own, for tests that must not share one: they restart the engine, or take the
    /// MACVLAN parent (Docker allows one macvlan network per parent). Take it down with
    /// ``down()``; the exit hook takes down any left behind.
    /// - Parameter name: distinguishes it (letters and digits).
    public static func dedicated(_ name: String, engine: LabEngine = .docker) throws -> DockerLab {
        try start(directory: directory(engine, getpid()) + "-" + name, engine: engine)
    }

    /// Takes the lab down (`docker-lab down`) and removes its folder. For ``dedicated(_:)`` labs;
    /// the shared one goes down at exit.
    public func down() {
        _ = try? CommandRunner.run([Self.script, "down", "--dir", directory], timeout: 90)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `/tmp/agent-<engine>-lab-<pid>` (short: the engine's socket paths live under it).
    private static func directory(_ engine: LabEngine, _ pid: Int32) -> String { "/tmp/agent-\(engine)-lab-\(pid)" }

    /// Installed once: at exit, takes down every lab of this process.
    private static let exitHook: Void = {
        atexit {
            let script = "for d in \"$1\" \"$1\"-* \"$2\" \"$2\"-*; do [ -d \"$d\" ] || continue; \"$3\" down --dir \"$d\" >/dev/null 2>&1; rm -rf \"$d\"; done"
            _ = try? CommandRunner.run(
                ["/bin/sh", "-c", script, "sh", "/tmp/agent-docker-lab-\(getpid())", "/tmp/agent-podman-lab-\(getpid())", DockerLab.script],
                timeout: 120)
        }
    }()

    private static func start(directory dir: String, engine: LabEngine) throws(DockerLabError) -> DockerLab {
        guard isAvailable(engine) else {
            throw DockerLabError("the \(engine) lab needs root, iproute2, \(engine == .docker ? "docker.io" : "podman") and \(script)")
        }
        reaper.withLock { done in
            if !done { reapAbandonedLabs() }
            done = true
        }
        exitHook
        do {
            let out = try CommandRunner.check([script, "up", "--dir", dir, "--engine", engine.rawValue], timeout: 180)
            let last = out.split(separator: "\n").last.map(String.init) ?? ""
            guard last == "READY \(dir)/lab.env" else { throw DockerLabError("docker-lab up printed no READY line: \(out)") }
            return DockerLab(directory: dir, engine: engine, values: try readEnv(dir + "/lab.env"))
        } catch let e as DockerLabError {
            throw e
        } catch {
            throw DockerLabError("docker-lab up failed: \(error)")
        }
    }

    private static let reaper = Mutex(false)

    /// Takes down labs of test processes that no longer exist (killed before their atexit ran).
    private static func reapAbandonedLabs() {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: "/tmp")) ?? [] {
            guard let prefix = ["agent-docker-lab-", "agent-podman-lab-"].first(where: { name.hasPrefix($0) }) else { continue }
            let digits = name.dropFirst(prefix.count).prefix { $0.isNumber }
            guard let pid = Int32(digits), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            let dir = "/tmp/" + name
            _ = try? CommandRunner.run([script, "down", "--dir", dir], timeout: 60)
            try? fm.removeItem(atPath: dir)
        }
    }

    /// Parses `KEY=value` lines.
    static func readEnv(_ path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw DockerLabError("cannot read \(path)") }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }
}
