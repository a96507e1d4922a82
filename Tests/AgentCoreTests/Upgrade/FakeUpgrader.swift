import AgentCore
import AgentJSON
import Synchronization

/// An in-memory `agent.upgrader` with the methods' JSON shapes (docs/plugins.md): one target
/// (`orchestrator_agent`, and optionally `autonomy_netmon`), the successor's behaviour after
/// `swap.begin` scripted, failures injectable. It also holds the agent's health report, which a
/// started successor rewrites as scripted.
final class FakeUpgrader: Sendable {
    enum NewAgent: Sendable { case healthy, neverConnects, selfCheckFails, exits }

    struct Swap: Sendable {
        var target: String
        var begun = false
        var newID: String?
        var running = false
    }

    private struct State {
        var targets: [String: String] = ["orchestrator_agent": "agent:1"]  // name → image it runs
        var swaps: [String: Swap] = [:]
        var calls: [String] = []
        var health: HealthReport?
        var next = 0
        var restored: [String] = []  // targets running their previous deployment again
        var committed: [String] = []
        var onRollback: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())
    let newAgent: NewAgent
    /// `swap.begin` answers this code (after "taking the old one down").
    let failBegin: String?
    /// `swap.rollback` answers `rollback_failed`.
    let failRollback: Bool

    init(newAgent: NewAgent, failBegin: String? = nil, failRollback: Bool = false) {
        self.newAgent = newAgent
        self.failBegin = failBegin
        self.failRollback = failRollback
        state.withLock { $0.health = Self.report(started: "old", connected: true, check: .ok) }
    }

    static func report(started: String, connected: Bool, check: HealthReport.SelfCheck, failures: [String] = []) -> HealthReport {
        HealthReport(
            pid: 1, version: "x", startedAt: started, connected: connected, connectedAt: nil, selfCheck: check, failures: failures,
            updatedAt: "now")
    }

    /// Adds another target (a netmon sidecar).
    func add(target: String, image: String) { state.withLock { $0.targets[target] = image } }
    /// Runs at `swap.rollback`, before the fake puts anything back.
    func onRollback(_ hook: @escaping @Sendable () -> Void) { state.withLock { $0.onRollback = hook } }

    var calls: [String] { state.withLock { $0.calls } }
    var restored: [String] { state.withLock { $0.restored } }
    var committed: [String] { state.withLock { $0.committed } }
    var openSwaps: Int { state.withLock { $0.swaps.count } }
    var health: HealthReport? { state.withLock { $0.health } }

    var client: UpgraderClient { UpgraderClient { m, p throws(ProtocolCallError) in try self.call(m, p) } }

    func call(_ method: String, _ p: JSONObject) throws(ProtocolCallError) -> JSONValue {
        let token = p["token"]?.stringValue ?? ""
        let hook: (@Sendable () -> Void)? = method == "swap.rollback" ? state.withLock { $0.onRollback } : nil
        hook?()
        let result: Result<JSONValue, ProtocolCallError> = state.withLock { s in
            s.calls.append(method + (p["target"]?.stringValue.map { " " + $0 } ?? ""))
            if method == "swap.prepare" {
                guard let target = p["target"]?.stringValue, let from = s.targets[target], p["image"]?.stringValue != nil else {
                    return .failure(ProtocolCallError("target_not_found", "\(p["target"]?.stringValue ?? "?"): no such thing"))
                }
                s.next += 1
                let token = "t\(s.next)"
                s.swaps[token] = Swap(target: target)
                return .success(["token": .string(token), "name": .string(target), "from_image": .string(from), "previous": "p"])
            }
            guard var swap = s.swaps[token] else { return .failure(ProtocolCallError("unknown_token", "no open swap \(token)")) }
            switch method {
            case "swap.begin":
                swap.begun = true
                if let code = failBegin {
                    s.swaps[token] = swap
                    return .failure(ProtocolCallError(code, "container.create: no space left"))
                }
                s.next += 1
                swap.newID = "new-\(s.next)"
                swap.running = newAgent != .exits
                if swap.target == "orchestrator_agent" {
                    switch newAgent {
                    case .healthy: s.health = Self.report(started: "new", connected: true, check: .ok)
                    case .neverConnects: s.health = Self.report(started: "new", connected: false, check: .ok)
                    case .selfCheckFails:
                        s.health = Self.report(started: "new", connected: true, check: .failed, failures: ["plugin x: hash_mismatch"])
                    case .exits: break
                    }
                }
                s.swaps[token] = swap
                return .success(["token": .string(token), "new_id": .string(swap.newID ?? "")])
            case "swap.status":
                return .success(["new_id": .string(swap.newID ?? ""), "running": .bool(swap.running), "exit_code": swap.running ? .null : 1])
            case "swap.commit":
                s.swaps[token] = nil
                s.committed.append(swap.target)
                return .success(["removed": true])
            case "swap.rollback":
                s.swaps[token] = nil
                if failRollback {
                    return .failure(ProtocolCallError("rollback_failed", "start: cannot start; the previous container is not running"))
                }
                if swap.begun { s.restored.append(swap.target) }
                return .success(["restored": true, "notes": []])
            default:
                return .failure(ProtocolCallError("unknown_method", method))
            }
        }
        return try result.get()
    }
}
