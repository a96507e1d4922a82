/// The sidecar's view of its network namespace: links, their IPv4 addresses and the main-table
/// IPv4 default routes, built from netlink dumps and kept current by netlink events.
///
/// A plain value; the daemon owns one on its loop thread.
public struct InterfaceTable: Sendable, Equatable {
    public private(set) var links: [Int32: LinkRecord] = [:]
    /// Addresses per link, in the order the kernel reported them.
    public private(set) var addresses: [Int32: [AddressRecord]] = [:]
    /// Main-table IPv4 default routes.
    public private(set) var defaultRoutes: [RouteRecord] = []
    /// (link, address) pairs present in `addresses`: adding keeps O(1) on links with many addresses.
    private var addressKeys: Set<AddressKey> = []

    private struct AddressKey: Hashable, Sendable {
        let index: Int32
        let address: IPv4
    }

    public init() {}

    /// A table from full dumps (events for unknown links are fine: they are applied in order).
    public init(links: [LinkRecord], addresses: [AddressRecord], routes: [RouteRecord]) {
        for l in links { apply(.newLink(l)) }
        for a in addresses { apply(.newAddress(a)) }
        for r in routes { apply(.newRoute(r, replace: false)) }
    }

    /// Link indexes in ascending order.
    public var indexes: [Int32] { links.keys.sorted() }

    /// The link called `name`.
    public func link(named name: String) -> LinkRecord? { links.values.first { $0.name == name } }

    /// Applies one event. Returns the indexes of the interfaces whose state it may have changed
    /// (empty when the event does not matter: other tables, non-default routes).
    @discardableResult
    public mutating func apply(_ event: NetlinkEvent) -> [Int32] {
        switch event {
        case .newLink(let l):
            links[l.index] = l
            return [l.index]
        case .delLink(let index):
            links[index] = nil
            for a in addresses[index] ?? [] { addressKeys.remove(AddressKey(index: index, address: a.address)) }
            addresses[index] = nil
            defaultRoutes.removeAll { $0.oif == index }
            return [index]
        case .newAddress(let a):
            if addressKeys.insert(AddressKey(index: a.index, address: a.address)).inserted {
                addresses[a.index, default: []].append(a)
            } else if let i = addresses[a.index]?.firstIndex(where: { $0.address == a.address }) {
                addresses[a.index]![i] = a
            }
            return [a.index]
        case .delAddress(let a):
            guard let i = addresses[a.index]?.firstIndex(where: { $0.address == a.address && $0.prefix == a.prefix }) else {
                return [a.index]
            }
            addresses[a.index]!.remove(at: i)
            addressKeys.remove(AddressKey(index: a.index, address: a.address))
            if addresses[a.index]!.isEmpty { addresses[a.index] = nil }
            return [a.index]
        case .newRoute(let r, let replace):
            guard r.isMainDefault else { return [] }
            var touched: [Int32] = [r.oif]
            if replace {
                // The kernel replaced a route in place (same destination and metric): no DELROUTE follows.
                for old in defaultRoutes where old.metric == r.metric && old.oif != r.oif { touched.append(old.oif) }
                defaultRoutes.removeAll { $0.metric == r.metric }
            }
            if !defaultRoutes.contains(r) { defaultRoutes.append(r) }
            return touched
        case .delRoute(let r):
            guard r.isMainDefault else { return [] }
            defaultRoutes.removeAll {
                $0.oif == r.oif && $0.metric == r.metric && (r.gateway == nil || $0.gateway == r.gateway)
            }
            return [r.oif]
        }
    }

    /// Replaces the default routes with a fresh dump's. The kernel removes routes without telling
    /// (no RTM_DELROUTE) when the address or link they depend on goes, so an incremental table
    /// would keep a stale gateway through a renumbering. Returns the links whose gateway changed.
    public mutating func replaceDefaultRoutes(_ routes: [RouteRecord]) -> [Int32] {
        let fresh = routes.filter(\.isMainDefault)
        let before = Set(links.keys.map { ($0, gateway(of: $0)?.description ?? "") }.map { "\($0.0)|\($0.1)" })
        defaultRoutes = []
        for r in fresh where !defaultRoutes.contains(r) { defaultRoutes.append(r) }
        var changed: [Int32] = []
        for index in links.keys where !before.contains("\(index)|\(gateway(of: index)?.description ?? "")") {
            changed.append(index)
        }
        return changed
    }

    /// Whether applying `event` can make the kernel drop routes silently (an address removed, a
    /// link removed or down), so the routes should be dumped again.
    public static func mayDropRoutesSilently(_ event: NetlinkEvent) -> Bool {
        switch event {
        case .delAddress, .delLink: return true
        case .newLink(let l): return !l.isUp
        default: return false
        }
    }

    /// The gateway of the lowest-metric default route out of `index`, if it has one.
    public func gateway(of index: Int32) -> IPv4? {
        defaultRoutes.filter { $0.oif == index }.min { $0.metric < $1.metric }?.gateway
    }

    /// The wire description of link `index` (nil when there is no such link).
    public func info(_ index: Int32, probe: InterfaceTypeProbe) -> InterfaceInfo? {
        guard let l = links[index] else { return nil }
        let addrs = (addresses[index] ?? []).map { InterfaceInfo.Address(address: $0.address, prefix: $0.prefix) }
        return InterfaceInfo(
            name: l.name, index: index, operstate: l.operstateName, isUp: l.isUp, type: probe.type(of: l.name),
            isVirtual: probe.isVirtual(l.name), mac: l.mac.isEmpty ? nil : MACAddress.format(l.mac), mtu: Int(l.mtu),
            addresses: addrs, gateway: gateway(of: index))
    }

    /// Every interface, by index.
    public func allInfo(probe: InterfaceTypeProbe) -> [InterfaceInfo] {
        indexes.compactMap { info($0, probe: probe) }
    }
}
