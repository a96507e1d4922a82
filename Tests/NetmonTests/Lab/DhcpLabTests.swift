import AgentJSON
import Foundation
import LabSupport
import Testing

/// A plant LAN without Docker: netns `lan` with a bridge and dnsmasq (DHCP only), and a
/// "container" netns holding one veth end with a known MAC plus a long-running process whose PID
/// plays the container's.
final class DhcpLab: @unchecked Sendable {
    static let mac = "02:aa:bb:cc:dd:01"
    let lan: Netns
    let container: Netns
    let dir: TempDir
    let dnsmasq: BackgroundProcess
    let sleeper: BackgroundProcess
    /// Root of the "container" when it has its own (a chroot with a static busybox), else nil.
    let root: String?

    /// - Parameter ownRoot: run the sleeper chrooted into a private root (so it has its own
    ///   /etc/resolv.conf), else in the test's root (shares the host's /etc/resolv.conf).
    init(_ tag: String, ownRoot: Bool) throws {
        lan = try Netns(tag + "l")
        container = try Netns(tag + "c")
        dir = try TempDir(tag)
        try lan.ip("link", "add", "br0", "type", "bridge")
        try lan.ip("addr", "add", "192.168.77.1/24", "dev", "br0")
        try lan.ip("link", "set", "br0", "up")
        try lan.ip("link", "add", "lanp0", "type", "veth", "peer", "name", "vnic0", "netns", container.name)
        try lan.ip("link", "set", "lanp0", "master", "br0")
        try lan.ip("link", "set", "lanp0", "up")
        try container.ip("link", "set", "vnic0", "address", Self.mac)
        let d = dir.path
        dnsmasq = try BackgroundProcess(
            [
                "ip", "netns", "exec", lan.name, "/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
                "--interface=br0", "--bind-interfaces", "--except-interface=lo", "--no-ping", "--user=root",
                "--dhcp-range=192.168.77.100,192.168.77.120,255.255.255.0,1h", "--dhcp-option=option:router,192.168.77.1",
                "--dhcp-option=option:dns-server,192.168.77.53", "--dhcp-option=option:domain-name,plant.test",
                "--dhcp-leasefile=\(d)/dnsmasq.leases", "--pid-file=\(d)/dnsmasq.pid", "--log-dhcp", "--log-facility=\(d)/dnsmasq.log",
            ], log: d + "/dnsmasq.out")
        if ownRoot {
            let r = d + "/root"
            for sub in ["/bin", "/etc", "/proc"] { try FileManager.default.createDirectory(atPath: r + sub, withIntermediateDirectories: true) }
            try FileManager.default.copyItem(atPath: "/usr/bin/busybox", toPath: r + "/bin/busybox")
            try "nameserver 127.0.0.1\n".write(toFile: r + "/etc/resolv.conf", atomically: false, encoding: .utf8)
            root = r
            sleeper = try BackgroundProcess(
                ["ip", "netns", "exec", container.name, "chroot", r, "/bin/busybox", "sleep", "600"], log: d + "/sleeper.log")
        } else {
            root = nil
            sleeper = try BackgroundProcess(["ip", "netns", "exec", container.name, "sleep", "600"], log: d + "/sleeper.log")
        }
        // The sleeper is in the container's namespace once `ip netns exec` has switched to it.
        let pid = sleeper.pid
        let name = container.name
        guard eventually(10, { sameFile("/proc/\(pid)/ns/net", "/run/netns/\(name)") }) else {
            throw DockerLabError("the sleeper did not enter \(container.name)")
        }
    }

    func startRequest(id: String) -> String {
        #"{"command":"start_dhcp","id":"\#(id)","container_name":"plc1","vnic_name":"eth0","mac_address":"02:AA:BB:CC:DD:01","container_pid":\#(sleeper.pid)}"#
    }

    func teardown() {
        sleeper.stop(signal: SIGKILL)
        dnsmasq.stop()
        container.delete()
        lan.delete()
    }

    deinit { teardown() }
}

/// Whether two paths name the same file (device and inode, following links).
func sameFile(_ a: String, _ b: String) -> Bool {
    var sa = stat()
    var sb = stat()
    guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
}

/// The bytes and inode of the host's /etc/resolv.conf (it must never change).
func hostResolvConf() -> (Data?, UInt64) {
    var st = stat()
    _ = stat("/etc/resolv.conf", &st)
    return (FileManager.default.contents(atPath: "/etc/resolv.conf"), UInt64(st.st_ino) ^ UInt64(st.st_mtim.tv_sec) << 20 ^ UInt64(st.st_mtim.tv_nsec))
}

