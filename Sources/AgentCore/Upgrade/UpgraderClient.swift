import AgentJSON
import CAgentABI

/// The host's typed view of an `agent.upgrader` (docs/plugins.md): the JSON methods of one
/// swap, over a call closure (``ProtocolCalls/upgrader(_:_:name:timeout:)`` in the helper, a fake
/// in tests). It knows the method shapes, nothing of how a deployment swaps.
public struct UpgraderClient: Sendable {
    /// One `agent.upgrader` call: method and parameters → answer.
    public typealias Call = @Sendable (_ method: String, _ params: JSONObject) async throws(ProtocolCallError) -> JSONValue

    /// What `swap.prepare` read: the swap's token, and the image the target runs now.
    public struct Prepared: Sendable, Equatable {
        public let token: String
        public let name: String
        public let fromImage: String
    }

    /// The successor's state (`swap.status`).
    public struct Successor: Sendable, Equatable {
        public let running: Bool
        public let exitCode: Int?
    }

    /// `agent.upgrader`, the protocol id the client speaks.
    public static let protocolID = AGENT_PROTOCOL_UPGRADER

    let call: Call

    public init(call: @escaping Call) { self.call = call }

    /// `swap.prepare`: reads the target; nothing changes.
    /// - Throws: the upgrader's code (`target_not_found`, `image_inspect_failed`,
    ///   `previous_exists`, …) or `bad_answer` when it answered no token.
    public func prepare(target: String, image: String) async throws(ProtocolCallError) -> Prepared {
        let o = try await object("swap.prepare", ["target": .string(target), "image": .string(image)])
        guard let token = o["token"]?.stringValue, !token.isEmpty else {
            throw ProtocolCallError("bad_answer", "swap.prepare answered no token")
        }
        return Prepared(token: token, name: o["name"]?.stringValue ?? target, fromImage: o["from_image"]?.stringValue ?? "")
    }

    /// `swap.begin`: the target goes down and its successor runs.
    /// - Returns: the successor's id.
    /// - Throws: the failed step's code (`stop_failed`, `create_failed`, …); the token stays
    ///   open for ``rollBack(_:)``.
    public func begin(_ token: String, stopTimeoutSeconds: Int) async throws(ProtocolCallError) -> String {
        let o = try await object("swap.begin", ["token": .string(token), "stop_timeout_s": .number(Double(stopTimeoutSeconds))])
        return o["new_id"]?.stringValue ?? ""
    }

    /// `swap.status`: whether the successor still runs.
    public func status(_ token: String) async throws(ProtocolCallError) -> Successor {
        let o = try await object("swap.status", ["token": .string(token)])
        guard let running = o["running"]?.boolValue else { throw ProtocolCallError("bad_answer", "swap.status answered no 'running'") }
        return Successor(running: running, exitCode: o["exit_code"]?.numberValue.map { Int($0) })
    }

    /// `swap.commit`: the previous one goes; the swap stands.
    /// - Returns: the upgrader's warning when the previous one could not be removed.
    public func commit(_ token: String) async throws(ProtocolCallError) -> String? {
        try await object("swap.commit", ["token": .string(token)])["warning"]?.stringValue
    }

    /// `swap.rollback`: the successor goes, the previous one runs again as it was.
    /// - Returns: notes on steps that failed without keeping the previous one from running.
    /// - Throws: `rollback_failed` (or a host code) when the previous one does not run.
    public func rollBack(_ token: String) async throws(ProtocolCallError) -> [String] {
        let o = try await object("swap.rollback", ["token": .string(token)])
        return (o["notes"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    private func object(_ method: String, _ params: JSONObject) async throws(ProtocolCallError) -> JSONObject {
        guard let o = try await call(method, params).objectValue else {
            throw ProtocolCallError("bad_answer", "\(method) did not answer a JSON object")
        }
        return o
    }
}
