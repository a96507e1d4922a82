import AgentJSON
import AgentPluginKit
import Logging
import Synchronization
import RuntimeModel

/// The plugin's durable state in the host store: device records (`device/<id>`), the operation
/// journal (`op/<id>`), the outbox of completion events not yet handed to the transport
/// (`outbox/<id>`, RuntimeStore+Outbox.swift), journal records set aside as unreadable
/// (`quarantine/<key>`, RuntimeStore+Quarantine.swift) and recorded acks of mutating commands
/// (`req/<topic>/<device>/<correlation>`). Every method is durable when it returns.
struct RuntimeStore: Sendable {
    let host: PluginHost
    /// Finished journal entries kept (the newest per device always stays).
    let keepFinished = 200
    /// Recorded acks kept for idempotent replays.
    let keepRequests = 1000
    /// Unsent completion events kept; at the bound a new one drops the oldest (logged as an
    /// error). The outbox only grows while events cannot be handed over (see OperationOutbox).
    let keepOutbox = 200

    func wrap<T>(_ body: () throws(PluginError) -> T) throws(RuntimeError) -> T {
        do { return try body() } catch {
            throw RuntimeError("store_failed", "the state store failed: \(error.message)")
        }
    }

    // MARK: devices

    func record(_ id: String) throws(RuntimeError) -> DeviceRecord? {
        guard let v = try wrap({ () throws(PluginError) in try host.storeGet("device/" + id) }) else { return nil }
        return try DeviceRecord(json: v)
    }

    /// All readable records; unreadable ones are logged and skipped (never deleted).
    func records() throws(RuntimeError) -> [DeviceRecord] {
        let keys = try wrap { () throws(PluginError) in try host.storeKeys(prefix: "device/") }
        var out: [DeviceRecord] = []
        for k in keys {
            guard let v = try wrap({ () throws(PluginError) in try host.storeGet(k) }) else { continue }
            do { out.append(try DeviceRecord(json: v)) } catch {
                host.log(.error, "unreadable device record kept as is", metadata: ["key": k, "error": error.message])
            }
        }
        return out
    }

    func put(_ record: DeviceRecord) throws(RuntimeError) {
        try wrap { () throws(PluginError) in try host.storePut("device/" + record.deviceID, record.json) }
    }

    /// Changes `id`'s record without losing a write made meanwhile by another task (the store's
    /// compare-and-swap, read again and retried on a conflict). `change` answers whether it
    /// changed anything; nothing is written when it did not, or when there is no (readable) record.
    /// - Returns: whether a change was written.
    @discardableResult
    func update(_ id: String, _ change: (inout DeviceRecord) -> Bool) throws(RuntimeError) -> Bool {
        let unchanged = "unchanged"
        do throws(PluginError) {
            try host.storeUpdate("device/" + id) { old throws(PluginError) -> JSONValue in
                guard let old, var record = try? DeviceRecord(json: old), change(&record) else {  // harmless: no record or an unreadable one is left as it is
                    throw PluginError(code: unchanged, message: "nothing to change")
                }
                return record.json
            }
            return true
        } catch where error.code == unchanged {
            return false
        } catch {
            throw RuntimeError("store_failed", "the state store failed: \(error.message)")
        }
    }

    // MARK: journal

    func put(_ op: OperationRecord) throws(RuntimeError) {
        try wrap { () throws(PluginError) in try host.storePut("op/" + op.id, op.json) }
    }

    /// Every readable journal entry, oldest first (ids sort by time). An unreadable one is moved
    /// to `quarantine/op/<id>` with the reason (one atomic write, logged once): it is never
    /// silently skipped, and `orchestrator-agent check` reports it.
    func operations() throws(RuntimeError) -> [OperationRecord] {
        let keys = try wrap { () throws(PluginError) in try host.storeKeys(prefix: "op/") }
        var out: [OperationRecord] = []
        for k in keys {
            guard let v = try wrap({ () throws(PluginError) in try host.storeGet(k) }) else { continue }
            do { out.append(try OperationRecord(json: v)) } catch { quarantine(k, value: v, reason: error.message) }
        }
        return out
    }