extension NetmonLabTests {
    @Suite struct DHCP {
        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func boundThenContainerExitStopsTheClient() async throws { try await DockerLab.blocking { try Self().boundThenContainerExitStopsTheClientBody() } }
        func boundThenContainerExitStopsTheClientBody() throws {
            let before = hostResolvConf()
            let lan = try DhcpLab("dh", ownRoot: true)
            defer { lan.teardown() }
            let lab = try SidecarLab("dhs")
            defer { lab.shutdown() }
            let (c, _) = try lab.connect()

            try c.send(lan.startRequest(id: "start"))
            let started = try #require(c.reply(id: "start", timeout: 15), "\(c.seen)\n\(lab.process.log)")
            #expect(started["success"] == true, "\(started)")
            #expect(started["interface"] == "vnic0")

            let bound = try #require(
                c.event("dhcp_update", timeout: 30) { $0.string("event") == "bound" }, "\(c.seen)\n\(lab.process.log)")
            let ip = try #require(bound.string("ip"))
            let last = Int(ip.split(separator: ".").last ?? "") ?? 0
            #expect(ip.hasPrefix("192.168.77.") && (100...120).contains(last), "\(ip)")
            #expect(bound["container_name"] == "plc1")
            #expect(bound["vnic_name"] == "eth0")
            #expect(bound["mac_address"] == .string(DhcpLab.mac))
            #expect(bound["interface"] == "vnic0")
            #expect(bound["gateway"] == "192.168.77.1")
            #expect(bound["prefix"] == 24)
            #expect(bound["mask"] == "255.255.255.0")
            #expect(bound["dns"] == "192.168.77.53")
            #expect(bound["lease_time"] == 3600)

