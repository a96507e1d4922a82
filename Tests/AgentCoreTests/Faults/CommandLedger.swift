import AgentJSON

/// What a fault test sent to the agent and what came back, per `correlation_id`: the test's own
/// record of the cloud side (the lab cloud records the agent's events, not the acks it relays).
actor CommandLedger {
    struct Entry: Sendable {
        let topic: String
        let device: String
        /// Times the command was emitted (a command re-sent after a lost ack keeps its id).
        var sends = 0
        /// Every ack that came back, in order.
        var acks: [JSONObject] = []
    }

    private(set) var entries: [Int: Entry] = [:]
    private var nextID: Int

    init(firstCorrelation: Int = 1) { nextID = firstCorrelation }

    /// A correlation id never used in this ledger.
    func newCorrelation() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    func sent(_ correlation: Int, topic: String, device: String) {
        var e = entries[correlation] ?? Entry(topic: topic, device: device)
        e.sends += 1
        entries[correlation] = e
    }

    func acked(_ correlation: Int, _ ack: JSONObject) { entries[correlation]?.acks.append(ack) }

    /// The operation id the agent gave `correlation` (from its first ack that has one).
    func operationID(_ correlation: Int) -> String? {
        entries[correlation]?.acks.lazy.compactMap { $0["operation_id"]?.stringValue }.first
    }

    var totals: (commands: Int, sends: Int, acks: Int, replayed: Int) {
        let all = entries.values
        return (
            all.count, all.reduce(0) { $0 + $1.sends }, all.reduce(0) { $0 + $1.acks.count },
            all.reduce(0) { $0 + $1.acks.filter { $0["replayed"] == true }.count }
        )
    }
}
