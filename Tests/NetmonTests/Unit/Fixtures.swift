import NetmonCore

/// Builders for model values used by the unit tests.
enum Fixture {
    static let upFlags: UInt32 = LinkRecord.flagUp | LinkRecord.flagLowerUp

    static func link(_ index: Int32, _ name: String, up: Bool = true, mac: [UInt8] = [2, 0, 0, 0, 0, 1], mtu: UInt32 = 1500)
        -> LinkRecord
    {
        LinkRecord(index: index, name: name, flags: up ? upFlags : 0, operstate: up ? 6 : 2, mac: mac, mtu: mtu)
    }

    static func addr(_ index: Int32, _ text: String, _ prefix: Int) -> AddressRecord {
        AddressRecord(index: index, address: IPv4(text)!, prefix: prefix)
    }

    static func defaultRoute(_ oif: Int32, via gw: String?, metric: UInt32 = 0) -> RouteRecord {
        RouteRecord(dstLength: 0, oif: oif, gateway: gw.flatMap { IPv4($0) }, metric: metric)
    }

    /// eth0 (2, up, 192.168.1.5/24 via .1), wlan0 (3, up, no address), veth9 (4, down).
    static func table() -> InterfaceTable {
        InterfaceTable(
            links: [link(1, "lo", mac: [0, 0, 0, 0, 0, 0]), link(2, "eth0"), link(3, "wlan0"), link(4, "veth9", up: false)],
            addresses: [addr(1, "127.0.0.1", 8), addr(2, "192.168.1.5", 24)],
            routes: [defaultRoute(2, via: "192.168.1.1")])
    }
}
