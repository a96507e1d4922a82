import AgentJSON
import Foundation
import LabSupport
import Testing

/// Docker's record of a container start: changes only when the container (re)starts.
struct EngineMark: Equatable, Sendable, CustomStringConvertible {
    let startedAt: String
    let restartCount: Int
    var description: String { "started \(startedAt), restarts \(restartCount)" }
}

/// What the invariant check counted (for the run's figures in docs/fault-injection.md).
struct InvariantFigures: Sendable, CustomStringConvertible {
    var commands = 0, sends = 0, acks = 0, replayed = 0, operations = 0, updates = 0, missingUpdates = 0
    /// Operations whose end event came more than once (same status: delivery is at least once,
    /// the receiver deduplicates by `operation_id` + `status`).
    var repeatedUpdates = 0
    var description: String {
        "commands \(commands), sends \(sends), acks \(acks) (replayed \(replayed)), operations \(operations), terminal updates \(updates), operations without update \(missingUpdates), ends sent again \(repeatedUpdates)"
    }
}

/// The check every fault scenario ends with, against a lab engine of the test's own (so every
/// object on it is the agent's or a leftover):
/// - no vPLC lost: each expected vPLC has its container and the agent lists it;
/// - none duplicated: one container per device label, named after it;
/// - nothing orphaned: no container or network the agent does not know, no unlabelled leftovers;
/// - no running vPLC restarted: `untouched` containers kept `StartedAt` and `RestartCount`;
/// - every accepted command answered exactly once: all acks of one correlation id name one
///   operation (re-sends are replays), no operation is shared, no operation has two different
///   end updates (the same end twice is at-least-once delivery, counted);
/// - the journal consistent: no operation queued or running, device records = expected, the
///   outbox drained, nothing quarantined.
enum FaultInvariants {
    static let terminal: Set<String> = ["succeeded", "failed", "rolled_back"]

    /// The marks of `devices` now.
    static func marks(_ h: VPLCHarness, _ devices: [String]) async throws -> [String: EngineMark] {
        var out: [String: EngineMark] = [:]
        for d in devices {
            let r = try await h.lab.engineAPI("GET", "/containers/\(d)/json")
            guard let o = r.json?.objectValue else { continue }
            out[d] = EngineMark(
                startedAt: o["State"]?.objectValue?["StartedAt"]?.stringValue ?? "?",
                restartCount: Int(o["RestartCount"]?.numberValue ?? -1))
        }
        return out
    }

