import Logging

/// The operator-facing services of a process: the audit trail (every answered command, from
/// any door) and, in the daemon, the local door (a `Service` for the daemon's `ServiceGroup`).
/// Install before the transport starts so the first cloud command is already audited.
public final class OperatorServices: Sendable {
    public let audit: AuditLog
    public let door: LocalDoor?

    /// Starts auditing `agent`'s commands and, when `openDoor` and the site enables it, opens the
    /// local door on `loops` (bound when this returns).
    /// - Throws: ``AgentCoreError`` (`config_invalid`, `audit_unavailable`, `door_unavailable`).
    public init(agent: Agent, openDoor: Bool, loops: ServerEventLoops = .shared) throws(AgentCoreError) {
        let config = agent.services.config.config
        let settings = try OperatorSettings.parse(config)
        let audit = try AuditLog(
            directory: OperatorSettings.auditDirectory(config), maxBytes: settings.auditMaxBytes, maxFiles: settings.auditMaxFiles,
            syncWindow: .milliseconds(settings.auditSyncWindowMs), clock: agent.services.clock,
            timerExecutor: agent.services.timerExecutor)
        let logger = agent.services.logger
        agent.services.commands.observe { record in
            if audit.append(record) == nil {
                logger.error("audit: could not append", metadata: ["topic": "\(record.topic)", "who": "\(record.origin)"])
            }
        }
        self.audit = audit
        if openDoor, settings.doorEnabled {
            door = try LocalDoor(
                path: settings.doorSocket, dispatcher: agent.dispatcher, logger: logger, allowedUIDs: Set(settings.allowedUIDs),
                loops: loops)
            logger.info("local door open", metadata: ["socket": "\(settings.doorSocket)"])
        } else {
            door = nil
        }
    }

    /// Closes the door (the audit trail needs no closing: every line is synced when written).
    /// Idempotent; the daemon's service group closes it at graceful shutdown already.
    public func close() { door?.close() }
}
