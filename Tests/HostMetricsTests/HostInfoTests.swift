import Testing

@testable import HostMetrics

@Suite("HostInfo and usage periods")
struct HostInfoTests {
    @Test("os-release PRETTY_NAME, quoted or not; MemTotal in kB")
    func parsing() {
        #expect(HostInfo.prettyName("NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n") == "Debian GNU/Linux 12 (bookworm)")
        #expect(HostInfo.prettyName("PRETTY_NAME=Alpine\n") == "Alpine")
        #expect(HostInfo.prettyName("NAME=x\n") == nil)
        #expect(HostInfo.memTotalKB("MemTotal:       24576000 kB\nMemFree: 1 kB\n") == 24_576_000)
    }

    @Test("the real host: totals are positive, addresses are not loopback")
    func realHost() {
        let info = HostInfo.read(hostRoot: "/", diskTotalGB: 10.7)
        #expect(info.memoryTotalMB > 0 && info.logicalCPUs >= 1 && info.diskTotalGB == 10)
        #expect(!info.kernel.isEmpty && !info.os.isEmpty)
        #expect(HostInfo.ipv4Addresses().allSatisfy { !$0.address.hasPrefix("127.") })
    }
}
