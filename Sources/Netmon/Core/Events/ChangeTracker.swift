/// Decides which `network_change` events to send, and when.
///
/// * A link that is down or gone is reported at once.
/// * Any other change starts (or extends) a per-interface debounce window (default 300 ms); when
///   it has been quiet that long — or at the latest after ``maxDelayMs`` — the interface's current
///   state is compared with what was last sent for it, and sent only if it differs.
/// * A resync (periodic, or after ENOBUFS) compares every interface that has no window open, so a
///   missed event is repaired and an unchanged network costs nothing on the wire.
///
/// Pure and single-threaded: the caller passes the current table and the time.
public struct ChangeTracker: Sendable {
    /// What the clients were last told about an interface.
    public enum Sent: Sendable, Equatable {
        case up(InterfaceInfo)
        case down(InterfaceInfo)

        var info: InterfaceInfo {
            switch self {
            case .up(let i), .down(let i): return i
            }
        }
    }

    /// One `network_change` to send.
    public enum Change: Sendable, Equatable {
        /// Full InterfaceInfo (status up).
        case up(InterfaceInfo)
        /// The stub with status `down`.
        case down(InterfaceInfo)
        /// The stub with status `removed` (the link is gone, or was renamed away from this name).
        case removed(InterfaceInfo)

        public var index: Int32 {
            switch self {
            case .up(let i), .down(let i), .removed(let i): return i.index
            }
        }
    }

    public let debounceMs: Int64
    /// The longest an interface that keeps changing waits for a quiet window.
    public let maxDelayMs: Int64
    public private(set) var lastSent: [Int32: Sent] = [:]
    private var pending: [Int32: (deadline: Int64, first: Int64)] = [:]

    /// - Parameters:
    ///   - debounceMs: quiet time before an interface is sent (0: at once).
    ///   - maxDelayMs: cap on the wait under a continuous stream of events (default 5× debounce, ≥ 1 s).
    public init(debounceMs: Int64 = 300, maxDelayMs: Int64? = nil) {
        self.debounceMs = max(0, debounceMs)
        self.maxDelayMs = maxDelayMs ?? max(1000, 5 * self.debounceMs)
    }

    /// Interfaces waiting for their window to close.
    public var pendingIndexes: [Int32] { pending.keys.sorted() }

    /// When ``due(now:table:probe:)`` next has work, if ever.
    public var nextDeadline: Int64? { pending.values.map(\.deadline).min() }

    /// Records the current table as already sent (start-up: nobody was told anything yet, and
    /// every new client gets the full table in its greeting anyway).
    public mutating func prime(table: InterfaceTable, probe: InterfaceTypeProbe) {
        lastSent = [:]
        pending = [:]
        for info in table.allInfo(probe: probe) { lastSent[info.index] = sentState(info) }
    }

    /// Interface `index` may have changed at `now`. Returns what to send at once (down/removed).
    public mutating func changed(
        _ index: Int32, now: Int64, table: InterfaceTable, probe: InterfaceTypeProbe
    ) -> [Change] {
        // Only the link's state is needed here (cheap); the full info is built when the window closes.
        guard let link = table.links[index], link.isUp else {
            pending[index] = nil
            return settle(index, table: table, probe: probe)
        }
        if debounceMs == 0 {
            pending[index] = nil
            return settle(index, table: table, probe: probe)
        }
        let first = pending[index]?.first ?? now
        pending[index] = (min(now + debounceMs, first + maxDelayMs), first)
        return []
    }

    /// The changes of every interface whose window has closed by `now`.
    public mutating func due(now: Int64, table: InterfaceTable, probe: InterfaceTypeProbe) -> [Change] {
        let ready = pending.filter { $0.value.deadline <= now }.keys.sorted()
        var out: [Change] = []
        for index in ready {
            pending[index] = nil
            out += settle(index, table: table, probe: probe)
        }
        return out
    }

    /// Compares every interface without an open window against what was sent (the periodic
    /// re-discovery and the ENOBUFS recovery). Returns only what differs.
    public mutating func resync(table: InterfaceTable, probe: InterfaceTypeProbe) -> [Change] {
        let all = Set(table.indexes).union(lastSent.keys).subtracting(pending.keys).sorted()
        var out: [Change] = []
        for index in all { out += settle(index, table: table, probe: probe) }
        return out
    }

    /// Sends what differs between the table and `lastSent` for one interface.
    private mutating func settle(_ index: Int32, table: InterfaceTable, probe: InterfaceTypeProbe) -> [Change] {
        let previous = lastSent[index]
        guard let info = table.info(index, probe: probe) else {
            lastSent[index] = nil
            return previous.map { [.removed($0.info)] } ?? []
        }
        let current = sentState(info)
        if previous == current { return [] }
        var out: [Change] = []
        if let previous, previous.info.name != info.name { out.append(.removed(previous.info)) }
        lastSent[index] = current
        out.append(info.isUp ? .up(info) : .down(info))
        return out
    }

    private func sentState(_ info: InterfaceInfo) -> Sent { info.isUp ? .up(info) : .down(downView(info)) }

    /// What matters of a down interface: the stub carries no addresses, gateway, MTU or operstate,
    /// so changes to those while it is down are not news.
    private func downView(_ info: InterfaceInfo) -> InterfaceInfo {
        var v = info
        v.addresses = []
        v.gateway = nil
        v.operstate = ""
        v.mtu = 0
        return v
    }
}

extension ChangeTracker.Change: CustomStringConvertible {
    /// `eth0 up`, `eth0 down`, `eth0 removed` (for logs).
    public var description: String {
        switch self {
        case .up(let i):
            "\(i.name) up \(i.addresses.map { "\($0.address)/\($0.prefix)" }.joined(separator: ","))"
                + (i.gateway.map { " gw \($0)" } ?? "")
        case .down(let i): "\(i.name) down"
        case .removed(let i): "\(i.name) removed"
        }
    }
}
