/// Where vPLCs' internal bridges get their subnets. Left to Docker, each internal bridge takes a
/// whole block of the engine's default address pools (a /16 or a /20): about 30 vPLCs fit on an
/// engine with Docker's defaults. The agent instead gives each bridge a small block (a /28 by
/// default: the gateway, the vPLC and the agent's own container) from a configured range.
public struct InternalSubnetPool: Sendable, Equatable {
    /// The range blocks are taken from.
    public let range: IPv4Network
    /// The prefix length of one block.
    public let blockPrefix: Int

    /// The default range: `198.18.0.0/16` (RFC 2544's benchmarking block, not routed and not used
    /// by plant LANs), /28 blocks: 4096 vPLCs.
    public static let standard = InternalSubnetPool(uncheckedRange: IPv4Network(containing: IPv4(198 << 24 | 18 << 16), prefix: 16), blockPrefix: 28)

    /// The prefix lengths a block may have: /29 leaves 5 hosts (gateway, vPLC, agent and two
    /// spare); larger than /24 is never needed.
    public static let blockPrefixes = 24...29

    /// - Throws: ``RuntimeError`` `bad_config` when a block does not fit the range or its
    ///   prefix is outside ``blockPrefixes``.
    public init(range: IPv4Network, blockPrefix: Int) throws(RuntimeError) {
        guard Self.blockPrefixes.contains(blockPrefix) else {
            throw RuntimeError(
                "bad_config", "internal_subnet_prefix must be in \(Self.blockPrefixes.lowerBound)...\(Self.blockPrefixes.upperBound)",
                field: "config.internal_subnet_prefix")
        }
        guard range.prefix <= blockPrefix else {
            throw RuntimeError(
                "bad_config", "internal_subnet_pool \(range) is smaller than one /\(blockPrefix) block", field: "config.internal_subnet_pool")
        }
        self.init(uncheckedRange: range, blockPrefix: blockPrefix)
    }

    private init(uncheckedRange: IPv4Network, blockPrefix: Int) {
        range = uncheckedRange
        self.blockPrefix = blockPrefix
    }

    /// How many blocks the range holds.
    public var capacity: Int { 1 << (blockPrefix - range.prefix) }

    /// The first block of the range that overlaps none of `used` (the subnets of every network
    /// the engine has, and the host's LANs); nil when the range is full.
    public func firstFree(avoiding used: [IPv4Network]) -> IPv4Network? {
        let inRange = used.filter { $0.overlaps(range) }
        let step = UInt32(1) << UInt32(32 - blockPrefix)
        var candidate = range.base.value
        for _ in 0..<capacity {
            let block = IPv4Network(containing: IPv4(candidate), prefix: blockPrefix)
            if let clash = inRange.first(where: { $0.overlaps(block) }) {
                // Skip past the clash at once when it is bigger than a block.
                let clashEnd = clash.base.value | ~IPv4Network.mask(clash.prefix)
                let next = max(candidate &+ step, (clashEnd &+ 1) & ~(step &- 1))
                guard next > candidate, range.contains(IPv4(next)) else { return nil }
                candidate = next
                continue
            }
            return block
        }
        return nil
    }
}

extension IPv4Network {
    /// Whether the two networks share an address (one contains the other's base).
    public func overlaps(_ other: IPv4Network) -> Bool {
        prefix <= other.prefix ? contains(other.base) : other.contains(base)
    }
}
