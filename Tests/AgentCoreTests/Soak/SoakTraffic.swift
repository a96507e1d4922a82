import AgentJSON
import Foundation

/// Light, realistic cloud traffic during the soak, through the lab cloud: a read-only query every
/// `queryInterval` (status of one vPLC, `list_devices`, `get_host_interfaces`, in turn) and now
/// and then a stop/start of the one `cycled` vPLC. Every answer is checked; what did not match is
/// kept in the tally (the run goes on).
struct SoakTraffic: Sendable {
    let harness: VPLCHarness
    /// Every vPLC of the soak (all must be listed and, when queried, running).
    let devices: [String]
    /// The one vPLC that is stopped and started again; the others are never touched.
    let cycled: String
    let config: SoakConfig

    /// What the traffic did and what did not match.
    struct Tally: Sendable {
        var queries: [String: Int] = [:]
        var cycles = 0
        var failureCount = 0
        /// The first 20 mismatches, for the report.
        var failures: [String] = []

        mutating func fail(_ what: String) {
            failureCount += 1
            if failures.count < 20 { failures.append(what) }
        }
    }

    /// Runs until `deadline` (a cycle under way is finished) and answers the tally.
    func run(until deadline: Date) async -> Tally {
        var tally = Tally()
        var nextCycle = Date().addingTimeInterval(config.cycleInterval / 2)
        var turn = 0
        while Date() < deadline {
            if Date() >= nextCycle {
                await cycle(&tally)
                nextCycle = Date().addingTimeInterval(config.cycleInterval)
            } else {
                await query(turn, &tally)
                turn += 1
            }
            try? await Task.sleep(for: .seconds(config.queryInterval))  // sleep-audit: input (the soak's sampling schedule and traffic pace are its workload)
        }
        return tally
    }

    private func query(_ turn: Int, _ tally: inout Tally) async {
        let kind = ["get_device_status", "list_devices", "get_host_interfaces"][turn % 3]
        tally.queries[kind, default: 0] += 1
        do {
            switch kind {
            case "get_device_status":
                let device = devices[(turn / 3) % devices.count]
                let s = try await harness.status(device)
                if s["status"] != "success" || s["is_running"] != true { tally.fail("status \(device): \(s)") }
            case "list_devices":
                let list = try await harness.call("list_devices", [:])
                let ids = Set((list["devices"]?.arrayValue ?? []).compactMap { $0.objectValue?["device_id"]?.stringValue })
                if !Set(devices).isSubset(of: ids) { tally.fail("list_devices lacks \(Set(devices).subtracting(ids).sorted())") }
            default:
                let answer = try await harness.call("get_host_interfaces", [:])
                if answer["status"] != "success" || (answer["interfaces"]?.arrayValue ?? []).isEmpty {
                    tally.fail("get_host_interfaces: \(answer)")
                }
            }
        } catch {
            tally.fail("\(kind): \(error)")
        }
    }

    /// stop → stays stopped past a health check and the restart delay → start → running.
    private func cycle(_ tally: inout Tally) async {
        tally.cycles += 1
        let device: JSONObject = ["device_id": .string(cycled)]
        do {
            let mark = harness.logMark()
            let stop = try await harness.operate("stop_device", device)
            if stop.end["status"] != "succeeded" { tally.fail("stop \(cycled): \(stop.end)") }
            if !(await harness.waitLeftStopped(cycled, since: mark)) { tally.fail("\(cycled): no lifecycle marks after stop_device") }
            let stopped = try await harness.status(cycled)
            if stopped["is_running"] != false { tally.fail("\(cycled) not stopped after stop_device: \(stopped)") }
            let start = try await harness.operate("start_device", device)
            if start.end["status"] != "succeeded" { tally.fail("start \(cycled): \(start.end)") }
            let running = try await harness.status(cycled)
            if running["is_running"] != true { tally.fail("\(cycled) not running after start_device: \(running)") }
        } catch {
            tally.fail("cycle \(cycled): \(error)")
        }
    }
}
