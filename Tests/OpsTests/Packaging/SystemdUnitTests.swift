import Foundation
import LabSupport
import Testing

/// The systemd units (scripts/systemd/*.service): `systemd-analyze verify` in a scratch root that
/// holds the built agent and sidecar at their shipped paths (nothing is installed on this host),
/// `systemd-analyze security --offline` as a bound on their exposure, and the directives that
/// docs/security.md ("The systemd units") promises. About 1 s.
@Suite("Packaging: the systemd units")
struct SystemdUnitTests {
    static let unitDir = Packaging.packageRoot + "/scripts/systemd"
    static let units = ["orchestrator-agent.service", "autonomy-netmon.service"]

    /// A scratch root with the units at /usr/lib/systemd/system and the commands they name.
    func scratchRoot(_ edit: (String, String) -> String = { _, text in text }, leaveOut: String? = nil) throws -> String {
        let root = Installer.scratch("units")
        let fm = FileManager.default
        for dir in ["usr/lib/systemd/system", "usr/bin", "bin"] {
            try fm.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        }
        for unit in Self.units {
            let text = try String(contentsOfFile: Self.unitDir + "/" + unit, encoding: .utf8)
            try Data(edit(unit, text).utf8).write(to: URL(fileURLWithPath: root + "/usr/lib/systemd/system/" + unit))
        }
        let commands = [
            "/usr/bin/orchestrator-agent": Packaging.buildDirectory + "/orchestrator-agent",
            "/usr/bin/autonomy-netmon": Packaging.buildDirectory + "/autonomy-netmon",
            "/bin/busybox": "/bin/busybox", "/bin/kill": "/bin/kill", "/bin/mkdir": "/bin/mkdir", "/bin/sh": "/bin/sh",
        ]
        for (path, source) in commands where path != leaveOut {
            guard fm.isExecutableFile(atPath: source) else { throw InstallerTestError("\(source) is missing (build the products; apt-get install busybox-static)") }
            // The file itself (/bin/sh is a relative symlink to dash).
            try fm.copyItem(atPath: URL(fileURLWithPath: source).resolvingSymlinksInPath().path, toPath: root + path)
        }
        return root
    }

    func verify(_ root: String) throws -> CommandResult {
        try Installer.run(
            ["systemd-analyze", "verify", "--man=no", "--generators=no", "--recursive-errors=no", "--root=\(root)"]
                + Self.units.map { "\(root)/usr/lib/systemd/system/\($0)" })
    }

    @Test("systemd-analyze verify passes both units in a root holding the built binaries")
    func unitsVerify() throws {
        let r = try verify(try scratchRoot())
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stdout)\(r.stderr)")
    }

    @Test("verify is a real check: a missing executable and an unknown directive fail it")
    func verifyCatches() throws {
        let missing = try verify(try scratchRoot(leaveOut: "/usr/bin/orchestrator-agent"))
        #expect(missing.status != 0 && missing.stderr.contains("/usr/bin/orchestrator-agent"), "\(missing.stderr)")
        let typo = try verify(try scratchRoot { unit, text in
            unit == "autonomy-netmon.service" ? text.replacingOccurrences(of: "Restart=on-failure", with: "Restart=on-failure\nRestartSecs=2s") : text
        })
        #expect(typo.stderr.contains("RestartSecs"), "\(typo.stderr)")
    }

    @Test("exposure (systemd-analyze security --offline): the agent at most 2.5, the sidecar at most 6.5")
    func exposure() throws {
        let root = try scratchRoot()
        for (unit, threshold) in [("orchestrator-agent.service", 25), ("autonomy-netmon.service", 65)] {
            let r = try Installer.run([
                "systemd-analyze", "security", "--offline=yes", "--threshold=\(threshold)", "--root=\(root)",
                "\(root)/usr/lib/systemd/system/\(unit)",
            ])
            let overall = r.stdout.split(separator: "\n").last { $0.contains("Overall exposure level") } ?? ""
            #expect(r.status == 0, "\(unit): \(overall)")
        }
    }

    @Test("the directives docs/security.md promises")
    func directives() throws {
        func lines(_ unit: String) throws -> Set<String> {
            Set(try String(contentsOfFile: Self.unitDir + "/" + unit, encoding: .utf8).split(separator: "\n").map(String.init))
        }
        let agent = try lines("orchestrator-agent.service")
        for line in [
            "Type=notify", "NotifyAccess=main", "WatchdogSec=60s", "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID",
            "ExecStart=/usr/bin/orchestrator-agent run --config /etc/orchestrator-agent/site.json",
            "CapabilityBoundingSet=", "NoNewPrivileges=yes", "ProtectSystem=strict", "StateDirectory=orchestrator-agent",
            "LogsDirectory=orchestrator-agent", "After=network-online.target autonomy-netmon.service docker.service",
        ] {
            #expect(agent.contains(line), "orchestrator-agent.service lacks \(line)")
        }
        let netmon = try lines("autonomy-netmon.service")
        for line in [
            "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE CAP_SYS_ADMIN CAP_SYS_PTRACE CAP_CHOWN",
            "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/orchestrator", "Before=orchestrator-agent.service",
            "Restart=on-failure",
        ] {
            #expect(netmon.contains(line), "autonomy-netmon.service lacks \(line)")
        }
    }
}