            // The address and default route exist in the container's namespace.
            #expect(try lan.container.ip("-4", "addr", "show", "dev", "vnic0").contains("inet \(ip)/24"))
            #expect(try lan.container.ip("route", "show", "default").contains("default via 192.168.77.1 dev vnic0"))
            // The container's resolv.conf (its own root) was written; the host's was not touched.
            let resolv = try String(contentsOfFile: try #require(lan.root) + "/etc/resolv.conf", encoding: .utf8)
            #expect(resolv.contains("nameserver 192.168.77.53"), "\(resolv)")
            #expect(resolv.contains("search plant.test"))
            let after = hostResolvConf()
            #expect(after.0 == before.0)
            #expect(after.1 == before.1)
            // The lease file, upstream's name and keys.
            let leaseText = try String(contentsOfFile: lab.stateDir + "/dhcp/plc1_eth0.lease", encoding: .utf8)
            let leaseFile = try #require(try JSONParser.parse(leaseText).objectValue)
            #expect(leaseFile["ip"] == .string(ip))
            #expect(leaseFile["event"] == "bound")
            #expect(leaseFile["router"] == "192.168.77.1")

            // Idempotent: the same key and pid again is "already running".
            try c.send(lan.startRequest(id: "again"))
            #expect(c.reply(id: "again")?["message"] == "already running")

            try c.send(#"{"command":"get_dhcp_status","id":"st"}"#)
            let status = try #require(c.reply(id: "st"))
            let entry = try #require(status["clients"]?.arrayValue?.first?.objectValue, "\(status)")
            #expect(entry["running"] == true)
            #expect(entry["ip"] == .string(ip))
            #expect(entry["container_pid"] == .number(Double(lan.sleeper.pid)))
            let udhcpc = pid_t(try #require(entry["client_pid"]?.numberValue))
            #expect(processAlive(udhcpc))

            // The container exits: stopped/container_exited, and the client is gone (reaped, no zombie).
            lan.sleeper.stop(signal: SIGKILL)
            let stopped = c.event("dhcp_update", timeout: 15) { $0.string("event") == "stopped" }
            #expect(stopped?["error"] == "container_exited", "\(c.seen)")
            #expect(eventually(10) { !FileManager.default.fileExists(atPath: "/proc/\(udhcpc)") }, "udhcpc \(udhcpc) still there")
            try c.send(#"{"command":"get_dhcp_status","id":"st2"}"#)
            #expect(c.reply(id: "st2")?["clients"] == .array([]))
            try c.send(#"{"command":"renew_dhcp","id":"rn","container_name":"plc1","vnic_name":"eth0"}"#)
            #expect(c.reply(id: "rn")?.string("code") == "not_running")
        }

        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func stopDhcpEndsARunningClientAndResolvConfIsNeverTheHosts() async throws { try await DockerLab.blocking { try Self().stopDhcpEndsARunningClientAndResolvConfIsNeverTheHostsBody() } }
        func stopDhcpEndsARunningClientAndResolvConfIsNeverTheHostsBody() throws {
            let before = hostResolvConf()
            let lan = try DhcpLab("ds", ownRoot: false)  // shares the test's root: the hook must not write resolv.conf
            defer { lan.teardown() }
            let lab = try SidecarLab("dss")
            defer { lab.shutdown() }
            let (c, _) = try lab.connect()

            try c.send(lan.startRequest(id: "start"))
            #expect(c.reply(id: "start", timeout: 15)?["success"] == true, "\(c.seen)")
            let bound = c.event("dhcp_update", timeout: 30) { $0.string("event") == "bound" }
            #expect(bound?.string("ip") != nil, "\(c.seen)\n\(lab.process.log)")
            let after = hostResolvConf()
            #expect(after.0 == before.0)
            #expect(after.1 == before.1)
            #expect(lab.process.log.contains("resolv.conf not written"))

            try c.send(#"{"command":"get_dhcp_status","id":"st"}"#)
            let entry = c.reply(id: "st")?["clients"]?.arrayValue?.first?.objectValue
            let udhcpc = pid_t(try #require(entry?["client_pid"]?.numberValue, "\(c.seen)"))
            #expect(processAlive(udhcpc))

            try c.send(#"{"command":"renew_dhcp","id":"rn","container_name":"plc1","vnic_name":"eth0"}"#)
            #expect(c.reply(id: "rn")?["success"] == true)

            try c.send(#"{"command":"stop_dhcp","id":"stop","container_name":"plc1","vnic_name":"eth0"}"#)
            let stop = c.reply(id: "stop", timeout: 10)
            #expect(stop?["message"] == "stopped", "\(c.seen)")
            // Answered after the client was reaped.
            #expect(!FileManager.default.fileExists(atPath: "/proc/\(udhcpc)"))
            #expect(c.received("dhcp_update") { $0.string("event") == "stopped" && $0["error"] == nil }, "\(c.seen)")
            try c.send(#"{"command":"stop_dhcp","id":"stop2","container_name":"plc1","vnic_name":"eth0"}"#)
            #expect(c.reply(id: "stop2")?["message"] == "not running")
            #expect(lan.sleeper.isRunning)
        }

        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func clientKilledWhileContainerLivesIsRestarted() async throws { try await DockerLab.blocking { try Self().clientKilledWhileContainerLivesIsRestartedBody() } }
        func clientKilledWhileContainerLivesIsRestartedBody() throws {
            let lan = try DhcpLab("dr", ownRoot: false)
            defer { lan.teardown() }
            let lab = try SidecarLab("drs")
            defer { lab.shutdown() }
            let (c, _) = try lab.connect()
            try c.send(lan.startRequest(id: "start"))
            #expect(c.reply(id: "start", timeout: 15)?["success"] == true, "\(c.seen)")
            #expect(c.event("dhcp_update", timeout: 30) { $0.string("event") == "bound" } != nil, "\(c.seen)")
            try c.send(#"{"command":"get_dhcp_status","id":"a"}"#)
            let first = pid_t(try #require(c.reply(id: "a")?["clients"]?.arrayValue?.first?.objectValue?["client_pid"]?.numberValue))
            kill(first, SIGKILL)
            // Back-off 1 s, then a new udhcpc that binds again.
            #expect(c.event("dhcp_update", timeout: 30) { $0.string("event") == "bound" } != nil, "\(c.seen)\n\(lab.process.log)")
            try c.send(#"{"command":"get_dhcp_status","id":"b"}"#)
            let second = c.reply(id: "b")?["clients"]?.arrayValue?.first?.objectValue?["client_pid"]?.numberValue
            #expect(second != nil && pid_t(second!) != first)
            #expect(!FileManager.default.fileExists(atPath: "/proc/\(first)"))  // reaped

            // SIGTERM to the sidecar stops the running client too, and it exits 0.
            let status = lab.shutdown()
            #expect(status.map { $0 & 0x7f == 0 && ($0 >> 8) & 0xff == 0 } == true, "\(String(describing: status))")
            if let second { #expect(!FileManager.default.fileExists(atPath: "/proc/\(pid_t(second))")) }
            #expect(lab.process.log.contains("stopping 1 DHCP client(s)"))
        }
    }
}
