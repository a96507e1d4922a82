import ContainerEngineSupport
import AgentJSON
import Testing

@testable import DockerEngine

/// The Docker driver's `agent.upgrader` (``UpgraderService`` over ``ContainerSwapper``) against a
/// fake engine: every step, every rollback path, the token rules, without Docker. (The gate is
/// the core's, tested in AgentCoreTests; the real thing runs in `UpgradeLabTests`.)
@Suite("Docker upgrader: swap steps, rollback and tokens (fake engine)")
struct UpgraderServiceTests {
    let prepare: JSONObject = ["target": "orchestrator_agent", "image": "agent:2"]

    /// The method's error, or nil when it answered.
    func failure(_ service: UpgraderService, _ method: String, _ params: JSONObject) async -> DockerEngineError? {
        do {
            _ = try await service.invoke(method: method, params: params)
            return nil
        } catch {
            return error
        }
    }

    func openToken(_ service: UpgraderService) async throws -> String {
        try #require(try await service.invoke(method: "swap.prepare", params: prepare).objectValue?["token"]?.stringValue)
    }

    @Test("prepare reads only; begin swaps in that order; commit removes the previous one; vPLCs are never named")
    func swapAndCommit() async throws {
        let engine = FakeEngine()
        let service = engine.service()
        let prepared = try #require(try await service.invoke(method: "swap.prepare", params: prepare).objectValue)
        #expect(prepared["name"] == "orchestrator_agent" && prepared["previous"] == "orchestrator_agent_previous")
        #expect(prepared["from_image"] == "agent:1" && prepared["restart_policy"] == "always")
        #expect(engine.calls.allSatisfy { $0.hasPrefix("container.inspect") || $0.hasPrefix("image.inspect") }, "\(engine.calls)")
        let token = try #require(prepared["token"]?.stringValue)

        let begun = try #require(try await service.invoke(method: "swap.begin", params: ["token": .string(token)]).objectValue)
        #expect(begun["new_id"] == "new-1")
        #expect(engine.names == ["orchestrator_agent": "new-1", "orchestrator_agent_previous": "old-id"])
        #expect(engine.container("new-1")?["image"] == "agent:2" && engine.container("new-1")?["restart"] == "unless-stopped")
        #expect(engine.container("new-1")?["running"] == true && engine.container("old-id")?["running"] == false)
        #expect(engine.calls == [
            "container.inspect orchestrator_agent", "image.inspect sha256:old", "container.inspect orchestrator_agent_previous",
            "container.update old-id no", "container.stop old-id", "container.rename old-id orchestrator_agent_previous",
            "container.create orchestrator_agent", "container.start new-1",
        ])
        let status = try await service.invoke(method: "swap.status", params: ["token": .string(token)])
        #expect(status == ["new_id": "new-1", "running": true, "exit_code": .null])

        #expect(try await service.invoke(method: "swap.commit", params: ["token": .string(token)]) == ["removed": true])
        #expect(engine.names == ["orchestrator_agent": "new-1"])
        #expect(service.openSwaps == 0)
        #expect(engine.calls.filter { $0.contains("vplc") || $0.contains("plc1") }.isEmpty)
    }

    @Test("rollback after a begun swap: the successor goes, the previous one gets its name, restart policy and run back")
    func rollbackAfterGate() async throws {
        let engine = FakeEngine()
        let service = engine.service()
        let token = try await openToken(service)
        _ = try await service.invoke(method: "swap.begin", params: ["token": .string(token), "stop_timeout_s": 3])
        #expect(engine.calls.contains("container.stop old-id"))
        let rolled = try await service.invoke(method: "swap.rollback", params: ["token": .string(token)])
        #expect(rolled == ["restored": true, "notes": []])
        #expect(engine.names == ["orchestrator_agent": "old-id"])
        #expect(engine.container("old-id")?["running"] == true && engine.container("old-id")?["restart"] == "always")
        #expect(engine.container("new-1") == nil)
        #expect(service.openSwaps == 0)
        #expect(await failure(service, "swap.rollback", ["token": .string(token)])?.code == .unknownToken)
    }

    @Test("a create that fails: begin fails with create_failed, the token stays open, rollback puts the previous one back")
    func createFails() async throws {
        let engine = FakeEngine(failCreate: true)
        let service = engine.service()
        let token = try await openToken(service)
        let e = await failure(service, "swap.begin", ["token": .string(token)])
        #expect(e?.code == .createFailed && e?.message.hasPrefix("container.create: no space left") == true, "\(String(describing: e))")
        #expect(engine.names == ["orchestrator_agent_previous": "old-id"])
        #expect(service.openSwaps == 1)
        #expect(await failure(service, "swap.commit", ["token": .string(token)])?.code == .swapState)
        _ = try await service.invoke(method: "swap.rollback", params: ["token": .string(token)])
        #expect(engine.names == ["orchestrator_agent": "old-id"])
        #expect(engine.container("old-id")?["running"] == true && engine.container("old-id")?["restart"] == "always")
    }

    @Test("an unknown target changes nothing (target_not_found); a running previous one stops the swap (previous_exists)")
    func prepareRefusals() async throws {
        let engine = FakeEngine()
        let service = engine.service()
        #expect(await failure(service, "swap.prepare", ["target": "nobody", "image": "x"])?.code == .targetNotFound)
        #expect(engine.calls == ["container.inspect nobody"])
        #expect(await failure(service, "swap.prepare", ["target": "orchestrator_agent"])?.field == "image")

        engine.add(id: "prev-id", name: "orchestrator_agent_previous", image: "agent:0", running: true)
        #expect(await failure(service, "swap.prepare", prepare)?.code == .previousExists)
        #expect(service.openSwaps == 0)
    }

    @Test("an exited leftover previous container is removed by begin, not by prepare")
    func leftoverRemoved() async throws {
        let engine = FakeEngine()
        engine.add(id: "prev-id", name: "orchestrator_agent_previous", image: "agent:0", running: false)
        let service = engine.service()
        let token = try await openToken(service)
        #expect(engine.container("prev-id") != nil)
        _ = try await service.invoke(method: "swap.begin", params: ["token": .string(token)])
        #expect(engine.container("prev-id") == nil)
        let removed = try #require(engine.calls.firstIndex(of: "container.remove prev-id"))
        let updated = try #require(engine.calls.firstIndex(of: "container.update old-id no"))
        #expect(removed < updated)
    }

    @Test("a successor that stops shows in swap.status with its exit code")
    func successorExits() async throws {
        let engine = FakeEngine(successorExits: true)
        let service = engine.service()
        let token = try await openToken(service)
        _ = try await service.invoke(method: "swap.begin", params: ["token": .string(token)])
        let status = try await service.invoke(method: "swap.status", params: ["token": .string(token)])
        #expect(status == ["new_id": "new-1", "running": false, "exit_code": 1])
    }

    @Test("when the previous one cannot be started again, rollback fails with rollback_failed naming every problem")
    func rollbackFails() async throws {
        let engine = FakeEngine(failOldStart: true)
        let service = engine.service()
        let token = try await openToken(service)
        _ = try await service.invoke(method: "swap.begin", params: ["token": .string(token)])
        let e = await failure(service, "swap.rollback", ["token": .string(token)])
        #expect(e?.code == .rollbackFailed)
        #expect(e?.message.contains("start: container.start: cannot start") == true, "\(String(describing: e))")
        #expect(e?.message.hasSuffix("the previous container is not running") == true)
        #expect(service.openSwaps == 0, "a failed rollback closes the token: there is nothing left to retry")
    }

    @Test("token rules: unknown tokens, status or commit before begin, begin twice, a rollback of a swap never begun")
    func tokens() async throws {
        let engine = FakeEngine()
        let service = engine.service()
        #expect(await failure(service, "swap.begin", ["token": "nope"])?.code == .unknownToken)
        #expect(await failure(service, "swap.commit", [:])?.code == .badParams)
        #expect(await failure(service, "swap.explode", [:])?.code == .unknownMethod)
        let token = try await openToken(service)
        #expect(await failure(service, "swap.status", ["token": .string(token)])?.code == .swapState)
        #expect(await failure(service, "swap.begin", ["token": .string(token), "stop_timeout_s": -1])?.field == "stop_timeout_s")
        let before = engine.calls.count
        #expect(try await service.invoke(method: "swap.rollback", params: ["token": .string(token)]) == ["restored": true, "notes": []])
        #expect(engine.calls.count == before, "a swap that never began needs no engine call to undo")

        let second = try await openToken(service)
        _ = try await service.invoke(method: "swap.begin", params: ["token": .string(second)])
        #expect(await failure(service, "swap.begin", ["token": .string(second)])?.code == .swapState)
        _ = try await service.invoke(method: "swap.commit", params: ["token": .string(second)])
    }
}
