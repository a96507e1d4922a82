import AgentCore
import AgentJSON
import AgentPluginTestKit
import Testing

/// The test kit's host double answers what the agent answers: the same plugin files, the same
/// messages, sent to the real agent and to a `TestHost`, give the same responses (the envelope,
/// contract errors, plugin errors, unknown topics, features, the store, plugin to plugin).
@Suite("Test kit conformance with the agent")
struct TestKitConformanceTests {
    static let script: [(topic: String, json: String)] = [
        ("example_hello", #"{"name":"PLC-1","correlation_id":42}"#),
        ("example_hello", #"{"name":"PLC-1","language":"de"}"#),
        ("example_hello", #"{"correlation_id":1}"#),
        ("example_hello", #"{"name":7}"#),
        ("example_hello", #"{"name":"x","language":"xx","correlation_id":3}"#),
        ("example_hello", #"{"name":"x","requested_at":"yesterday"}"#),
        ("example_counter", #"{"increment":2}"#),
        ("example_counter", #"{"increment":"two"}"#),
        ("example_relay_count", #"{}"#),
        ("no_such_topic", #"{"correlation_id":5}"#),
    ]

    @Test("the same plugins and messages give the same responses in the agent and in the test kit")
    func sameAnswers() async throws {
        let fixture = try ExampleAgent(features: ["example_counter_double": true])
        let host = try TestHost(features: ["example_counter_double": true])
        try host.load(library: try fixture.lab.install("agent-example-swift", as: "libkit-swift.so"))
        try host.load(library: try fixture.lab.installCPlugin())
        for (topic, json) in Self.script {
            let agent = await fixture.agent.send(topic, json)
            let message = try #require(try JSONParser.parse(Array(json.utf8)).objectValue)
            let kit = await host.call(topic, message)
            #expect(Self.stable(kit) == Self.stable(agent), "\(topic) \(json)")
        }
        await host.shutdown()
    }

    /// The response without what differs by time (`requested_at` echoes are not part of any answer).
    static func stable(_ o: JSONObject) -> JSONObject {
        var out = o
        out["requested_at"] = nil
        return out
    }
}
