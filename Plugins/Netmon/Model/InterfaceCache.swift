import AgentJSON
import NetmonProtocol

/// The agent's in-memory table of host interfaces, fed by the sidecar's events.
///
/// Rules (spec §7.5, with upstream's gaps fixed — §12 item 9):
/// - `network_discovery` replaces the whole table (the sidecar sends it on every connect).
/// - `network_change` with status `up` (or none: upstream sidecar) replaces the entry;
///   `down` keeps the entry, marked down, with no addresses and no gateway;
///   `removed` deletes it (upstream never removed entries).
/// - Other events leave the table alone.
///
/// A value type: the plugin keeps it behind a lock; tests use it directly.
public struct InterfaceCache: Sendable, Equatable {
    /// Entries by interface name.
    public private(set) var entries: [String: InterfaceEntry] = [:]
    /// Whether a `network_discovery` was ever applied (a first discovery is not a "change").
    public private(set) var discovered = false
    /// Host NICs the sidecar moved into a container, by interface name: the vPLC owning it (the
    /// `dedicated_nics` event; cleared by each `network_discovery`, which a connect starts with).
    public private(set) var dedicated: [String: String] = [:]

    /// An empty cache.
    public init() {}

    /// True when no interface is known.
    public var isEmpty: Bool { entries.isEmpty }

    /// The entries sorted by name.
    public var sorted: [InterfaceEntry] { entries.values.sorted { $0.name < $1.name } }

    /// The entry called `name`, if known.
    public subscript(name: String) -> InterfaceEntry? { entries[name] }

    /// Applies one sidecar event.
    /// - Parameters:
    ///   - type: the event's `type`.
    ///   - data: the event's `data` object.
    /// - Returns: what changed, entry by entry (empty for events that do not concern interfaces
    ///   and for reports that changed nothing but their timestamp, such as periodic re-sends).
    @discardableResult
    public mutating func apply(type: String, data: JSONObject) -> [InterfaceDelta] {
        switch type {
        case NetmonWire.Event.networkDiscovery:
            let infos = (data["interfaces"]?.arrayValue ?? []).compactMap(\.objectValue)
            dedicated = [:]
            return replaceAll(infos)
        case NetmonWire.Event.dedicatedNics:
            var table: [String: String] = [:]
            for nic in (data["nics"]?.arrayValue ?? []).compactMap(\.objectValue) {
                if let name = nic["interface"]?.stringValue, let owner = nic["container_name"]?.stringValue { table[name] = owner }
            }
            dedicated = table
            return []
        case NetmonWire.Event.networkChange:
            return applyChange(data).map { [$0] } ?? []
        default:
            return []
        }
    }

    /// Replaces the table with the interfaces of a discovery.
    public mutating func replaceAll(_ infos: [JSONObject]) -> [InterfaceDelta] {
        let before = entries
        var after: [String: InterfaceEntry] = [:]
        for info in infos where InterfaceEntry.report(of: info) != .removed {
            guard let entry = InterfaceEntry(info: info, previous: before[info["interface"]?.stringValue ?? ""]) else { continue }
            after[entry.name] = entry
        }
        entries = after
        let wasDiscovered = discovered
        discovered = true
        var deltas: [InterfaceDelta] = []
        for name in Set(before.keys).union(after.keys).sorted() where !InterfaceEntry.same(before[name], after[name]) {
            deltas.append(InterfaceDelta(name: name, before: before[name], after: after[name], initial: !wasDiscovered))
        }
        return deltas
    }

    /// Applies one `network_change` report; nil when it names no interface or changed nothing.
    public mutating func applyChange(_ info: JSONObject) -> InterfaceDelta? {
        guard let report = InterfaceEntry.report(of: info), let name = info["interface"]?.stringValue else { return nil }
        let before = entries[name]
        let after: InterfaceEntry? = report == .removed ? nil : InterfaceEntry(info: info, previous: before)
        entries[name] = after
        guard !InterfaceEntry.same(before, after) else { return nil }
        return InterfaceDelta(name: name, before: before, after: after, initial: false)
    }
}

/// How one interface changed: its entry before and after (nil = absent).
public struct InterfaceDelta: Sendable, Equatable {
    public let name: String
    public let before: InterfaceEntry?
    public let after: InterfaceEntry?
    /// True for the first discovery since the cache was created (start-up, not a change).
    public let initial: Bool

    public init(name: String, before: InterfaceEntry?, after: InterfaceEntry?, initial: Bool) {
        self.name = name
        self.before = before
        self.after = after
        self.initial = initial
    }
}
