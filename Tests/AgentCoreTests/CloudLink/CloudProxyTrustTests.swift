import AgentJSON
import Foundation
import LabSupport
import Testing

/// The cloud link through a real CONNECT proxy (tinyproxy on loopback), with and without proxy
/// credentials, and which CAs the agent trusts. Serialized: each test starts its own processes.
@Suite("Cloud link: proxies and trust", .serialized, .labThreads)
struct CloudProxyTrustTests {
    @Test("cloud.proxy: the link goes through the proxy's tunnel, TLS and the client certificate end to end")
    func throughConfiguredProxy() async throws {
        let cloud = try LabCloud()
        let proxy = try await LabProxy.start()
        let agent = try AgentUnderTest(cloud: cloud, cloudExtra: ["proxy": .string(proxy.url)])
        try await CloudReachTests.expectLive(cloud, agent, transport: "websocket", comment: "via proxy")
        #expect(proxy.tunnels.contains("localhost:\(cloud.port)"), "\(proxy.log.contents)")
        // The cloud sees the proxy's connection but the agent's certificate: TLS ran through the tunnel.
        #expect(try await cloud.liveConnections().first?["cn"] == "07048933")
    }

    @Test("HTTPS_PROXY is used; NO_PROXY naming the cloud bypasses it; an IP literal is verified against the cloud, not the proxy")
    func environmentProxy() async throws {
        let cloud = try LabCloud()
        let proxy = try await LabProxy.start()
        let viaEnv = try AgentUnderTest(cloud: cloud, host: "127.0.0.1", environment: ["HTTPS_PROXY": proxy.url])
        try await CloudReachTests.expectLive(cloud, viaEnv, transport: "websocket", comment: "via HTTPS_PROXY")
        #expect(proxy.tunnels.contains("127.0.0.1:\(cloud.port)"), "\(proxy.log.contents)")
        viaEnv.stop()
        #expect(try await cloud.waitUntil(seconds: 10) { try await cloud.liveConnections().isEmpty })

        // A proxy that does not exist, bypassed for this host: the agent connects directly.
        let dead = try closedLoopbackPort()
        let bypass = try AgentUnderTest(
            cloud: cloud, environment: ["https_proxy": "http://127.0.0.1:\(dead)", "NO_PROXY": "example.org,localhost"])
        #expect(try await cloud.waitUntil(seconds: 15) { try await !cloud.liveConnections().isEmpty }, "\(bypass.log.contents)")
        // And the same dead proxy without the bypass: a typed connect failure that names the proxy.
        let blocked = try AgentUnderTest(cloud: cloud, environment: ["HTTPS_PROXY": "http://127.0.0.1:\(dead)"])
        #expect(await blocked.log.waitFor("connect_failed: cannot connect to the proxy http://127.0.0.1:\(dead)", seconds: 15))
    }

    @Test("proxy credentials from a file: accepted; missing or wrong, a typed error and the back-off goes on")
    func proxyCredentials() async throws {
        let cloud = try LabCloud()
        let proxy = try await LabProxy.start(basicAuth: ("plant", "s3cret-2026"))
        let folder = NSTemporaryDirectory() + "proxy-cred-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }  // a temp folder; a leftover is harmless
        let good = folder + "/good", bad = folder + "/bad"
        try "plant:s3cret-2026\n".write(toFile: good, atomically: true, encoding: .utf8)
        try "plant:wrong\n".write(toFile: bad, atomically: true, encoding: .utf8)

        let none = try AgentUnderTest(cloud: cloud, cloudExtra: ["proxy": .string(proxy.url)])
        #expect(await none.log.waitFor("proxy_auth_required", seconds: 15), "\(none.log.contents)")
        #expect(none.log.contents.contains("set cloud.proxy_credentials_file"))
        none.stop()
        let wrong = try AgentUnderTest(cloud: cloud, cloudExtra: ["proxy": .string(proxy.url), "proxy_credentials_file": .string(bad)])
        #expect(await wrong.log.waitFor("refused the credentials", seconds: 15), "\(wrong.log.contents)")
        // Still trying, on the back-off (the first-connection delay is 5 s).
        #expect(await wrong.log.waitFor("reconnecting in 5.00 s", seconds: 5))
        #expect(try await cloud.liveConnections().isEmpty)
        wrong.stop()
        let right = try AgentUnderTest(cloud: cloud, cloudExtra: ["proxy": .string(proxy.url), "proxy_credentials_file": .string(good)])
        try await CloudReachTests.expectLive(cloud, right, transport: "websocket", comment: "authenticated")
    }

    @Test("a proxy that refuses the tunnel: proxy_refused with its HTTP status")
    func proxyRefuses() async throws {
        let cloud = try LabCloud()
        let proxy = try await LabProxy.start(connectPorts: [443])
        let agent = try AgentUnderTest(cloud: cloud, cloudExtra: ["proxy": .string(proxy.url)])
        #expect(await agent.log.waitFor("proxy_refused", seconds: 15), "\(agent.log.contents)")
        #expect(agent.log.contents.contains("HTTP 403"))
        #expect(try await cloud.liveConnections().isEmpty)
    }

    @Test("no ca_bundle: the system trust store decides (a lab CA in it is trusted; the host's store does not know it)")
    func systemTrustStore() async throws {
        let cloud = try LabCloud()
        // The host's own store: the lab CA is unknown, so the cloud's certificate is refused.
        let hostStore = try AgentUnderTest(cloud: cloud, caBundle: nil)
        #expect(await hostStore.log.waitFor("tls_failed", seconds: 15), "\(hostStore.log.contents)")
        #expect(try await cloud.liveConnections().isEmpty)
        hostStore.stop()
        // A store that holds the lab CA, mounted over /etc/ssl/certs for this agent only.
        let store = try Self.storeWith(LabPKI.path("ca.pem"))
        defer { try? FileManager.default.removeItem(atPath: store) }  // a temp folder; a leftover is harmless
        let trusted = try AgentUnderTest(cloud: cloud, caBundle: nil, systemCertificates: store)
        try await CloudReachTests.expectLive(cloud, trusted, transport: "websocket", comment: "system store")
        trusted.stop()
        #expect(try await cloud.waitUntil(seconds: 10) { try await cloud.liveConnections().isEmpty })
        // With a ca_bundle only that bundle counts, even when the system store knows the cloud's CA.
        let pinned = try AgentUnderTest(cloud: cloud, caBundle: LabPKI.path("rogue-ca.pem"), systemCertificates: store)
        #expect(await pinned.log.waitFor("tls_failed", seconds: 15), "\(pinned.log.contents)")
        #expect(try await cloud.liveConnections().isEmpty)
    }

    /// A copy of the system CA folder plus `ca` in its bundle file.
    static func storeWith(_ ca: String) throws -> String {
        let folder = NSTemporaryDirectory() + "ca-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let system = (try? String(contentsOfFile: "/etc/ssl/certs/ca-certificates.crt", encoding: .utf8)) ?? ""
        let lab = try String(contentsOfFile: ca, encoding: .utf8)
        try (system + "\n" + lab).write(toFile: folder + "/ca-certificates.crt", atomically: true, encoding: .utf8)
        return folder
    }
}