    @discardableResult
    static func check(
        _ h: VPLCHarness, ledger: CommandLedger, expected: Set<String>, running: Set<String> = [],
        untouched: [String: EngineMark] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> InvariantFigures {
        let devices = await Set(ledger.entries.values.map(\.device)).union(expected)
        for d in devices.sorted() { _ = try await h.waitIdle(d) }
        for d in running.sorted() {
            let s = try await h.waitStatus(d, seconds: 30) { $0["is_running"] == true }
            #expect(s["is_running"] == true, "\(d) should run: \(s)", sourceLocation: sourceLocation)
        }
        try await checkEngine(h, expected: expected, untouched: untouched, sourceLocation)
        try await checkAgentView(h, expected: expected, sourceLocation)
        let figures = try await checkAnswers(h, ledger: ledger, sourceLocation)
        try await checkJournal(h, expected: expected, sourceLocation)
        #expect(h.agentAlive, "the agent process is alive", sourceLocation: sourceLocation)
        return figures
    }

    /// Containers and networks on the engine against the expected vPLCs.
    static func checkEngine(
        _ h: VPLCHarness, expected: Set<String>, untouched: [String: EngineMark], _ loc: SourceLocation
    ) async throws {
        let containers = (try await h.lab.engineAPI("GET", "/containers/json?all=1").json?.arrayValue ?? []).compactMap(\.objectValue)
        var byDevice: [String: [String]] = [:]
        for c in containers {
            let labels = c["Labels"]?.objectValue ?? [:]
            let name = c["Names"]?.arrayValue?.first?.stringValue ?? "?"
            guard labels["io.autonomy.managed"] == "true", let d = labels["io.autonomy.device"]?.stringValue else {
                Issue.record("a container the agent did not label is left on the engine: \(name)", sourceLocation: loc)
                continue
            }
            byDevice[d, default: []].append(name)
            #expect(name == "/" + d, "container \(name) carries device label \(d)", sourceLocation: loc)
        }
        #expect(Set(byDevice.keys) == expected, "vPLC containers \(byDevice.keys.sorted()) vs expected \(expected.sorted())", sourceLocation: loc)
        for (d, names) in byDevice where names.count != 1 {
            Issue.record("\(d) has \(names.count) containers: \(names)", sourceLocation: loc)
        }
        let networks = (try await h.lab.engineAPI("GET", "/networks").json?.arrayValue ?? []).compactMap(\.objectValue)
        var internals: [String: Int] = [:]
        var macvlans: [String] = []
        for n in networks {
            let name = n["Name"]?.stringValue ?? "?"
            if ["bridge", "host", "none"].contains(name) { continue }
            let labels = n["Labels"]?.objectValue ?? [:]
            guard labels["io.autonomy.managed"] == "true" else {
                Issue.record("a network the agent did not label is left on the engine: \(name)", sourceLocation: loc)
                continue
            }
            if labels["io.autonomy.role"] == "internal" {
                let d = labels["io.autonomy.device"]?.stringValue ?? "?"
                internals[d, default: 0] += 1
                #expect(expected.contains(d), "orphaned internal network \(name)", sourceLocation: loc)
            } else {
                macvlans.append(name)
            }
        }
        for d in expected { #expect(internals[d] == 1, "\(d) has \(internals[d] ?? 0) internal networks", sourceLocation: loc) }
        for m in macvlans {
            let inspect = try await h.lab.engineAPI("GET", "/networks/\(m)").json?.objectValue
            let users = inspect?["Containers"]?.objectValue?.count ?? 0
            #expect(users > 0, "MACVLAN network \(m) is left without any vPLC", sourceLocation: loc)
        }
        let now = try await marks(h, Array(untouched.keys))
        for (d, before) in untouched {
            #expect(now[d] == before, "\(d) was restarted: \(before) -> \(now[d].map(\.description) ?? "gone")", sourceLocation: loc)
        }
    }

    /// `list_devices` and `get_device_status` against the expected vPLCs.
    static func checkAgentView(_ h: VPLCHarness, expected: Set<String>, _ loc: SourceLocation) async throws {
        let list = try await h.call("list_devices", [:])
        let listed = (list["devices"]?.arrayValue ?? []).compactMap(\.objectValue)
        let ids = listed.compactMap { $0["device_id"]?.stringValue }
        #expect(Set(ids) == expected && ids.count == Set(ids).count, "list_devices: \(ids.sorted()) vs \(expected.sorted())", sourceLocation: loc)
        for e in listed where e["container_status"] == "missing" {
            Issue.record("the agent lists \(e["device_id"] ?? .null) but its container is missing", sourceLocation: loc)
        }
        for d in expected {
            let s = try await h.status(d)
            #expect(s["status"] != "not_found" && s["status"] != "error", "\(d): \(s)", sourceLocation: loc)
        }
    }

    /// The ledger's acks and the cloud's `operation_update` events.
    static func checkAnswers(_ h: VPLCHarness, ledger: CommandLedger, _ loc: SourceLocation) async throws -> InvariantFigures {
        let entries = await ledger.entries
        let totals = await ledger.totals
        var figures = InvariantFigures(commands: totals.commands, sends: totals.sends, acks: totals.acks, replayed: totals.replayed)
        var owner: [String: Int] = [:]
        var opCorrelation: [String: Int] = [:]
        for (c, e) in entries.sorted(by: { $0.key < $1.key }) {
            let ids = Set(e.acks.compactMap { $0["operation_id"]?.stringValue })
            #expect(ids.count <= 1, "#\(c) \(e.topic) \(e.device): acks name several operations \(ids.sorted())", sourceLocation: loc)
            // Once an ack named an operation, every later ack of the correlation id replays it.
            if let firstAccepted = e.acks.firstIndex(where: { $0["operation_id"] != nil }) {
                for a in e.acks[(firstAccepted + 1)...] {
                    #expect(a["replayed"] == true, "#\(c): a repeated ack is a replay: \(a)", sourceLocation: loc)
                }
            }
            for id in ids {
                if let other = owner[id] {
                    Issue.record("operation \(id) answered for #\(other) and #\(c)", sourceLocation: loc)
                }
                owner[id] = c
                opCorrelation[id] = c
            }
        }
        figures.operations = opCorrelation.count
        let updates = try await h.updates()
        var ends: [String: Int] = [:]
        var statuses: [String: Set<String>] = [:]
        for u in updates where terminal.contains(u["status"]?.stringValue ?? "") {
            guard let id = u["operation_id"]?.stringValue else { continue }
            ends[id, default: 0] += 1
            statuses[id, default: []].insert(u["status"]?.stringValue ?? "")
            if let c = opCorrelation[id] {
                #expect(u["correlation_id"] == .number(Double(c)), "update of \(id) carries #\(c): \(u)", sourceLocation: loc)
            }
        }
        for (id, s) in statuses where s.count > 1 { Issue.record("operation \(id) ended as \(s.sorted())", sourceLocation: loc) }
        figures.repeatedUpdates = ends.values.filter { $0 > 1 }.count
        figures.updates = opCorrelation.keys.filter { ends[$0] != nil }.count
        figures.missingUpdates = opCorrelation.count - figures.updates
        return figures
    }

    /// The runtime plugin's journal, outbox and device records (read from its store file). The
    /// outbox is emptied once the transport confirms the link, shortly after the event.
    static func checkJournal(_ h: VPLCHarness, expected: Set<String>, _ loc: SourceLocation) async throws {
        var entries = try h.runtimeStoreEntries()
        _ = try await h.cloud.waitUntil(seconds: 30) {
            entries = try h.runtimeStoreEntries()
            return !entries.keys.contains { $0.hasPrefix("outbox/") }
        }
        let left = entries.keys.filter { $0.hasPrefix("outbox/") || $0.hasPrefix("quarantine/") }
        #expect(left.isEmpty, "outbox or quarantine entries left: \(left.sorted())", sourceLocation: loc)
        var recorded: Set<String> = []
        for (k, v) in entries.entries {
            if k.hasPrefix("op/") {
                let state = v.objectValue?["state"]?.stringValue ?? "?"
                #expect(terminal.contains(state), "journal entry \(k) left \(state): \(v)", sourceLocation: loc)
            } else if k.hasPrefix("device/") {
                recorded.insert(String(k.dropFirst("device/".count)))
            }
        }
        #expect(recorded == expected, "device records \(recorded.sorted()) vs \(expected.sorted())", sourceLocation: loc)
    }
}
