import AgentJSON
import Foundation
import LabSupport
import Testing

/// Serial passthrough (docs/runtime-containers.md, "Serial ports") with the real agent, the real
/// sidecar (started with `--test-devices`, so a test can hot-plug a device into its table) and
/// the lab's engine: the "device" is a pseudo-terminal pair made by the test, its slave the host
/// node. The node in the container is made by the sidecar (`bind_device_node`); the test
/// only looks inside with `docker exec` against the lab engine (Podman's serves the same API).
/// On Docker and on Podman from one definition.
extension VPLCLab {
@Suite("serial passthrough of a hot-plugged pty")
struct Serial {
    /// A pseudo-terminal pair in raw mode; the test keeps both ends open.
    final class PtyPair: @unchecked Sendable {
        let master: Int32
        let slave: Int32
        let slavePath: String
        let minor: Int

        /// glibc's pty calls, which the Glibc module does not export.
        private static func libc<T>(_ name: String, as type: T.Type) throws -> T {
            guard let symbol = dlsym(dlopen(nil, RTLD_NOW), name) else {
                throw LabError("\(name) not found in libc")
            }
            return unsafeBitCast(symbol, to: type)
        }

        init() throws {
            typealias IntFn = @convention(c) (Int32) -> Int32
            typealias NameFn = @convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int32
            let openpt = try Self.libc("posix_openpt", as: IntFn.self)
            let grant = try Self.libc("grantpt", as: IntFn.self)
            let unlock = try Self.libc("unlockpt", as: IntFn.self)
            let name = try Self.libc("ptsname_r", as: NameFn.self)
            master = openpt(O_RDWR | O_NOCTTY)
            var buffer = [CChar](repeating: 0, count: 128)
            guard master >= 0, grant(master) == 0, unlock(master) == 0, name(master, &buffer, buffer.count) == 0 else {
                throw LabError("posix_openpt: errno \(errno)")
            }
            slavePath = String(cString: buffer)
            slave = open(slavePath, O_RDWR | O_NOCTTY)
            guard slave >= 0 else { throw LabError("open \(slavePath): errno \(errno)") }
            var t = termios()
            tcgetattr(slave, &t)
            cfmakeraw(&t)
            tcsetattr(slave, TCSANOW, &t)
            var st = stat()
            stat(slavePath, &st)
            minor = Int(st.st_rdev & 0xff) | Int((st.st_rdev >> 12) & 0xfff00)
        }

        /// Writes to the master: the container reads it from its node.
        func send(_ text: String) {
            let b = Array(text.utf8)
            _ = b.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
        }

        /// Reads from the master until `count` bytes came or `seconds` passed.
        func receive(_ count: Int, seconds: Double = 10) -> String {
            var got: [UInt8] = []
            let deadline = Date().addingTimeInterval(seconds)
            while got.count < count, Date() < deadline {
                var p = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 100) > 0 else { continue }
                var chunk = [UInt8](repeating: 0, count: 256)
                let n = chunk.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                if n > 0 { got += chunk[0..<n] }
            }
            return String(decoding: got, as: UTF8.self)
        }

        deinit {
            close(slave)
            close(master)
        }
    }

    /// The lines of `devices.list` of the cgroup v1 devices controller that process `pid` is in
    /// (the lab's hosts mount it at /sys/fs/cgroup/devices).
    static func deviceRules(pid: Int) throws -> Set<String> {
        let cgroups = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
        guard let line = cgroups.split(separator: "\n").first(where: { $0.split(separator: ":").dropFirst().first == "devices" }),
            let path = line.split(separator: ":", maxSplits: 2).last
        else { throw LabError("no devices cgroup for \(pid): \(cgroups)") }
        let list = try String(contentsOfFile: "/sys/fs/cgroup/devices\(path)/devices.list", encoding: .utf8)
        return Set(list.split(separator: "\n").map(String.init))
    }

