import AgentCore
import AgentJSON
import AgentStore
import Foundation
import Logging
import LabSupport
import Testing

/// The vPLC plugin's journal without Docker: an in-process daemon-mode agent with the runtime
/// plugin and a Docker driver whose socket does not exist, over a store the test seeds. Recovery
/// reads the journal and the outbox; every engine call fails at once. Operations that end without
/// the engine (an interrupted `upgrade` is failed, a queued `reattach` is superseded) exercise the
/// end of an operation and its `operation_update`.
@Suite("Runtime journal: outbox and quarantine (no Docker)", .serialized, .labThreads)
struct RuntimeJournalTests {
    static let namespace = "io.autonomy.runtime"

    /// A journal entry as the plugin writes it (schema 1).
    static func op(_ id: String, device: String, kind: String, state: String) -> JSONValue {
        [
            "schema": 1, "id": .string(id), "device_id": .string(device), "kind": .string(kind), "state": .string(state),
            "correlation_id": 7, "started_at": "2026-12-01T00:00:00.000000Z", "updated_at": "2026-12-01T00:00:00.000000Z",
            "created_networks": [],
        ]
    }

    @Test("an operation's end the host could not hand over is journaled with its event and sent at the next start")
    func outboxSurvivesARestart() async throws {
        let site = try JournalSite()
        let upgrade = "0000000000001-1", reattach = "0000000000002-1"
        try site.seed([
            "op/" + upgrade: Self.op(upgrade, device: "__orchestrator__", kind: "upgrade", state: "running"),
            "op/" + reattach: Self.op(reattach, device: "plc-a", kind: "reattach", state: "queued"),
        ])
        // First life: recovery ends both operations, but nobody takes `operation_update` (no
        // transport, no observer): the emit fails, as it does for a process killed between the
        // journaled end and the emit. Before the outbox the events were gone from here on.
        let first = try site.agent()
        let ended = try await eventually(timeout: .seconds(30)) {
            let states = try [upgrade, reattach].map { try first.services.store.get(Self.namespace, "op/" + $0)?.objectValue?["state"] }
            return states == ["failed", "succeeded"]
        }
        #expect(ended, "recovery ended both operations")
        #expect(try first.services.store.list(Self.namespace, prefix: "outbox/") == ["outbox/" + upgrade, "outbox/" + reattach])
        await first.shutdown()

        // Second life over the same store: the events are sent (an observer stands for the cloud).
        let second = try site.agent()
        let seen = EventLog()
        second.services.events.observe { topic, payload in seen.append(topic, payload) }
        let sent = try await eventually(timeout: .seconds(30)) {
            let ids = Set(seen.events.filter { $0.0 == "operation_update" }.compactMap { $0.1["operation_id"]?.stringValue })
            return ids.isSuperset(of: [upgrade, reattach])
        }
        #expect(sent, "operation_update of both operations after the restart: \(seen.events.map { $0.0 })")
        let updates = seen.events.filter { $0.0 == "operation_update" }.map { $0.1 }
        let up = updates.first { $0["operation_id"] == .string(upgrade) }
        #expect(up?["status"] == "failed" && up?["code"] == "interrupted" && up?["correlation_id"] == 7, "\(up ?? [:])")
        let re = updates.first { $0["operation_id"] == .string(reattach) }
        #expect(re?["status"] == "succeeded" && re?["device_id"] == "plc-a", "\(re ?? [:])")
        // No transport: nothing reached a cloud, so the entries stay for a start that has one.
        #expect(try second.services.store.list(Self.namespace, prefix: "outbox/").count == 2)
        await second.shutdown()
    }

    @Test("a corrupt journal record is moved to quarantine/op/<id> with its value and the reason; readable ones stay")
    func corruptRecordQuarantined() async throws {
        let site = try JournalSite()
        let good = "0000000000003-1", bad = "0000000000004-1"
        let badValue: JSONValue = ["schema": 9, "id": .string(bad)]
        try site.seed([
            "op/" + good: Self.op(good, device: "plc-b", kind: "start", state: "succeeded"),
            "op/" + bad: badValue,
            "outbox/0000000000005-1": "not an event",
        ])
        let agent = try site.agent()
        let store = agent.services.store
        let moved = try await eventually(timeout: .seconds(30)) {
            let op = try store.get(Self.namespace, "quarantine/op/" + bad)
            let event = try store.get(Self.namespace, "quarantine/outbox/0000000000005-1")
            return op != nil && event != nil
        }
        let keys = try store.list(Self.namespace)
        #expect(moved, "both unreadable records quarantined: \(keys)")
        let q = try store.get(Self.namespace, "quarantine/op/" + bad)?.objectValue
        #expect(q?["key"] == .string("op/" + bad) && q?["value"] == badValue, "\(q ?? [:])")
        #expect(q?["reason"] == "a journal entry has an unknown shape or schema", "\(q ?? [:])")
        #expect(try store.get(Self.namespace, "op/" + bad) == nil, "moved, not copied")
        #expect(try store.get(Self.namespace, "outbox/0000000000005-1") == nil)
        #expect(try store.get(Self.namespace, "op/" + good) == Self.op(good, device: "plc-b", kind: "start", state: "succeeded"))
        await agent.shutdown()
    }
}

/// A plugin lab with the runtime plugin and a Docker driver pointed at a socket that does not
/// exist, and the store the test seeds.
struct JournalSite {
    let lab: PluginLab
    let configPath: String

    init() throws {
        lab = try PluginLab()
        let docker = try lab.install("agent-docker")
        let runtime = try lab.install("agent-runtime")
        configPath = try lab.writeConfig([
            try lab.entry(id: "io.autonomy.docker", path: docker, config: ["socket": .string(lab.root + "/no-docker.sock")]),
            try lab.entry(id: "io.autonomy.runtime", path: runtime),
        ])
    }

    /// Writes `entries` into the runtime plugin's namespace (no agent running).
    func seed(_ entries: [String: JSONValue]) throws {
        let store = try DurableStore(directory: lab.stateDir + "/store", exclusive: true)
        defer { store.unlock() }
        try store.apply(RuntimeJournalTests.namespace, entries.map { .put(key: $0.key, value: $0.value) })
    }

    /// A daemon-mode agent over the lab (recovery runs at load).
    func agent() throws -> Agent {
        var logger = Logger(label: "test") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .critical
        return try Agent(configPath: configPath, logger: logger, mode: .daemon)
    }
}
