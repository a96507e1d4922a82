import AgentJSON
import ContainerEngineSupport
import Synchronization

/// The Docker driver's `agent.upgrader` methods (docs/plugins.md, docs/upgrade.md): parameter
/// checks, the open swaps by token, and the JSON answers; the steps are ``ContainerSwapper``'s.
///
/// | method | params | result |
/// |---|---|---|
/// | `swap.prepare` | `target`, `image` | `token`, `name`, `previous`, `from_image`, `restart_policy` |
/// | `swap.begin` | `token`, `stop_timeout_s?` (0…3600, default 15) | `token`, `new_id` |
/// | `swap.status` | `token` | `new_id`, `running`, `exit_code` (null while it runs) |
/// | `swap.commit` | `token` | `removed`, `warning?` |
/// | `swap.rollback` | `token` | `restored: true`, `notes` |
///
/// A token stays open after a failed `swap.begin` (for `swap.rollback`) and closes with
/// `swap.commit` or `swap.rollback` (also a failed one: there is nothing left to retry). One call
/// at a time per token (`swap_state` otherwise). Thread-safe.
public final class UpgraderService: Sendable {
    /// Every method name this service answers.
    public static let methods = ["swap.prepare", "swap.begin", "swap.status", "swap.commit", "swap.rollback"]

    private struct Slot {
        var ticket: SwapTicket
        var busy = false
    }

    let swapper: ContainerSwapper
    private let open = Mutex<(next: UInt64, slots: [String: Slot])>((1, [:]))

    public init(swapper: ContainerSwapper) { self.swapper = swapper }

    /// Runs one method.
    /// - Throws: ``DockerEngineError``: `bad_params` (with `field`), `unknown_method`,
    ///   `unknown_token`, `swap_state`, or the failed step's code.
    public func invoke(method: String, params object: JSONObject) async throws(DockerEngineError) -> JSONValue {
        let p = Params(object)
        switch method {
        case "swap.prepare":
            let ticket = try await swapper.prepare(target: try p.string("target"), image: try p.string("image"))
            let token = open.withLock { o in
                let token = "swap-\(o.next)-\(String(UInt32.random(in: .min ... .max), radix: 16))"
                o.next += 1
                o.slots[token] = Slot(ticket: ticket)
                return token
            }
            return [
                "token": .string(token), "name": .string(ticket.name), "previous": .string(ticket.previous),
                "from_image": .string(ticket.fromImage), "restart_policy": .string(ticket.restartPolicy),
            ]
        case "swap.begin":
            let token = try p.string("token")
            let stop = try p.int("stop_timeout_s", default: 15, in: 0...3600)
            var ticket = try checkOut(token) { t throws(DockerEngineError) in
                guard !t.begun else { throw DockerEngineError(.swapState, "\(token) has begun already") }
            }
            defer { checkIn(token, ticket, close: false) }
            try await swapper.begin(&ticket, stopTimeoutSeconds: stop)
            return ["token": .string(token), "new_id": .string(ticket.newID ?? ticket.name)]
        case "swap.status":
            let token = try p.string("token")
            let ticket = try checkOut(token, Self.mustHaveStarted)
            defer { checkIn(token, ticket, close: false) }
            let state = try await swapper.successorState(ticket)
            return [
                "new_id": .string(ticket.newID ?? ticket.name), "running": .bool(state.running),
                "exit_code": state.running ? .null : state.exitCode.map { .number(Double($0)) } ?? .null,
            ]
        case "swap.commit":
            let token = try p.string("token")
            let ticket = try checkOut(token, Self.mustHaveStarted)
            defer { checkIn(token, ticket, close: true) }
            let warning = await swapper.commit(ticket)
            var out: JSONObject = ["removed": .bool(warning == nil)]
            if let warning { out["warning"] = .string(warning) }
            return .object(out)
        case "swap.rollback":
            let token = try p.string("token")
            let ticket = try checkOut(token) { _ throws(DockerEngineError) in }
            defer { checkIn(token, ticket, close: true) }
            let notes = try await swapper.rollBack(ticket)
            return ["restored": true, "notes": .array(notes.map(JSONValue.string))]
        default:
            throw DockerEngineError(.unknownMethod, "no method '\(method)'; known: \(Self.methods.joined(separator: ", "))")
        }
    }

    /// The number of open swaps (tests).
    public var openSwaps: Int { open.withLock { $0.slots.count } }

    private static func mustHaveStarted(_ t: SwapTicket) throws(DockerEngineError) {
        guard t.started else { throw DockerEngineError(.swapState, "the swap has no running successor (swap.begin did not succeed)") }
    }

    /// Marks the token's swap busy after `check` accepted its ticket.
    private func checkOut(_ token: String, _ check: (SwapTicket) throws(DockerEngineError) -> Void) throws(DockerEngineError) -> SwapTicket {
        let result: Result<SwapTicket, DockerEngineError> = open.withLock { o in
            guard var slot = o.slots[token] else {
                return .failure(DockerEngineError(.unknownToken, "no open swap \(token)", field: "token"))
            }
            guard !slot.busy else { return .failure(DockerEngineError(.swapState, "another call on \(token) is running")) }
            do throws(DockerEngineError) { try check(slot.ticket) } catch { return .failure(error) }
            slot.busy = true
            o.slots[token] = slot
            return .success(slot.ticket)
        }
        return try result.get()
    }

    /// Stores the ticket back (not busy), or forgets the token.
    private func checkIn(_ token: String, _ ticket: SwapTicket, close: Bool) {
        open.withLock { o in
            if close { o.slots[token] = nil } else { o.slots[token] = Slot(ticket: ticket) }
        }
    }
}