    @Test("a vPLC talks through the node the agent made; unplug → disconnected, re-plug on a new pty → connected, no restart", arguments: LabEngine.allCases)
    func hotPlug(engine: LabEngine) async throws {
        let h = try await VPLCHarness(engine: engine, netmon: true, sidecarArguments: ["--test-devices"])
        defer { h.stop() }
        let sidecar = try #require(h.sidecar)
        let lab = h.lab
        let device = uniqueDevice("ser")
        let byID = "/dev/serial/by-id/lab-pty-\(device)"
        let node = "/dev/ttyPLC0"
        func plug(_ pty: PtyPair) async throws {
            let reply = try await DockerLab.blocking {
                try sidecar.command([
                    "command": "test_add_device",
                    "device": ["path": .string(pty.slavePath), "major": 136, "minor": .number(Double(pty.minor)), "by_id": .string(byID)],
                ])
            }
            #expect(reply["success"] == true, "\(reply)")
        }
        func port(_ status: JSONObject) -> JSONObject { status["serial_ports"]?.arrayValue?.first?.objectValue ?? [:] }
        func inContainer(_ script: String) async throws -> CommandResult {
            try await DockerLab.blocking {
                try lab.run(["docker", "-H", "unix://" + lab.socketPath, "exec", device, "sh", "-c", script], timeout: 30)
            }
        }
        /// Host → container and container → host through the node.
        func exchange(_ pty: PtyPair, _ tag: String) async throws {
            pty.send("h2c-\(tag)\n")
            let read = try await inContainer("timeout 5 head -c \(5 + tag.count) \(node)")
            #expect(read.stdout == "h2c-\(tag)\n", "container read: \(read.stdout) \(read.stderr)")
            let wrote = try await inContainer("printf 'c2h-\(tag)\\n' > \(node)")
            #expect(wrote.succeeded, "\(wrote.stderr)")
            let got = try await DockerLab.blocking { pty.receive(5 + tag.count) }
            #expect(got == "c2h-\(tag)\n", "host read: \(got)")
        }

        let first = try PtyPair()
        try await plug(first)
        // get_serial_devices: the listener's cache of the sidecar's events.
        let listed = try await h.cloud.waitUntil(seconds: 10) {
            let answer = try await h.call("get_serial_devices", [:])
            return answer["devices"]?.arrayValue?.contains { $0.objectValue?["device_id"]?.stringValue == byID } == true
        }
        #expect(listed, "get_serial_devices never listed \(byID)")
        var create = ["container_name": JSONValue.string(device), "vnic_configs": []] as JSONObject
        create["serial_configs"] = [["name": "rs485", "device_id": .string("lab-pty-\(device)"), "container_path": .string(node)]]
        let (ack, end) = try await h.operate("create_new_runtime", create)
        #expect(ack["serial_configs_count"] == 1)
        #expect(end["status"] == "succeeded", "\(end)")
        let connected = try await h.waitStatus(device) { port($0)["status"] == "connected" }
        #expect(port(connected)["current_host_path"]?.stringValue == first.slavePath, "\(connected)")
        // The pty's major is allowed because the device was known at create: in the container's
        // devices cgroup on both engines (Podman's compatible inspect does not list the rules).
        if engine == .docker {
            let rules = try await lab.engineAPI("GET", "/containers/\(device)/json").json?.objectValue?["HostConfig"]?.objectValue?["DeviceCgroupRules"]
            #expect(rules == ["c 188:* rmw", "c 166:* rmw", "c 4:* rmw", "c 136:* rmw"], "\(String(describing: rules))")
        }
        let pid = try #require(try await h.engineState(device)?["Pid"]?.numberValue)
        let allowed = try Self.deviceRules(pid: Int(pid))
        #expect(Set(["c 188:* rwm", "c 166:* rwm", "c 4:* rwm", "c 136:* rwm"]).isSubset(of: allowed), "devices.list: \(allowed.sorted())")
        let listing = try await inContainer("ls -l \(node)")
        #expect(listing.stdout.hasPrefix("c"), "\(listing.stdout)")
        let fields = listing.stdout.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        #expect(fields.count > 5 && fields[4] == "136" && fields[5] == String(first.minor), "\(listing.stdout)")
        try await exchange(first, "one")
        let before = try #require(try await h.engineState(device))

        // Unplugged: reported disconnected, the node is gone from the container.
        let unplugged = ContinuousClock.now
        let gone = try await DockerLab.blocking { try sidecar.command(["command": "test_remove_device", "path": .string(first.slavePath)]) }
        #expect(gone["success"] == true, "\(gone)")
        let disconnected = try await h.waitStatus(device) { port($0)["status"] == "disconnected" }
        print("serial: unplug → disconnected in get_device_status after \(ContinuousClock.now - unplugged)")
        #expect(port(disconnected)["current_host_path"] == nil, "\(disconnected)")
        #expect(try await inContainer("test -e \(node)").succeeded == false, "the node outlived the unplug")

        // Re-plugged on another pty: connected with the new host path, data flows again.
        let second = try PtyPair()
        let replugged = ContinuousClock.now
        try await plug(second)
        let back = try await h.waitStatus(device) { port($0)["current_host_path"]?.stringValue == second.slavePath }
        print("serial: re-plug → connected in get_device_status after \(ContinuousClock.now - replugged)")
        #expect(port(back)["status"] == "connected", "\(back)")
        try await exchange(second, "two")
        let after = try #require(try await h.engineState(device))
        #expect(after["StartedAt"] == before["StartedAt"], "the vPLC was restarted")
        #expect(try await lab.engineAPI("GET", "/containers/\(device)/json").json?.objectValue?["RestartCount"] == 0)
        #expect(back["restart_count"] == 0)

        // Every status change reached the cloud as serial_port_update.
        let events = try await h.cloud.events(named: "serial_port_update").compactMap { $0["args"]?.arrayValue?.first?.objectValue }
        let mine = events.filter { $0["device_id"]?.stringValue == device }.compactMap { $0["status"]?.stringValue }
        #expect(mine == ["connected", "disconnected", "connected"], "\(events)")
        try await h.deleteExpectingNothingLeft(device)
    }
}
}
