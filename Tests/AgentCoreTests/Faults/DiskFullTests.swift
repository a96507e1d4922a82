import AgentJSON
import Foundation
import LabSupport
import Testing

extension Faults {
/// Scenario 5: the agent's state folder on a 2 MiB tmpfs that the test fills up.
@Suite("state store filesystem full")
struct DiskFull {
    @Test("state dir on a full 2 MiB tmpfs: every mutating command is refused with a typed error, nothing is made in Docker, no crash; after space is freed the same commands work; invariants")
    func storeFilesystemFull() async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("fdisk") }
        defer { lab.down() }
        let h = try await VPLCHarness(lab: lab)
        defer { h.stop() }
        let ledger = CommandLedger()
        let calm = uniqueDevice("calm"), fresh = uniqueDevice("fresh")
        try await h.faultCreate(ledger, calm, host: 100)

        // The agent restarts on its state, now on a tmpfs of its own (unmounted also on failure).
        let state = h.agent.lab.stateDir
        let mount = TmpfsMount(path: state)
        defer { mount.unmount() }
        try await h.crashAndRestartAgent(whileDown: { try mount.mountKeepingContents(sizeKiB: 2048) })
        _ = try await h.waitIdle(calm)
        let calmMark = try await FaultInvariants.marks(h, [calm])
        try await DockerLab.blocking { try mount.fill() }
        #expect(mount.freeBytes() < 8192, "the tmpfs is full: \(mount.freeBytes()) bytes free")

        // Every mutating topic, once each: refused with a typed error.
        var refused: [(topic: String, correlation: Int, payload: JSONObject)] = []
        var codes: [String] = []
        let commands: [(String, JSONObject)] = [
            ("create_new_runtime", h.createRequest(fresh, host: 101)), ("stop_device", ["device_id": .string(calm)]),
            ("restart_device", ["device_id": .string(calm)]), ("start_device", ["device_id": .string(calm)]),
            ("delete_device", ["device_id": .string(calm)]),
        ]
        for (topic, base) in commands {
            let c = await ledger.newCorrelation()
            var payload = base
            payload["correlation_id"] = .number(Double(c))
            let device = topic == "create_new_runtime" ? fresh : calm
            let ack = try await h.sendUntilAcked(ledger, topic, device: device, payload, correlation: c)
            #expect(ack["status"] == "error" && ack["code"]?.stringValue?.isEmpty == false && ack["operation_id"] == nil, "\(topic) on a full disk: \(ack)")
            refused.append((topic, c, payload))
            codes.append("\(topic)=\(ack["code"]?.stringValue ?? "?")")
        }
        // A full round of the lifecycle manager after the refusals: anything wrongly queued had its turn.
        let refusedMark = h.logMark()
        #expect(await h.waitLogLine(after: refusedMark, containing: ["lifecycle: health check done"]))
        #expect(h.agentAlive, "the agent survives a full disk; log:\n\(h.agent.log.contents.suffix(2000))")
        try await h.expectNothingLeft(fresh)
        #expect(try await FaultInvariants.marks(h, [calm]) == calmMark, "the running vPLC was not touched")
        #expect(try await h.status(calm)["is_running"] == true)
        let listed = try await h.call("list_devices", [:])
        #expect(listed["count"] == 1, "queries still answer: \(listed)")

        // Space back: the same commands (same correlation ids: nothing was accepted) now run.
        try await DockerLab.blocking { try mount.unfill() }
        for r in refused where r.topic != "delete_device" {
            let device = r.topic == "create_new_runtime" ? fresh : calm
            let ack = try await h.sendUntilAcked(ledger, r.topic, device: device, r.payload, correlation: r.correlation)
            let id = try #require(ack["operation_id"]?.stringValue, "\(r.topic) after space was freed: \(ack)")
            let end = try await h.operationEnd(id, seconds: 60)
            #expect(end["status"] == "succeeded", "\(r.topic): \(end)")
        }
        let figures = try await FaultInvariants.check(h, ledger: ledger, expected: [calm, fresh], running: [calm, fresh])
        faultReport("disk-full", "\(refused.count) mutating commands refused on a full 2 MiB tmpfs (\(codes.joined(separator: " "))), then run; \(figures)")
        try await h.faultCommand(ledger, "delete_device", fresh)
        try await h.faultCommand(ledger, "delete_device", calm)
        try await FaultInvariants.check(h, ledger: ledger, expected: [])
        await h.shutdown()
    }
}
}

/// A tmpfs mounted over a folder (its contents copied in first), filled and emptied by the test.
/// Unmounted (lazily) and the original folder put back by ``unmount()``.
final class TmpfsMount: Sendable {
    let path: String
    var saved: String { path + ".disk" }
    var filler: String { path + "/fill" }

    init(path: String) { self.path = path }

    func mountKeepingContents(sizeKiB: Int) throws {
        try FileManager.default.moveItem(atPath: path, toPath: saved)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        _ = try CommandRunner.check(["mount", "-t", "tmpfs", "-o", "size=\(sizeKiB)k,mode=0700", "tmpfs", path], timeout: 30)
        _ = try CommandRunner.check(["cp", "-a", saved + "/.", path + "/"], timeout: 30)
    }

    /// Writes zeros until the filesystem is full.
    func fill() throws {
        _ = try CommandRunner.run(["dd", "if=/dev/zero", "of=" + filler, "bs=4k"], timeout: 60)
    }

    func unfill() throws { try FileManager.default.removeItem(atPath: filler) }

    func freeBytes() -> Int {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return -1 }
        return Int(s.f_bavail) * Int(s.f_frsize)
    }

    func unmount() {
        guard FileManager.default.fileExists(atPath: saved) else { return }
        _ = try? CommandRunner.run(["umount", "-l", path], timeout: 30)
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.moveItem(atPath: saved, toPath: path)
    }
}
