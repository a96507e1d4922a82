import ContainerEngineSupport
import AgentJSON

/// The Docker upgrader's steps: replaces one running container by a successor on a new image
/// and, when told, keeps it or puts the original back (docs/upgrade.md). Every engine call goes
/// through ``DriverCall`` (the driver's own methods; a fake in tests). It names nothing but the
/// container, `<name>_previous` and the successor.
///
/// - ``prepare(target:image:)`` reads only: inspect, the old image's config, a leftover
///   `<name>_previous`.
/// - ``begin(_:stopTimeoutSeconds:)``: restart policy `no` → stop → rename to `<name>_previous`
///   → create `<name>` → start. It records in the ticket how far it got, also when it fails.
/// - ``successorState(_:)``, ``commit(_:)``; the rollback is in `ContainerSwapper+Rollback`.
public struct ContainerSwapper: Sendable {
    /// One container-driver call: method and parameters → answer.
    public typealias DriverCall = @Sendable (_ method: String, _ params: JSONObject) async throws(DockerEngineError) -> JSONValue

    let call: DriverCall
    let log: @Sendable (String) -> Void

    /// - Parameters:
    ///   - call: runs a container-driver method (``ContainerDriverService/invoke(method:params:)``).
    ///   - log: progress lines (the plugin's log).
    public init(call: @escaping DriverCall, log: @escaping @Sendable (String) -> Void) {
        self.call = call
        self.log = log
    }

    /// Reads what the swap needs; changes nothing.
    /// - Throws: `target_not_found`, `image_inspect_failed`, `previous_exists`.
    public func prepare(target: String, image: String) async throws(DockerEngineError) -> SwapTicket {
        let current: JSONObject
        do { current = try await object("container.inspect", ["id": .string(target)]) } catch {
            throw DockerEngineError(.targetNotFound, "\(target): \(error.message)")
        }
        guard let oldID = current["id"]?.stringValue, let name = current["name"]?.stringValue,
            let imageID = current["image_id"]?.stringValue
        else { throw DockerEngineError(.targetNotFound, "\(target) has no id, name or image") }
        let oldImage: JSONObject
        do { oldImage = try await object("image.inspect", ["ref": .string(imageID)]) } catch {
            throw DockerEngineError(.imageInspectFailed, "\(imageID): \(error.message)")
        }
        let previous = name + "_previous"
        var leftover: String? = nil
        // harmless: "not found" is the usual answer; a leftover that cannot be inspected makes the
        // rename in begin fail, which the caller rolls back with that error
        if let p = try? await object("container.inspect", ["id": .string(previous)]) {
            guard p["state"]?.objectValue?["running"]?.boolValue != true else {
                throw DockerEngineError(.previousExists, "\(previous) exists and runs")
            }
            leftover = p["id"]?.stringValue ?? previous
        }
        return SwapTicket(
            oldID: oldID, name: name, fromImage: current["image"]?.stringValue ?? "", previous: previous,
            restartPolicy: current["host_config"]?.objectValue?["restart_policy"]?.stringValue ?? "no",
            createParams: ContainerRecreation.createParams(
                container: current, oldImageConfig: oldImage["config"]?.objectValue ?? [:], image: image),
            leftoverPrevious: leftover)
    }

    /// Takes the old container down (the engine must not restart it meanwhile) and starts its
    /// successor. `ticket` records each step done, also when a later one fails.
    /// - Throws: `update_failed`, `stop_failed`, `rename_failed`, `create_failed`, `start_failed`.
    public func begin(_ ticket: inout SwapTicket, stopTimeoutSeconds: Int) async throws(DockerEngineError) {
        ticket.begun = true
        if let leftover = ticket.leftoverPrevious {
            log("removing a leftover \(ticket.previous)")
            do { try await step("container.remove", ["id": .string(leftover), "force": true], .engineError) } catch {
                log("warning: the leftover \(ticket.previous) could not be removed (\(error.message)); the rename fails if it stays")
            }
        }
        let oldID = ticket.oldID
        log("stopping \(ticket.name) (\(String(oldID.prefix(12))))")
        try await step("container.update", ["id": .string(oldID), "restart_policy": "no"], .updateFailed)
        try await step("container.stop", ["id": .string(oldID), "timeout_s": .number(Double(stopTimeoutSeconds))], .stopFailed)
        try await step("container.rename", ["id": .string(oldID), "name": .string(ticket.previous)], .renameFailed)
        ticket.renamed = true
        log("creating \(ticket.name) from \(ticket.createParams["image"]?.stringValue ?? "?")")
        let created: JSONObject
        do { created = try await object("container.create", ticket.createParams) } catch {
            throw DockerEngineError(.createFailed, "container.create: \(error.message)")
        }
        ticket.newID = created["id"]?.stringValue ?? ticket.name
        try await step("container.start", ["id": .string(ticket.newID ?? ticket.name)], .startFailed)
        ticket.started = true
        log("\(ticket.name) started; waiting for the caller's gate")
    }

    /// Whether the successor runs, and its exit code once it stopped.
    /// - Throws: the engine's error of `container.inspect`.
    public func successorState(_ ticket: SwapTicket) async throws(DockerEngineError) -> (running: Bool, exitCode: Int?) {
        let state = try await object("container.inspect", ["id": .string(ticket.newID ?? ticket.name)])["state"]?.objectValue
        return (state?["running"]?.boolValue == true, state?["exit_code"]?.numberValue.map { Int($0) })
    }

    /// Keeps the successor: removes the previous container.
    /// - Returns: nil, or a warning when the previous container could not be removed (the swap
    ///   stands; the leftover is removed by the next swap's `begin`).
    public func commit(_ ticket: SwapTicket) async -> String? {
        do { try await step("container.remove", ["id": .string(ticket.oldID), "force": true], .engineError) } catch {
            let warning = "\(ticket.previous) could not be removed (\(error.message))"
            log("warning: \(warning)")
            return warning
        }
        return nil
    }

    // MARK: calls

    /// One step: the driver's error becomes `code` with the method named in the message.
    func step(_ method: String, _ params: JSONObject, _ code: DockerEngineError.Code) async throws(DockerEngineError) {
        do { _ = try await call(method, params) } catch { throw DockerEngineError(code, "\(method): \(error.message)") }
    }

    /// A call whose answer is an object (`{}` when it is not).
    func object(_ method: String, _ params: JSONObject) async throws(DockerEngineError) -> JSONObject {
        try await call(method, params).objectValue ?? [:]
    }
}
