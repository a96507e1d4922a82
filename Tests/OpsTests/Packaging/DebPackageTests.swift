import AgentJSON
import Foundation
import LabSupport
import Synchronization
import Testing

/// The Debian package (scripts/package-deb) of the test build's layout: its contents and
/// conffile, lintian, and its life in a scratch root (`dpkg --root`: dpkg chroots into it to run
/// the maintainer scripts, so the root holds a static busybox for them and the system libraries
/// the agent loads): installed without and with enrolment asked for (the fake enrollment API),
/// the installed agent's `check`, an upgrade that keeps an edited conffile and the identity,
/// remove and purge. Nothing is installed on this host. Cost, serialized: ~1.5 min in a parallel
/// run (alone: package 5 s per version, lintian ~40 s reading the ~330 MB of debug binaries,
/// the scratch-root life ~20 s), besides the layouts the packaging suites share.
@Suite("Packaging: the Debian package", .serialized, .requires(Installer.canRun, "needs root, python3, openssl and curl"))
struct DebPackageTests {
    static let script = Packaging.packageRoot + "/scripts/package-deb"

    private static let built = Mutex<[String: String]>([:])

    /// `orchestrator-agent_<version>_<arch>.deb` from the layouts (gzip -1), built once per
    /// process and version.
    static func build(version: String) throws -> String {
        try built.withLock { cache in
            if let deb = cache[version] { return deb }
            let out = Installer.scratch("deb-\(version)")
            let stdout = try Packaging.run(
                [script, "--layout", try Packaging.agentLayout(), "--netmon-layout", try Packaging.netmonLayout(), "--version", version,
                 "--out", out, "--fast"], timeout: 300)
            guard let line = stdout.split(separator: "\n").last, line.hasPrefix("DEB ") else { throw PackagingError("no DEB line: \(stdout)") }
            cache[version] = String(line.dropFirst(4))
            return String(line.dropFirst(4))
        }
    }

