import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// Quarantine: a stored journal or outbox value the plugin cannot read is moved, in one atomic
/// write, from `<key>` to `quarantine/<key>` as `{"key", "reason", "value" (as stored), "at"}`.
/// It then no longer takes part in recovery (an unreadable entry cannot be resumed or sent), it
/// is logged once (as an error, when moved), and `orchestrator-agent check` warns about every
/// `quarantine/` key in any plugin's store. Device records are not quarantined (see
/// docs/runtime-containers.md): an unreadable one stays where it is.
extension RuntimeStore {
    static let quarantinePrefix = "quarantine/"

    /// Moves the unreadable `value` of `key` to `quarantine/<key>`. When the move itself fails
    /// (store error), the value stays and the failure is logged: it is read, and reported, again
    /// at the next read.
    func quarantine(_ key: String, value: JSONValue, reason: String) {
        let target = Self.quarantinePrefix + key
        let entry: JSONValue = [
            "key": .string(key), "reason": .string(reason), "value": value, "at": .string(WallClock.iso(WallClock.now())),
        ]
        do {
            try host.storeApply([.put(target, entry), .delete(key)])
            host.log(.error, "unreadable store record quarantined", metadata: ["key": key, "quarantine": target, "reason": reason])
        } catch {
            host.log(
                .error, "unreadable store record skipped; could not quarantine it",
                metadata: ["key": key, "reason": reason, "error": error.message])
        }
    }
}
