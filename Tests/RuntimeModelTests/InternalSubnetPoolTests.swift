import RuntimeModel
import Testing

@Suite("internal subnet pool")
struct InternalSubnetPoolTests {
    func net(_ s: String) -> IPv4Network { IPv4Network(cidr: s)! }

    @Test("the default pool: /28 blocks of 198.18.0.0/16, 4096 of them, the first one first")
    func standard() {
        let p = InternalSubnetPool.standard
        #expect(p.range == net("198.18.0.0/16"))
        #expect(p.blockPrefix == 28)
        #expect(p.capacity == 4096)
        #expect(p.firstFree(avoiding: []) == net("198.18.0.0/28"))
    }

    @Test("blocks in use, blocks overlapping partly, and bigger networks inside the range are skipped")
    func skipsUsed() throws {
        let p = try InternalSubnetPool(range: net("10.9.0.0/24"), blockPrefix: 28)
        #expect(p.firstFree(avoiding: [net("10.9.0.0/28"), net("10.9.0.16/28")]) == net("10.9.0.32/28"))
        // a /30 inside the second block makes that block unusable
        #expect(p.firstFree(avoiding: [net("10.9.0.0/28"), net("10.9.0.20/30")]) == net("10.9.0.32/28"))
        // a /26 over the start: the first block after it
        #expect(p.firstFree(avoiding: [net("10.9.0.0/26")]) == net("10.9.0.64/28"))
        // networks outside the range do not matter; a network holding the whole range does
        #expect(p.firstFree(avoiding: [net("172.17.0.0/16"), net("10.8.0.0/24")]) == net("10.9.0.0/28"))
        #expect(p.firstFree(avoiding: [net("10.0.0.0/8")]) == nil)
    }

    @Test("a full pool answers nil; a hole left by a removed vPLC is used again")
    func fullAndHoles() throws {
        let p = try InternalSubnetPool(range: net("10.9.0.0/26"), blockPrefix: 28)
        var used: [IPv4Network] = []
        for _ in 0..<p.capacity {
            let b = try #require(p.firstFree(avoiding: used))
            #expect(!used.contains(b))
            #expect(p.range.contains(b.base))
            used.append(b)
        }
        #expect(used.count == 4)
        #expect(p.firstFree(avoiding: used) == nil)
        used.remove(at: 2)
        #expect(p.firstFree(avoiding: used) == net("10.9.0.32/28"))
    }

    @Test("the top of the address space does not wrap around")
    func topOfSpace() throws {
        let p = try InternalSubnetPool(range: net("255.255.255.0/24"), blockPrefix: 28)
        #expect(p.firstFree(avoiding: [net("255.255.255.0/25"), net("255.255.255.128/26"), net("255.255.255.192/27"), net("255.255.255.224/28")]) == net("255.255.255.240/28"))
        #expect(p.firstFree(avoiding: [net("255.255.255.0/24")]) == nil)
    }

    @Test("bad settings are refused with bad_config naming the key", arguments: [
        ("10.0.0.0/16", 30, "config.internal_subnet_prefix"),
        ("10.0.0.0/16", 23, "config.internal_subnet_prefix"),
        ("10.0.0.0/29", 28, "config.internal_subnet_pool"),
    ])
    func refused(range: String, prefix: Int, field: String) {
        #expect {
            _ = try InternalSubnetPool(range: net(range), blockPrefix: prefix)
        } throws: { error in
            let e = error as? RuntimeError
            return e?.code == "bad_config" && e?.field == field
        }
    }

    @Test("overlap is symmetric and exact at the edges")
    func overlaps() {
        #expect(net("10.0.0.0/24").overlaps(net("10.0.0.255/32")))
        #expect(net("10.0.0.255/32").overlaps(net("10.0.0.0/24")))
        #expect(!net("10.0.0.0/24").overlaps(net("10.0.1.0/24")))
        #expect(net("0.0.0.0/0").overlaps(net("1.2.3.4/32")))
    }
}
