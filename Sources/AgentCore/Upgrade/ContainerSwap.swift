import AgentJSON

/// Replaces one running container by a successor on a new image, and puts the original back
/// when the successor fails its gate: inspect → restart policy `no` → stop → rename to
/// `<name>_previous` → create `<name>` (``ContainerRecreation``) → start → gate → remove the
/// previous one, or roll back (stop and remove the successor, rename the previous one back,
/// restore its restart policy, start it). It touches nothing but those two containers.
struct ContainerSwap: Sendable {
    /// A failed step: stable code and what happened.
    struct Failure: Error, Sendable {
        let code: String
        let message: String
        init(_ code: String, _ message: String) {
            self.code = code
            self.message = message
        }
    }

    /// Decides whether the started successor (its id) is good; nil = passed.
    typealias Gate = @Sendable (_ newID: String) async -> Failure?

    /// The outcome, and the image the container ran before.
    struct Outcome: Sendable {
        var result: UpgradeResult.Outcome
        var from: String
        var failure: Failure?
    }

    let docker: AgentSwap.Docker
    let log: @Sendable (String) -> Void
    /// Runs in a rollback just before the previous container is started again (the agent's
    /// swap puts the previous site config back there).
    var beforeRestart: @Sendable () -> Void = {}
    /// `container.stop`'s grace before SIGKILL (upstream: 15 s).
    var stopTimeoutSeconds = 15

    func run(target: String, image: String, gate: Gate) async -> Outcome {
        let current: JSONObject
        do { current = try await object("container.inspect", ["id": .string(target)]) } catch {
            return Outcome(result: .failed, from: "", failure: Failure("target_not_found", "\(target): \(error.message)"))
        }
        let from = current["image"]?.stringValue ?? ""
        guard let oldID = current["id"]?.stringValue, let name = current["name"]?.stringValue,
            let imageID = current["image_id"]?.stringValue
        else { return Outcome(result: .failed, from: from, failure: Failure("target_not_found", "\(target) has no id, name or image")) }
        let oldImage: JSONObject
        do { oldImage = try await object("image.inspect", ["ref": .string(imageID)]) } catch {
            return Outcome(result: .failed, from: from, failure: Failure("image_inspect_failed", "\(imageID): \(error.message)"))
        }
        let params = ContainerRecreation.createParams(
            container: current, oldImageConfig: oldImage["config"]?.objectValue ?? [:], image: image)
        let previous = name + "_previous"
        // harmless: "not found" is the usual answer; a leftover that cannot be inspected makes the
        // rename below fail, which rolls back with its own error
        if let p = try? await object("container.inspect", ["id": .string(previous)]) {
            guard p["state"]?.objectValue?["running"]?.boolValue != true else {
                return Outcome(result: .failed, from: from, failure: Failure("previous_exists", "\(previous) exists and runs"))
            }
            log("removing a leftover \(previous)")
            do { try await call("container.remove", ["id": .string(previous), "force": true], code: "remove_failed") } catch {
                log("warning: the leftover \(previous) could not be removed (\(error.code): \(error.message)); the rename fails if it stays")
            }
        }
        let policy = current["host_config"]?.objectValue?["restart_policy"]?.stringValue ?? "no"
        var state = RollbackState(oldID: oldID, name: name, previous: previous, policy: policy)

        // Down with the old one (it must not be restarted by the engine meanwhile).
        do {
            log("stopping \(name) (\(String(oldID.prefix(12))))")
            try await call("container.update", ["id": .string(oldID), "restart_policy": "no"], code: "update_failed")
            try await call("container.stop", ["id": .string(oldID), "timeout_s": .number(Double(stopTimeoutSeconds))], code: "stop_failed")
            try await call("container.rename", ["id": .string(oldID), "name": .string(previous)], code: "rename_failed")
            state.renamed = true
            log("creating \(name) from \(image)")
            let created = try await object("container.create", params, code: "create_failed")
            state.newID = created["id"]?.stringValue
            try await call("container.start", ["id": .string(state.newID ?? name)], code: "start_failed")
        } catch {
            return await rollBack(state, because: error, from: from)
        }
        log("\(name) started from \(image); waiting for its gate")
        if let failure = await gate(state.newID ?? name) { return await rollBack(state, because: failure, from: from) }
        do { try await call("container.remove", ["id": .string(oldID), "force": true], code: "remove_failed") } catch {
            log("warning: \(previous) could not be removed (\(error.code): \(error.message))")
        }
        return Outcome(result: .succeeded, from: from, failure: nil)
    }

    /// What a rollback has to undo.
    struct RollbackState: Sendable {
        let oldID: String
        let name: String
        let previous: String
        let policy: String
        var renamed = false
        var newID: String? = nil
    }

    /// Puts the previous container back; `failed` with `rollback_failed` when it cannot.
    func rollBack(_ s: RollbackState, because failure: Failure, from: String) async -> Outcome {
        log("rolling back: \(failure.code): \(failure.message)")
        var problems: [String] = []
        if let newID = s.newID {
            // harmless: a stop that fails is followed by the forced remove, which reports
            _ = try? await docker("container.stop", ["id": .string(newID), "timeout_s": 10])
            do { try await call("container.remove", ["id": .string(newID), "force": true], code: "remove_failed") } catch {
                problems.append("the new container could not be removed: \(error.message)")
            }
        }
        if s.renamed {
            do { try await call("container.rename", ["id": .string(s.oldID), "name": .string(s.name)], code: "rename_failed") } catch {
                problems.append("rename back: \(error.message)")
            }
        }
        beforeRestart()
        do {
            try await call("container.update", ["id": .string(s.oldID), "restart_policy": .string(s.policy)], code: "update_failed")
        } catch {
            problems.append("its restart policy could not be restored to \(s.policy): \(error.message)")
        }
        do { try await call("container.start", ["id": .string(s.oldID)], code: "start_failed") } catch {
            problems.append("start: \(error.message)")
        }
        var running = false
        do { running = try await object("container.inspect", ["id": .string(s.oldID)])["state"]?.objectValue?["running"]?.boolValue == true } catch {
            problems.append("inspect: \(error.message)")
        }
        guard running else {
            problems.append("the previous container is not running")
            return Outcome(
                result: .failed, from: from,
                failure: Failure("rollback_failed", "\(failure.code): \(failure.message); rollback: \(problems.joined(separator: "; "))"))
        }
        if !problems.isEmpty { log("rollback notes: \(problems.joined(separator: "; "))") }
        return Outcome(result: .rolledBack, from: from, failure: failure)
    }

    // MARK: calls

    private func call(_ method: String, _ params: JSONObject, code: String) async throws(Failure) {
        do { _ = try await docker(method, params) } catch { throw Failure(code, "\(method): \(error.message)") }
    }

    private func object(_ method: String, _ params: JSONObject, code: String = "engine_error") async throws(Failure) -> JSONObject {
        do { return try await docker(method, params).objectValue ?? [:] } catch { throw Failure(code, "\(method): \(error.message)") }
    }
}
