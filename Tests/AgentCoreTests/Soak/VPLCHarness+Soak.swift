import AgentJSON
import Foundation
import LabSupport

/// How the engine last started a container: independent of the agent, to tell whether a vPLC was
/// restarted (its `StartedAt` moves; Docker's own `RestartCount` grows).
struct EngineStart: Sendable, Equatable, CustomStringConvertible {
    var startedAt: String
    var restartCount: Int
    var running: Bool

    var description: String { "StartedAt=\(startedAt) RestartCount=\(restartCount) Running=\(running)" }
}

extension VPLCHarness {
    /// The engine's `State.StartedAt`, `RestartCount` and `State.Running` of `device`; nil when the
    /// engine does not know it.
    func engineStart(_ device: String) async throws -> EngineStart? {
        let r = try await lab.engineAPI("GET", "/containers/\(device)/json")
        guard r.status == 200, let o = r.json?.objectValue, let state = o["State"]?.objectValue else { return nil }
        return EngineStart(
            startedAt: state["StartedAt"]?.stringValue ?? "", restartCount: Int(o["RestartCount"]?.numberValue ?? -1),
            running: state["Running"]?.boolValue ?? false)
    }

    /// Creates `devices` with static addresses `.firstHost`, `.firstHost+1`, … on the lab LAN,
    /// `parallel` at a time, and answers the ones whose create did not succeed (with the end event).
    func createMany(_ devices: [String], firstHost: Int, parallel: Int = 4) async -> [String] {
        await withTaskGroup(of: String?.self) { group in
            var failed: [String] = []
            for (i, device) in devices.enumerated() {
                if i >= parallel, case .some(.some(let failure)) = await group.next() { failed.append(failure) }
                let host = firstHost + i
                group.addTask {
                    do {
                        let end = try await self.operate("create_new_runtime", self.createRequest(device, host: host), seconds: 180).end
                        return end["status"] == "succeeded" ? nil : "\(device): \(end)"
                    } catch {
                        return "\(device): \(error)"
                    }
                }
            }
            for await result in group { if let result { failed.append(result) } }
            return failed
        }
    }
}
