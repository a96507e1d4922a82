import SocketIOCore
import Testing

@Suite("Cloud addresses: names and IP literals, proxies, no-proxy lists")
struct CloudAddressTests {
    @Test(
        "IP literals are told from names; brackets are removed; SNI only for names",
        arguments: [
            ("api.example.com", "name", "api.example.com", "api.example.com"),
            ("localhost", "name", "localhost", "localhost"),
            ("10.1.2.3", "v4", "10.1.2.3", "10.1.2.3"),
            ("127.0.0.1", "v4", "127.0.0.1", "127.0.0.1"),
            ("::1", "v6", "::1", "[::1]"),
            ("[fd00::1]", "v6", "fd00::1", "[fd00::1]"),
            ("fe80::1%eth0", "name", "fe80::1%eth0", "fe80::1%eth0"),  // zone ids are not literals here
            ("1.2.3", "name", "1.2.3", "1.2.3"),
            ("300.1.1.1", "name", "300.1.1.1", "300.1.1.1"),
        ])
    func classify(text: String, kind: String, connect: String, url: String) {
        let h = CloudHost(text)
        switch (h, kind) {
        case (.name, "name"): #expect(h.serverNameIndication == text)
        case (.ipv4(let b, _), "v4"): #expect(b.count == 4 && h.serverNameIndication == nil)
        case (.ipv6(let b, _), "v6"): #expect(b.count == 16 && h.serverNameIndication == nil)
        default: Issue.record("\(text) classified as \(h)")
        }
        #expect(h.connectHost == connect)
        #expect(h.urlHost == url)
    }

    @Test func addressBytesAndText() {
        #expect(CloudHost("10.1.2.3").addressBytes == [10, 1, 2, 3])
        #expect(CloudHost("::1").addressBytes == Array(repeating: 0, count: 15) + [1])
        #expect(CloudHost("localhost").addressBytes == nil)
        #expect(CloudHost.text(ofAddress: [192, 168, 0, 9]) == "192.168.0.9")
        #expect(CloudHost.text(ofAddress: [0xfd] + Array(repeating: 0, count: 14) + [1]) == "fd00::1")
        #expect(CloudHost.text(ofAddress: [1, 2]) == "1:2")
    }

    @Test(
        "proxy URLs",
        arguments: [
            ("http://proxy.plant:3128", "proxy.plant", 3128, nil, nil),
            ("http://proxy.plant:3128/", "proxy.plant", 3128, nil, nil),
            ("proxy.plant:8080", "proxy.plant", 8080, nil, nil),
            ("HTTP://proxy.plant", "proxy.plant", 80, nil, nil),
            ("http://user:p%40ss@10.0.0.5:3128", "10.0.0.5", 3128, "user", "p@ss"),
            ("http://user@[fd00::5]:3128", "[fd00::5]", 3128, "user", ""),
            ("  http://p:1  ", "p", 1, nil, nil),
        ] as [(String, String, Int, String?, String?)])
    func proxyURLs(text: String, host: String, port: Int, user: String?, password: String?) throws {
        let u = try #require(ProxyURL(text))
        #expect(u.host.urlHost == host)
        #expect(u.port == port)
        #expect(u.username == user)
        #expect(u.password == password)
        #expect(!u.description.contains("@"), "credentials never appear in the description")
    }

    @Test(arguments: ["", "https://proxy:443", "socks5://p:1080", "http://proxy:0", "http://proxy:70000", "http://proxy:x",
                      "http://proxy/path", "http://proxy?x=1", "http://[fd00::1", "http://:3128", "http://p%zz@proxy:1"])
    func badProxyURLs(text: String) {
        #expect(ProxyURL(text) == nil, "\(text)")
    }

    @Test func noProxyLists() {
        let list = NoProxyList(" .plant.local, cloud.example.com:443, 10.0.0.7, [fd00::7], *.corp ")
        #expect(list.bypasses(CloudHost("plant.local")))
        #expect(list.bypasses(CloudHost("api.plant.local")))
        #expect(!list.bypasses(CloudHost("otherplant.local")))
        #expect(list.bypasses(CloudHost("cloud.example.com")))
        #expect(list.bypasses(CloudHost("API.Cloud.Example.com")))
        #expect(!list.bypasses(CloudHost("example.com")))
        #expect(list.bypasses(CloudHost("10.0.0.7")))
        #expect(!list.bypasses(CloudHost("10.0.0.70")))
        #expect(list.bypasses(CloudHost("[fd00::7]")))
        #expect(list.bypasses(CloudHost("x.corp")))
        #expect(NoProxyList("*").bypasses(CloudHost("anything")))
        #expect(!NoProxyList("").bypasses(CloudHost("anything")))
    }
}
