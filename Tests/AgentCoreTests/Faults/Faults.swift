import AgentJSON
import Foundation
import LabSupport
import Testing

/// Fault injection against the real lab (engine, cloud, sidecar, agent process): every test has
/// a Docker lab of its own (they restart dockerd, kill the agent, fill its disk) and they run one
/// at a time. Sizes and seed come from ``FaultKnobs`` (`scripts/faults`); docs/fault-injection.md.
@Suite("fault injection", .serialized, .labThreads)
enum Faults {}

extension VPLCHarness {
    /// Creates `device` (static vNIC at `.host`) with a recorded correlation id, re-sending until
    /// acked; answers the final status.
    @discardableResult
    func faultCreate(_ ledger: CommandLedger, _ device: String, host: Int) async throws -> JSONObject {
        let c = await ledger.newCorrelation()
        _ = try await sendUntilAcked(
            ledger, "create_new_runtime", device: device, createRequest(device, host: host, correlation: c), correlation: c)
        return try await waitIdle(device)
    }

    /// Sends a device command (`start_device`, `delete_device`, …) until acked, then waits until
    /// the device is idle; answers the final status.
    @discardableResult
    func faultCommand(_ ledger: CommandLedger, _ topic: String, _ device: String) async throws -> JSONObject {
        let c = await ledger.newCorrelation()
        _ = try await sendUntilAcked(ledger, topic, device: device, Self.deviceMessage(device, c), correlation: c)
        return try await waitIdle(device)
    }
}

/// Prints one line of figures for the report (`FAULT <scenario>: …`; scripts/faults collects them).
func faultReport(_ scenario: String, _ text: String) {
    print("FAULT \(scenario): \(text)")
}
