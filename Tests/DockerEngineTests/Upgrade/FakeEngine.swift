import ContainerEngineSupport
import AgentJSON
import Synchronization

@testable import DockerEngine

/// A tiny in-memory engine with the container driver's method shapes, for the Docker upgrader's
/// swap: the agent's container `old-id` (`orchestrator_agent`, restart policy `always`) and a
/// vPLC that must never be named. The successor's state after `container.start` is scripted.
final class FakeEngine: Sendable {
    private struct State {
        var containers: [String: JSONObject] = [:]  // by id
        var calls: [String] = []
        var created = 0
    }

    private let state = Mutex(State())
    /// The successor stops right after its start.
    let successorExits: Bool
    /// `container.create` fails.
    let failCreate: Bool
    /// The old container cannot be started again.
    let failOldStart: Bool

    init(successorExits: Bool = false, failCreate: Bool = false, failOldStart: Bool = false) {
        self.successorExits = successorExits
        self.failCreate = failCreate
        self.failOldStart = failOldStart
        state.withLock { s in
            s.containers["old-id"] = ["name": "orchestrator_agent", "image": "agent:1", "running": true, "restart": "always"]
            s.containers["vplc-id"] = ["name": "plc1", "image": "openplc:1", "running": true, "restart": "no"]
        }
    }

    /// Adds a container.
    func add(id: String, name: String, image: String, running: Bool) {
        state.withLock { $0.containers[id] = ["name": .string(name), "image": .string(image), "running": .bool(running), "restart": "no"] }
    }

    var calls: [String] { state.withLock { $0.calls } }
    /// The containers whose name starts with `orchestrator_agent`: name → id.
    var names: [String: String] {
        state.withLock { s in
            var out: [String: String] = [:]
            for (id, c) in s.containers where c["name"]?.stringValue?.hasPrefix("orchestrator_agent") == true {
                out[c["name"]?.stringValue ?? ""] = id
            }
            return out
        }
    }
    func container(_ id: String) -> JSONObject? { state.withLock { $0.containers[id] } }

    /// The upgrader's service over this engine.
    func service() -> UpgraderService {
        UpgraderService(swapper: ContainerSwapper(call: { m, p throws(DockerEngineError) in try self.call(m, p) }, log: { _ in }))
    }

    private func find(_ s: State, _ ref: String) -> String? {
        if s.containers[ref] != nil { return ref }
        return s.containers.first { $0.value["name"]?.stringValue == ref }?.key
    }

    func call(_ method: String, _ p: JSONObject) throws(DockerEngineError) -> JSONValue {
        let ref = p["id"]?.stringValue ?? p["ref"]?.stringValue ?? p["name"]?.stringValue ?? ""
        var detail = ref
        if let n = p["name"]?.stringValue, method == "container.rename" { detail += " " + n }
        if let r = p["restart_policy"]?.stringValue { detail += " " + r }
        let result: Result<JSONValue, DockerEngineError> = state.withLock { s in
            s.calls.append("\(method) \(detail)")
            switch method {
            case "image.inspect":
                return .success(["id": "sha256:old", "config": ["env": ["AGENT_VERSION=1"], "cmd": ["run"]]])
            case "container.create":
                if failCreate { return .failure(DockerEngineError(.engineError, "no space left")) }
                s.created += 1
                let id = "new-\(s.created)"
                let restart = p["host_config"]?.objectValue?["RestartPolicy"]?.objectValue?["Name"] ?? "no"
                s.containers[id] = ["name": p["name"] ?? "", "image": p["image"] ?? "", "running": false, "restart": restart]
                return .success(["id": .string(id)])
            default: break
            }
            guard let id = find(s, ref) else { return .failure(DockerEngineError(.engineNotFound, "no such container \(ref)")) }
            var c = s.containers[id] ?? [:]
            switch method {
            case "container.inspect":
                return .success([
                    "id": .string(id), "name": c["name"] ?? "", "image": c["image"] ?? "", "image_id": "sha256:old",
                    "state": ["running": c["running"] ?? false, "exit_code": 1],
                    "host_config": ["restart_policy": c["restart"] ?? "no", "network_mode": "host"], "config": ["cmd": ["run"]],
                ])
            case "container.update": c["restart"] = p["restart_policy"]
            case "container.stop": c["running"] = false
            case "container.rename": c["name"] = p["name"]
            case "container.remove":
                s.containers[id] = nil
                return .success(["removed": true])
            case "container.start":
                if id == "old-id", failOldStart { return .failure(DockerEngineError(.engineError, "cannot start")) }
                c["running"] = .bool(id == "old-id" || !successorExits)
            default: return .failure(DockerEngineError(.unknownMethod, method))
            }
            s.containers[id] = c
            return .success([:])
        }
        return try result.get()
    }
}
