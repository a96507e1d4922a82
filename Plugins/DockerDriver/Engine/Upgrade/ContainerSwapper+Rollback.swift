import ContainerEngineSupport
import AgentJSON

extension ContainerSwapper {
    /// Puts the previous container back as it was, whatever ``begin(_:stopTimeoutSeconds:)``
    /// got through: the successor is stopped and removed, the previous one gets back its name and
    /// restart policy and is started. A ticket whose swap never began needs nothing.
    /// - Returns: notes on steps that failed without keeping the previous one from running.
    /// - Throws: `rollback_failed` when the previous container does not run afterwards (the
    ///   message lists every step that failed).
    public func rollBack(_ ticket: SwapTicket) async throws(DockerEngineError) -> [String] {
        guard ticket.begun else { return [] }
        log("rolling back \(ticket.name)")
        var problems: [String] = []
        if let newID = ticket.newID {
            // harmless: a stop that fails is followed by the forced remove, which reports
            _ = try? await call("container.stop", ["id": .string(newID), "timeout_s": 10])
            do { try await step("container.remove", ["id": .string(newID), "force": true], .engineError) } catch {
                problems.append("the new container could not be removed: \(error.message)")
            }
        }
        if ticket.renamed {
            do { try await step("container.rename", ["id": .string(ticket.oldID), "name": .string(ticket.name)], .renameFailed) } catch {
                problems.append("rename back: \(error.message)")
            }
        }
        do {
            try await step(
                "container.update", ["id": .string(ticket.oldID), "restart_policy": .string(ticket.restartPolicy)], .updateFailed)
        } catch {
            problems.append("its restart policy could not be restored to \(ticket.restartPolicy): \(error.message)")
        }
        do { try await step("container.start", ["id": .string(ticket.oldID)], .startFailed) } catch {
            problems.append("start: \(error.message)")
        }
        var running = false
        do { running = try await object("container.inspect", ["id": .string(ticket.oldID)])["state"]?.objectValue?["running"]?.boolValue == true } catch {
            problems.append("inspect: \(error.message)")
        }
        guard running else {
            problems.append("the previous container is not running")
            throw DockerEngineError(.rollbackFailed, problems.joined(separator: "; "))
        }
        if !problems.isEmpty { log("rollback notes: \(problems.joined(separator: "; "))") }
        return problems
    }
}
