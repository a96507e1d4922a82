import NetmonCore
import Testing

@Suite struct OptionsTests {
    @Test func defaults() throws {
        let o = try NetmonOptions.parse([])
        #expect(o.socketPath == "/var/orchestrator/netmon.sock")
        #expect(o.stateDir == "/var/orchestrator")
        #expect(o.debounceMs == 300)
        #expect(o.resyncSeconds == 30)
        #expect(o.agentUID == nil)
        #expect(o.logLevel == .info)
    }

    @Test func everyFlag() throws {
        let o = try NetmonOptions.parse([
            "--socket", "/run/n.sock", "--state-dir=/tmp/s", "--agent-uid", "1000", "--socket-group", "990",
            "--debounce-ms", "0", "--resync-s=5", "--busybox", "/bin/busybox", "--log-level", "debug",
        ])
        #expect(o.socketPath == "/run/n.sock")
        #expect(o.stateDir == "/tmp/s")
        #expect(o.agentUID == 1000)
        #expect(o.socketGroup == 990)
        #expect(o.debounceMs == 0)
        #expect(o.resyncSeconds == 5)
        #expect(o.busybox == "/bin/busybox")
        #expect(o.logLevel == .debug)
        #expect(try NetmonOptions.parse(["--state-dir", "/srv"]).socketPath == "/srv/netmon.sock")
    }

    @Test func deviceRoots() throws {
        let d = try NetmonOptions.parse([])
        #expect(d.sysfsRoot == "/sys" && d.devRoot == "/dev" && !d.testDevices)
        let o = try NetmonOptions.parse(["--sysfs-root", "/tmp/sys", "--dev-root=/tmp/dev", "--test-devices"])
        #expect(o.sysfsRoot == "/tmp/sys")
        #expect(o.devRoot == "/tmp/dev")
        #expect(o.testDevices)
        #expect(throws: NetmonOptions.UsageError.self) { try NetmonOptions.parse(["--sysfs-root"]) }
    }

    @Test func badFlags() {
        for args in [
            ["--nope"], ["--socket"], ["--agent-uid", "-1"], ["--debounce-ms", "abc"], ["--log-level", "loud"],
            ["--busybox", "busybox"], ["--resync-s", "999999"], ["--socket", "/" + String(repeating: "x", count: 120)],
        ] {
            #expect(throws: NetmonOptions.UsageError.self, "\(args)") { try NetmonOptions.parse(args) }
        }
    }
}
