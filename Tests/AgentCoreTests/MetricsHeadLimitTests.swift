@testable import AgentCore
import LabSupport
import Testing

/// The metrics endpoint's request-head bound on swift-nio: counted in bytes as they arrive, so
/// a head that never ends is refused as soon as it passes the bound, and a head within it passes.
@Suite("Metrics endpoint: request head bound", .labThreads)
struct MetricsHeadLimitTests {
    @Test("a head past 8 KiB is answered 431 before it ends; one just within the bound is served")
    func bound() async throws {
        let m = try MetricsLab()
        let endpoint = try MetricsEndpoint.install(m.agent)
        defer { endpoint.stop() }
        let port = try #require(endpoint.boundPort)
        // No blank line yet: the head has not ended, and it is already too long.
        let endless = Array(("GET /metrics HTTP/1.1\r\nX-Pad: " + String(repeating: "a", count: 9000)).utf8)
        #expect(await MetricsTestClient.exchange(port: port, request: endless).reply?.status == "431 Request Header Fields Too Large")
        let head = "GET /metrics HTTP/1.1\r\nX-Pad: "
        let fits = head + String(repeating: "b", count: MetricsHTTPServer.maxRequestBytes - head.utf8.count - 4) + "\r\n\r\n"
        #expect(fits.utf8.count == MetricsHTTPServer.maxRequestBytes)
        #expect(await MetricsTestClient.exchange(port: port, request: Array(fits.utf8)).reply?.status == "200 OK")
        await m.agent.shutdown()
    }
}
