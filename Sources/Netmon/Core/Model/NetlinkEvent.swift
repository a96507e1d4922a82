/// A link as rtnetlink reports it (RTM_NEWLINK / RTM_DELLINK).
public struct LinkRecord: Sendable, Equatable {
    public var index: Int32
    public var name: String
    /// IFF_* flags.
    public var flags: UInt32
    /// IF_OPER_* (0 unknown … 6 up).
    public var operstate: UInt8
    /// Hardware address bytes (empty for links without one, e.g. `lo` has all zeros, tun none).
    public var mac: [UInt8]
    public var mtu: UInt32
    /// IFLA_INFO_KIND (`veth`, `bridge`, `macvlan`, …), "" for physical NICs.
    public var kind: String

    public init(index: Int32, name: String, flags: UInt32, operstate: UInt8, mac: [UInt8], mtu: UInt32, kind: String = "") {
        self.index = index
        self.name = name
        self.flags = flags
        self.operstate = operstate
        self.mac = mac
        self.mtu = mtu
        self.kind = kind
    }

    /// IFF_UP.
    public static let flagUp: UInt32 = 0x1
    /// IFF_LOWER_UP (carrier).
    public static let flagLowerUp: UInt32 = 0x1_0000

    /// Administratively up *and* with carrier: the protocol's `status: "up"` (operstate alone is
    /// not enough: veth and tun report UNKNOWN while working).
    public var isUp: Bool { flags & LinkRecord.flagUp != 0 && flags & LinkRecord.flagLowerUp != 0 }

    /// The IF_OPER_* name (`UP`, `DOWN`, `UNKNOWN`, …).
    public var operstateName: String {
        switch operstate {
        case 1: return "NOTPRESENT"
        case 2: return "DOWN"
        case 3: return "LOWERLAYERDOWN"
        case 4: return "TESTING"
        case 5: return "DORMANT"
        case 6: return "UP"
        default: return "UNKNOWN"
        }
    }
}

/// An IPv4 address on a link (RTM_NEWADDR / RTM_DELADDR).
public struct AddressRecord: Sendable, Hashable {
    public var index: Int32
    public var address: IPv4
    public var prefix: Int

    public init(index: Int32, address: IPv4, prefix: Int) {
        self.index = index
        self.address = address
        self.prefix = prefix
    }
}

/// An IPv4 route (RTM_NEWROUTE / RTM_DELROUTE). The table keeps only default routes of the main
/// table; everything else is ignored.
public struct RouteRecord: Sendable, Hashable {
    /// RT_TABLE_MAIN.
    public static let mainTable: UInt32 = 254
    /// RTN_UNICAST.
    public static let unicast: UInt8 = 1

    public var table: UInt32
    public var dstLength: Int
    public var type: UInt8
    public var oif: Int32
    public var gateway: IPv4?
    public var metric: UInt32

    public init(table: UInt32 = RouteRecord.mainTable, dstLength: Int, type: UInt8 = RouteRecord.unicast, oif: Int32, gateway: IPv4?, metric: UInt32 = 0) {
        self.table = table
        self.dstLength = dstLength
        self.type = type
        self.oif = oif
        self.gateway = gateway
        self.metric = metric
    }

    /// An IPv4 default route of the main table.
    public var isMainDefault: Bool { table == RouteRecord.mainTable && dstLength == 0 && type == RouteRecord.unicast }
}

/// One change reported by rtnetlink, already decoded.
public enum NetlinkEvent: Sendable, Equatable {
    case newLink(LinkRecord)
    case delLink(index: Int32)
    case newAddress(AddressRecord)
    case delAddress(AddressRecord)
    /// `replace`: NLM_F_REPLACE was set (the kernel replaced a route without a DELROUTE).
    case newRoute(RouteRecord, replace: Bool)
    case delRoute(RouteRecord)
}
