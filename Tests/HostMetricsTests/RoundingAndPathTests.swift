import HostMetrics
import Testing

@Suite("UpstreamRounding and HostPath")
struct RoundingAndPathTests {
    @Test func roundingMatchesPythonRound() {
        #expect(UpstreamRounding.oneDecimal(2.25) == 2.2)  // exact tie → even
        #expect(UpstreamRounding.oneDecimal(2.35) == 2.4)  // stored slightly above the tie
        #expect(UpstreamRounding.oneDecimal(15.5625) == 15.6)
        #expect(UpstreamRounding.oneDecimal(.nan) == 0)
        #expect(UpstreamRounding.gigabytes(16 * 1024 * 1024 * 1024) == 16.0)
        #expect(UpstreamRounding.gigabytes(0) == 0)
    }

    @Test func joinsWithoutDoubleSlashes() {
        #expect(HostPath.join("/", "/proc/stat") == "/proc/stat")
        #expect(HostPath.join("/", "/") == "/")
        #expect(HostPath.join("/host", "/") == "/host")
        #expect(HostPath.join("/host/", "/boot/") == "/host/boot")
        #expect(HostPath.join("/host", "proc/1/mounts") == "/host/proc/1/mounts")
        #expect(HostPath.join("", "proc") == "/proc")
    }
}
