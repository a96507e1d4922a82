import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// The outbox: an operation's completion event (`operation_update` payload) under
/// `outbox/<operation id>`, written in the same atomic store write as the operation's end
/// (``RuntimeStore/finish(_:device:deleteDevice:event:)``) and removed once the event was
/// handed to a connected transport (``OperationOutbox``).
///
/// A key of its own rather than a flag on the journal entry: `finish` prunes a device's older
/// finished entries at every end, so a flag would vanish with its entry when a second operation
/// of the device ends before the first one's event is out; and the outbox holds the exact
/// payload to send, readable with one prefix scan.
extension RuntimeStore {
    static let outboxPrefix = "outbox/"

    /// The mutations that add the event of `id`, dropping the oldest entries over the bound.
    func outboxMutations(adding id: String, event: JSONObject) throws(RuntimeError) -> (
        mutations: [PluginHost.StoreMutation], dropped: Int
    ) {
        let key = Self.outboxPrefix + id
        var m: [PluginHost.StoreMutation] = [.put(key, .object(event))]
        let others = try wrap { () throws(PluginError) in try host.storeKeys(prefix: Self.outboxPrefix) }.filter { $0 != key }
        let over = max(0, others.count + 1 - keepOutbox)
        for old in others.prefix(over) { m.append(.delete(old)) }  // keys sort by time: oldest first
        return (m, over)
    }

    /// Every unsent completion event, oldest first. A value that is not an event object is
    /// quarantined (``quarantine(_:value:reason:)``), not sent.
    func outbox() throws(RuntimeError) -> [(id: String, event: JSONObject)] {
        let keys = try wrap { () throws(PluginError) in try host.storeKeys(prefix: Self.outboxPrefix) }
        var out: [(id: String, event: JSONObject)] = []
        for k in keys {
            guard let v = try wrap({ () throws(PluginError) in try host.storeGet(k) }) else { continue }
            guard let event = v.objectValue, event["operation_id"]?.stringValue != nil else {
                quarantine(k, value: v, reason: "an outbox entry is not an operation_update object")
                continue
            }
            out.append((String(k.dropFirst(Self.outboxPrefix.count)), event))
        }
        return out
    }

    /// Removes the outbox entry of operation `id` (its event was handed over).
    func removeFromOutbox(_ ids: [String]) throws(RuntimeError) {
        guard !ids.isEmpty else { return }
        try wrap { () throws(PluginError) in try host.storeApply(ids.map { .delete(Self.outboxPrefix + $0) }) }
    }
}
