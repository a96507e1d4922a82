import AgentJSON
import Foundation
import LabSupport

/// Commands with a recorded correlation id, and reads of the agent's own state, for the fault
/// suites.
extension VPLCHarness {
    /// A device command (`device_id` + `correlation_id`).
    static func deviceMessage(_ device: String, _ correlation: Int) -> JSONObject {
        ["device_id": .string(device), "correlation_id": .number(Double(correlation))]
    }

    /// Emits `topic` once and records it in `ledger`; answers the ack, or nil when none came (the
    /// link was down, the agent dead, the ack lost).
    func send(
        _ ledger: CommandLedger, _ topic: String, device: String, _ payload: JSONObject, correlation: Int,
        timeout: Double = 10
    ) async -> JSONObject? {
        await ledger.sent(correlation, topic: topic, device: device)
        guard let ack = try? await cloud.call(topic, .object(payload), timeout: timeout).first?.objectValue else { return nil }
        await ledger.acked(correlation, ack)
        return ack
    }

    /// Emits `topic` until an ack comes (the same correlation id every time, as a cloud re-sends
    /// a command it got no answer for), for at most `seconds`.
    func sendUntilAcked(
        _ ledger: CommandLedger, _ topic: String, device: String, _ payload: JSONObject, correlation: Int,
        seconds: Double = 60, ackTimeout: Double = 10
    ) async throws -> JSONObject {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let ack = await send(ledger, topic, device: device, payload, correlation: correlation, timeout: ackTimeout) {
                return ack
            }
            try await Task.sleep(for: .milliseconds(300))  // sleep-audit: poll (the interval of a wait with a deadline)
        }
        throw LabError("\(topic) #\(correlation) never acked in \(seconds) s; agent log:\n\(agent.log.contents.suffix(3000))")
    }

    /// Polls `get_device_status` until no operation of `device` is queued or running; answers
    /// the last status. (The `operation_update` of an operation may be lost with a link drop or
    /// an agent kill: the status is the cloud's fallback.)
    func waitIdle(_ device: String, seconds: Double = 60) async throws -> JSONObject {
        let busy: Set<String> = ["creating", "deleting", "starting", "stopping", "restarting", "reattaching", "queued"]
        var last: JSONObject = [:]
        let ok = try await cloud.waitUntil(seconds: seconds) {
            guard let s = try? await self.status(device) else { return false }
            last = s
            return !busy.contains(s["status"]?.stringValue ?? "")
        }
        guard ok else { throw LabError("\(device) still busy after \(seconds) s: \(last)\nagent log:\n\(agent.log.contents.suffix(3000))") }
        return last
    }

    /// The runtime plugin's store file (`<state>/store/io.autonomy.runtime.json`), its entries
    /// by key; empty when the file does not exist yet.
    func runtimeStoreEntries() throws -> JSONObject {
        let path = agent.lab.stateDir + "/store/io.autonomy.runtime.json"
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        guard let entries = try JSONParser.parse(Array(data)).objectValue?["entries"]?.objectValue else {
            throw LabError("unexpected store file shape at \(path)")
        }
        return entries
    }

    /// The process id of the running agent.
    var agentPID: Int32 { agent.process.processIdentifier }

    /// Whether the agent process is still alive (not exited, not crashed).
    var agentAlive: Bool { !childGone(agent.process) }
}
