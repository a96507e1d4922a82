import AgentCore
import AgentJSON
import Testing

@Suite("Site config parsing")
struct SiteConfigTests {
    static let sha = String(repeating: "a", count: 64)

    @Test("a full config parses; relative plugin paths resolve against the config's folder")
    func parses() throws {
        let doc = try JSONParser.parse(
            #"""
            {"state_dir":"/var/lib/x","request_timeout_ms":500,
             "cloud":{"host":"h","port":3001},
             "plugins":{"load":[{"id":"a.b","path":"plugins/liba.so","sha256":"\#(Self.sha.uppercased())","config":{"k":1}}],
                        "deny":["c.d"]},
             "topics":{"t":{"enabled":false,"timeout_ms":20}},
             "features":{"f":true}}
            """#)
        let c = try SiteConfig.parse(doc, baseDirectory: "/etc/agent")
        #expect(c.stateDirectory == "/var/lib/x")
        #expect(c.plugins.first?.path == "/etc/agent/plugins/liba.so")
        #expect(c.plugins.first?.sha256 == Self.sha)
        #expect(c.plugins.first?.config["k"] == 1)
        #expect(c.deny == ["c.d"])
        #expect(!c.isTopicEnabled("t"))
        #expect(c.isTopicEnabled("other"))
        #expect(c.timeoutMilliseconds(for: "t") == 20)
        #expect(c.timeoutMilliseconds(for: "other") == 500)
        #expect(c.isFeatureEnabled("f"))
        #expect(!c.isFeatureEnabled("g"))
        #expect(c.value(at: "cloud.port") == 3001)
    }

    struct Bad: Sendable, CustomStringConvertible {
        let json: String
        let field: String?
        var description: String { json }
    }

    static let bad: [Bad] = [
        Bad(json: "[]", field: nil),
        Bad(json: #"{"plugins":{"load":[{"id":"a","path":"/x"}]}}"#, field: "plugins.load[0].sha256"),
        Bad(json: #"{"plugins":{"load":[{"id":"a","path":"/x","sha256":"xyz"}]}}"#, field: "plugins.load[0].sha256"),
        Bad(json: #"{"plugins":{"load":[{"path":"/x","sha256":"\#(sha)"}]}}"#, field: "plugins.load[0].id"),
        Bad(json: #"{"plugins":{"load":[{"id":"a","path":"/x","sha256":"\#(sha)"},{"id":"a","path":"/y","sha256":"\#(sha)"}]}}"#,
            field: "plugins.load[1].id"),
        Bad(json: #"{"plugins":{"deny":"a"}}"#, field: "plugins.deny"),
        Bad(json: #"{"topics":{"t":{"enabled":1}}}"#, field: "topics.t.enabled"),
        Bad(json: #"{"topics":{"t":{"timeout_ms":-5}}}"#, field: "topics.t.timeout_ms"),
        Bad(json: #"{"features":{"f":"yes"}}"#, field: "features.f"),
        Bad(json: #"{"state_dir":5}"#, field: "state_dir"),
        Bad(json: #"{"request_timeout_ms":true}"#, field: "request_timeout_ms"),
    ]

    @Test("invalid configs are refused with the offending field", arguments: bad)
    func refused(_ b: Bad) throws {
        let doc = try JSONParser.parse(b.json)
        do {
            _ = try SiteConfig.parse(doc, baseDirectory: "/")
            Issue.record("accepted an invalid config")
        } catch {
            #expect(error.code == .configInvalid)
            #expect(error.field == b.field)
        }
    }
}