    /// A scratch root dpkg can chroot into: an empty database, busybox for the scripts, the
    /// system libraries the agent loads (from ldd of the layout's binary), /tmp.
    static func scratchRoot() throws -> String {
        let root = Installer.scratch("dpkg-root")
        let fm = FileManager.default
        for dir in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "bin", "usr/bin", "sbin", "etc/default", "tmp", "proc"] {
            try fm.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        }
        chmod(root + "/tmp", 0o1777)
        for file in ["status", "available"] { fm.createFile(atPath: root + "/var/lib/dpkg/" + file, contents: Data()) }
        try fm.copyItem(atPath: "/bin/busybox", toPath: root + "/bin/busybox")
        for applet in ["sh", "sed", "tail", "rm", "rmdir", "mkdir", "chmod", "shred", "cat", "echo", "ls"] {
            try fm.createSymbolicLink(atPath: root + "/bin/" + applet, withDestinationPath: "busybox")
        }
        let ldd = try Installer.check(["ldd", try Packaging.agentLayout() + "/usr/bin/orchestrator-agent"])
        for line in ldd.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            let path = words.first { $0.hasPrefix("/") }.map(String.init)
            guard let path, !path.contains("/orchestrator-agent/") else { continue }
            let target = root + path
            try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try fm.copyItem(atPath: URL(fileURLWithPath: path).resolvingSymlinksInPath().path, toPath: target)
        }
        return root
    }

    /// Runs `argv` in a private mount namespace with /proc mounted in the root (the dynamic
    /// loader finds the agent's `$ORIGIN` run path through /proc/self/exe; nothing of it is seen
    /// outside the namespace).
    static func withProc(_ root: String, _ argv: [String]) throws -> CommandResult {
        let command = "mount -t proc proc '\(root)/proc' && exec \"$@\""
        return try Installer.run(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", command, "sh"] + argv, timeout: 300)
    }

    static func dpkg(_ root: String, _ args: [String]) throws -> CommandResult {
        try withProc(root, ["dpkg", "--root=\(root)", "--force-depends", "--force-confold"] + args)
    }

    @Test("the contents: binaries, plugins pinned in the conffile site.json, units, the SDK, docs; Depends from ldd")
    func contents() throws {
        let deb = try Self.build(version: "0.2.0")
        let listing = try Installer.check(["dpkg-deb", "-c", deb])
        for path in [
            "./usr/bin/orchestrator-agent", "./usr/bin/autonomy-netmon", "./etc/orchestrator-agent/site.json",
            "./lib/systemd/system/orchestrator-agent.service", "./lib/systemd/system/autonomy-netmon.service",
            "./usr/share/orchestrator-agent/sdk/CAgentABI/include/agent_plugin.h", "./usr/share/orchestrator-agent/sdk/Package.swift",
            "./usr/share/doc/orchestrator-agent/copyright", "./usr/share/man/man8/orchestrator-agent.8.gz",
        ] {
            #expect(listing.contains(path), "missing \(path)")
        }
        for product in Packaging.pluginProducts { #expect(listing.contains("./usr/lib/orchestrator-agent/plugins/lib\(product).so")) }
        // The Podman driver is shipped and pinned in the conffile, denied: Docker is the default engine.
        let tree = Installer.scratch("deb-tree")
        try Installer.check(["dpkg-deb", "-x", deb, tree])
        let site = try #require(try Packaging.readJSON(tree + "/etc/orchestrator-agent/site.json").objectValue)
        let load = site["plugins"]?.objectValue?["load"]?.arrayValue?.compactMap(\.objectValue) ?? []
        let podman = try #require(load.first { $0["id"] == "io.autonomy.podman" }, "no Podman entry in \(load)")
        #expect(podman["path"] == "/usr/lib/orchestrator-agent/plugins/libagent-podman.so")
        #expect(try podman["sha256"]?.stringValue == Packaging.sha256(tree + "/usr/lib/orchestrator-agent/plugins/libagent-podman.so"))
        #expect(load.contains { $0["id"] == "io.autonomy.docker" })
        #expect(site["plugins"]?.objectValue?["deny"] == ["io.autonomy.podman"], "\(String(describing: site["plugins"]))")
        let control = Installer.scratch("control")
        try Installer.check(["dpkg-deb", "-e", deb, control])
        #expect(try Installer.read(control + "/conffiles") == "/etc/orchestrator-agent/site.json\n")
        let depends = try Installer.check(["dpkg-deb", "-f", deb, "Depends"])
        #expect(depends.contains("libc6 (>= 2.36)") && depends.contains("libstdc++6") && depends.contains("busybox-static | busybox"), "\(depends)")
    }

    @Test("lintian: no error or warning (the debug layout's unstripped binaries aside: the release layout is stripped)")
    func lintian() throws {
        let deb = try Self.build(version: "0.2.0")
        let r = try Installer.run(["lintian", "--no-cfg", "--suppress-tags", "unstripped-binary-or-object", deb], timeout: 300)
        let findings = r.stdout.split(separator: "\n").filter { $0.hasPrefix("E:") || $0.hasPrefix("W:") }
        #expect(r.status == 0 && findings.isEmpty, "\(r.stdout)\(r.stderr)")
    }

    @Test("install (enrolment only when asked), check from the installed tree, upgrade keeping the conffile and the key, remove, purge")
    func lifecycle() async throws {
        let (first, second) = (try Self.build(version: "0.2.0"), try Self.build(version: "0.2.1"))

        // Not asked: installed, no key made, nothing started (no systemd in a scratch root).
        let quiet = try Self.scratchRoot()
        let plain = try Self.dpkg(quiet, ["-i", first])
        #expect(plain.status == 0, "\(plain.stdout)\(plain.stderr)")
        #expect(FileManager.default.isExecutableFile(atPath: quiet + "/usr/bin/orchestrator-agent"))
        #expect(try Installer.files(quiet + "/etc/orchestrator-agent/mtls") == [], "no enrolment unless asked")
        #expect(try Installer.modeOwner(quiet + "/var/lib/orchestrator-agent") == "700 0:0")

        // Asked (ENROLL_API_BASE in /etc/default/orchestrator-agent): the postinst enrols.
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let root = try Self.scratchRoot()
        try FileManager.default.copyItem(atPath: try Installer.pki() + "/ca.pem", toPath: root + "/etc/enroll-ca.pem")
        try Data("ENROLL_API_BASE=\(server.apiBase())\nENROLL_ARGS=--ca-file /etc/enroll-ca.pem --key-type ec\n".utf8)
            .write(to: URL(fileURLWithPath: root + "/etc/default/orchestrator-agent"))
        let installed = try Self.dpkg(root, ["-i", first])
        #expect(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
        let mtls = root + "/etc/orchestrator-agent/mtls"
        #expect(try Installer.files(mtls) == ["client.crt", "client.key", "issuer-ca.pem"])
        #expect(try Installer.modeOwner(mtls + "/client.key") == "600 0:0")

        // The agent from the installed tree, in the root: config, certificate, plugin pins and store pass.
        let check = try Self.withProc(root, ["chroot", root, "/usr/bin/orchestrator-agent", "check", "--config", "/etc/orchestrator-agent/site.json", "--json",
             "--cloud-timeout", "1", "--client-ca", "/etc/enroll-ca.pem"])
        let items = try JSONParser.parse(check.stdout).arrayValue ?? []
        func statuses(_ item: String) -> [String] {
            items.filter { jsonAt($0, "item")?.stringValue == item }.compactMap { jsonAt($0, "status")?.stringValue }
        }
        #expect(statuses("config") == ["ok"], "\(check.stdout)\(check.stderr)")
        #expect(statuses("certificates") == ["ok"], "\(check.stdout)")
        // One per pinned plugin: the denied Podman driver is ok too ("denied by plugins.deny, not loaded").
        #expect(statuses("plugins") == Array(repeating: "ok", count: Packaging.pluginProducts.count), "\(check.stdout)")
        #expect(statuses("store").allSatisfy { $0 == "ok" } && !statuses("store").isEmpty, "\(check.stdout)")

        // Upgrade: the edited conffile and the identity stay; the new version is recorded.
        let site = root + "/etc/orchestrator-agent/site.json"
        var edited = try Installer.readJSON(site).objectValue ?? [:]
        edited["request_timeout_ms"] = .number(12_345)
        try Data(JSONWriter.bytes(.object(edited))).write(to: URL(fileURLWithPath: site))
        let key = try Installer.read(mtls + "/client.key")
        let upgraded = try Self.dpkg(root, ["-i", second])
        #expect(upgraded.status == 0, "\(upgraded.stdout)\(upgraded.stderr)")
        #expect(jsonAt(try Installer.readJSON(site), "request_timeout_ms")?.numberValue == 12_345, "the edited conffile is kept")
        #expect(try Installer.read(mtls + "/client.key") == key, "no new enrolment over an installed pair")
        #expect(try Installer.check(["dpkg-query", "--admindir=\(root)/var/lib/dpkg", "-W", "-f", "${Version}", "orchestrator-agent"]) == "0.2.1")

        // Remove: the programs go; the conffile, the identity and the state stay.
        #expect(try Self.dpkg(root, ["-r", "orchestrator-agent"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: root + "/usr/bin/orchestrator-agent"))
        #expect(!FileManager.default.fileExists(atPath: root + "/lib/systemd/system/orchestrator-agent.service"))
        #expect(FileManager.default.fileExists(atPath: site) && FileManager.default.fileExists(atPath: mtls + "/client.key"))
        #expect(FileManager.default.fileExists(atPath: root + "/var/lib/orchestrator-agent"))

        // Purge: the identity, the config, the state, the logs and the sidecar's folder go.
        #expect(try Self.dpkg(root, ["-P", "orchestrator-agent"]).status == 0)
        for gone in ["/etc/orchestrator-agent", "/var/lib/orchestrator-agent", "/var/log/orchestrator-agent", "/var/orchestrator",
                     "/usr/lib/orchestrator-agent", "/usr/share/orchestrator-agent"] {
            #expect(!FileManager.default.fileExists(atPath: root + gone), "\(gone) is left after purge")
        }
        let status = try Installer.run(["dpkg-query", "--admindir=\(root)/var/lib/dpkg", "-W", "orchestrator-agent"])
        #expect(status.status != 0, "purged: dpkg knows it no more: \(status.stdout)")
    }
}