    /// Writes the final state of `op` together with the device change and, when `event` is
    /// given, its completion event in the outbox (`outbox/<id>`), atomically; prunes older
    /// finished entries of the same device and outbox entries over ``keepOutbox``.
    /// - Returns: how many of the oldest unsent events the bound dropped (usually 0).
    @discardableResult
    func finish(
        _ op: OperationRecord, device: DeviceRecord?, deleteDevice: Bool = false, event: JSONObject? = nil
    ) throws(RuntimeError) -> Int {
        var m: [PluginHost.StoreMutation] = [.put("op/" + op.id, op.json)]
        if let device { m.append(.put("device/" + device.deviceID, device.json)) }
        if deleteDevice { m.append(.delete("device/" + op.deviceID)) }
        // Pruning is housekeeping: a journal that cannot be read now is pruned by a later finish.
        let all = (try? operations()) ?? []
        let finished = all.filter { !$0.state.isActive && $0.id != op.id }
        for old in finished where old.deviceID == op.deviceID { m.append(.delete("op/" + old.id)) }
        let others = finished.filter { $0.deviceID != op.deviceID }
        if others.count > keepFinished {
            for old in others.prefix(others.count - keepFinished) { m.append(.delete("op/" + old.id)) }
        }
        var dropped = 0
        if let event {
            let add = try outboxMutations(adding: op.id, event: event)
            m += add.mutations
            dropped = add.dropped
        }
        try wrap { () throws(PluginError) in try host.storeApply(m) }
        if dropped > 0 {
            host.log(
                .error, "outbox full: dropped the oldest unsent completion events",
                metadata: ["dropped": String(dropped), "bound": String(keepOutbox)])
        }
        return dropped
    }

    // MARK: recorded acks

    static func requestKey(topic: String, device: String, correlation: JSONValue) -> String? {
        guard case .number = correlation else {
            guard let s = correlation.stringValue, !s.isEmpty else { return nil }
            return "req/\(topic)/\(device)/s:\(s)"
        }
        return "req/\(topic)/\(device)/\(JSONWriter.string(correlation))"
    }

    func recordedAck(_ key: String) throws(RuntimeError) -> JSONObject? {
        try wrap { () throws(PluginError) in try host.storeGet(key) }?.objectValue?["ack"]?.objectValue
    }

    /// Journals a new operation and records its ack (when it has a correlation key) in one
    /// atomic write: an agent killed (or a disk that fills up) in between can leave neither a
    /// journaled operation whose ack a re-sent command cannot find (it would run twice), nor a
    /// queued entry for a command that was answered with an error (recovery would run it).
    func accept(_ op: OperationRecord, ackKey: String?, ack: JSONObject) throws(RuntimeError) {
        var m: [PluginHost.StoreMutation] = [.put("op/" + op.id, op.json)]
        if let ackKey { m += try ackMutations(ackKey, ack) }
        try wrap { () throws(PluginError) in try host.storeApply(m) }
    }

    /// The mutations that record `ack` under `key`, dropping the oldest records over the limit.
    private func ackMutations(_ key: String, _ ack: JSONObject) throws(RuntimeError) -> [PluginHost.StoreMutation] {
        var m: [PluginHost.StoreMutation] = [.put(key, ["ack": .object(ack), "at": .number(WallClock.now())])]
        let keys = try wrap { () throws(PluginError) in try host.storeKeys(prefix: "req/") }
        if keys.count >= keepRequests {
            // Drop the oldest by recorded time.
            var dated: [(String, Double)] = []
            for k in keys {
                // harmless: an ack that cannot be read counts as the oldest and is pruned first
                let at = (try? host.storeGet(k))??.objectValue?["at"]?.numberValue ?? 0
                dated.append((k, at))
            }
            for (k, _) in dated.sorted(by: { $0.1 < $1.1 }).prefix(keys.count - keepRequests + 1) { m.append(.delete(k)) }
        }
        return m
    }
}
