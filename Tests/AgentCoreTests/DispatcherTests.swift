import AgentClock
import AgentCore
import AgentJSON
import AgentStore
import Foundation
import LabSupport
import Testing

/// One agent with the two example plugins and the slow C fixture, shared by a suite.
final class ExampleAgent: Sendable {
    let lab: PluginLab
    let agent: Agent

    init(topics: JSONObject = [:], features: JSONObject = [:], clock: any AgentClock = SystemClock()) throws {
        lab = try PluginLab()
        let swift = try lab.install("agent-example-swift")
        let c = try lab.installCPlugin()
        let slow = try lab.install("agent-fixture-slow")
        let config = try lab.writeConfig(
            [
                try lab.entry(id: "com.example.greeter-swift", path: swift),
                try lab.entry(id: "com.example.counter-c", path: c),
                try lab.entry(id: "test.fixture.slow", path: slow),
            ], topics: topics, features: features)
        agent = try lab.agent(configPath: config, clock: clock)
    }
}

@Suite("Dispatcher: validation, envelope, errors, timeouts")
struct DispatcherTests {
    let fixture: ExampleAgent
    /// The agent's clock: a request times out only when a test advances it, however busy the machine.
    let clock = ManualClock()
    var agent: Agent { fixture.agent }

    init() throws {
        fixture = try ExampleAgent(topics: ["example_sleep": ["timeout_ms": 1500], "slow_topic": ["timeout_ms": 100]], clock: clock)
    }

    @Test("a success response is the handler's object plus action and correlation_id")
    func successEnvelope() async {
        let r = await agent.send("example_hello", #"{"name":"PLC-1","correlation_id":42}"#)
        #expect(r.keys.prefix(2) == ["action", "correlation_id"])
        #expect(r["action"] == "example_hello")
        #expect(r["correlation_id"] == 42)
        #expect(r["status"] == "ok")
        #expect(r["greeting"] == "Hello, PLC-1!")
    }

    @Test("a missing correlation_id is answered with null")
    func nullCorrelation() async {
        let r = await agent.send("example_hello", #"{"name":"a"}"#)
        #expect(r["correlation_id"] == JSONValue.null)
    }

    @Test(
        "a payload that is not an object is answered with a typed error, never a crash",
        arguments: [#""text""#, "[1,2]", "42", "true", "null"])
    func nonObjectPayloads(_ payload: String) async {
        let r = await agent.send("example_hello", payload)
        #expect(r["status"] == "error")
        #expect(r["code"] == "invalid_payload")
        #expect(r["action"] == "example_hello")
        #expect(r["correlation_id"] == JSONValue.null)
    }

    @Test("bytes that are not JSON get invalid_json", arguments: ["{", "{\"a\":}", "", "\u{FF}"])
    func invalidJSON(_ payload: String) async {
        let r = await agent.send("example_hello", payload)
        #expect(r["code"] == "invalid_json")
        #expect(r["status"] == "error")
    }

    @Test("an unknown topic gets unknown_topic with the correlation id kept")
    func unknownTopic() async {
        let r = await agent.send("no_such_topic", #"{"correlation_id":5}"#)
        #expect(r["code"] == "unknown_topic")
        #expect(r["correlation_id"] == 5)
    }

    struct ValidationCase: Sendable, CustomStringConvertible {
        let topic: String
        let message: String
        let code: String
        let field: String
        let error: String
        var description: String { "\(topic) \(message)" }
    }

    static let validationCases: [ValidationCase] = [
        .init(topic: "example_hello", message: "{}", code: "missing_field", field: "name",
              error: "Missing required field: 'Missing key: name'"),
        .init(topic: "example_hello", message: #"{"name":"   "}"#, code: "invalid_type", field: "name",
              error: "Invalid field type: Value must be a non-empty string."),
        .init(topic: "example_hello", message: #"{"name":7}"#, code: "invalid_type", field: "name",
              error: "Invalid field type: Value must be a non-empty string."),
        .init(topic: "example_counter", message: #"{"increment":true}"#, code: "invalid_type", field: "increment",
              error: "Invalid field type: Value must be a number."),
        .init(topic: "example_counter", message: #"{"correlation_id":"abc"}"#, code: "invalid_type",
              field: "correlation_id", error: "Invalid field type: Value must be a number."),
        .init(topic: "example_counter", message: #"{"correlation_id":true}"#, code: "invalid_type",
              field: "correlation_id", error: "Invalid field type: Value must be a number."),
        .init(topic: "example_hello", message: #"{"name":"a","requested_at":"yesterday"}"#, code: "invalid_type",
              field: "requested_at", error: "Invalid field type: Value must be a valid ISO datetime string."),
        .init(topic: "example_hello", message: #"{"name":"a","action":5}"#, code: "invalid_type", field: "action",
              error: "Invalid field type: Value must be a string."),
    ]

    @Test("contract violations keep the upstream text and add code and field", arguments: validationCases)
    func validation(_ c: ValidationCase) async {
        let r = await agent.send(c.topic, c.message)
        #expect(r["status"] == "error")
        #expect(r["code"] == .string(c.code))
        #expect(r["field"] == .string(c.field))
        #expect(r["error"] == .string(c.error))
    }

    @Test("extra keys are ignored and optional fields may be null")
    func extrasAndOptionals() async {
        let r = await agent.send("example_hello", #"{"name":"a","language":null,"extra":{"x":[1]}}"#)
        #expect(r["status"] == "ok")
    }

    @Test("a handler's typed error becomes the upstream error shape with code and field")
    func handlerError() async {
        let r = await agent.send("example_hello", #"{"name":"a","language":"tlh","correlation_id":9}"#)
        #expect(r["status"] == "error")
        #expect(r["code"] == "unsupported_language")
        #expect(r["field"] == "language")
        #expect(r["correlation_id"] == 9)
        #expect(r["error"]?.stringValue?.contains("tlh") == true)
    }

    @Test("a handler that runs past its topic timeout is cancelled and answered timeout; the topic keeps working")
    func timeout() async {
        let deadline = clock.now + .milliseconds(1500)
        let pending = Task { await agent.send("example_sleep", #"{"ms":20000,"correlation_id":1}"#) }
        #expect(await clock.waitForSleepers { $0.contains(deadline) }, "the request's deadline is armed")
        clock.advance(by: .milliseconds(1500))
        let slow = await pending.value
        #expect(slow["code"] == "timeout")
        #expect(slow["correlation_id"] == 1)
        let quick = await agent.send("example_sleep", #"{"ms":1}"#)
        #expect(quick["status"] == "ok", "\(quick)")
    }

    @Test("the per-topic timeout runs on the injected clock: no answer a nanosecond before it, timeout at it")
    func timeoutOnTheClock() async throws {
        let clock = ManualClock()
        let manual = try ExampleAgent(topics: ["example_sleep": ["timeout_ms": 30000]], clock: clock)
        let deadline = clock.now + .seconds(30)
        let answer = Task { await manual.agent.send("example_sleep", #"{"ms":600000,"correlation_id":7}"#) }
        #expect(await clock.waitForSleepers { $0.contains(deadline) }, "the dispatcher arms the request's deadline")
        clock.advance(by: .seconds(30) - .nanoseconds(1))
        #expect(await clock.waitForSleepers { $0.contains(deadline) }, "still armed")
        clock.advance(by: .nanoseconds(1))
        let r = await answer.value
        #expect(r["code"] == "timeout", "\(r)")
        #expect(r["correlation_id"] == 7)
    }

    @Test("a C handler that ignores cancel and answers late is timed out; its late answer is dropped safely")
    func lateCompletion() async throws {
        let deadline = clock.now + .milliseconds(100)
        let pending = Task { await agent.send("slow_topic", "{}") }
        #expect(await clock.waitForSleepers { $0.contains(deadline) }, "the request's deadline is armed")
        clock.advance(by: .milliseconds(100))
        let r = await pending.value
        #expect(r["code"] == "timeout")
        // The fixture answers after 8 s of real time (long after the timeout the test fires on the
        // clock, however slow the machine): the late completion really happens, and is dropped.
        #expect(await eventually(timeout: .seconds(60)) { agent.dispatcher.lateCompletions == 1 }, "the fixture's late answer arrived")
        let again = await agent.send("example_hello", #"{"name":"after"}"#)
        #expect(again["status"] == "ok")
    }

    @Test("cancelling the caller cancels the request")
    func callerCancellation() async throws {
        let clock = ManualClock()
        let manual = try ExampleAgent(topics: ["example_sleep": ["timeout_ms": 30000]], clock: clock)
        let deadline = clock.now + .seconds(30)
        let task = Task { await manual.agent.send("example_sleep", #"{"ms":20000}"#) }
        // Cancelled once the request is in flight: its deadline is armed.
        #expect(await clock.waitForSleepers { $0.contains(deadline) })
        task.cancel()
        let r = await task.value
        #expect(r["code"] == "cancelled")
    }

    @Test("many concurrent messages are each answered with their own correlation id")
    func concurrency() async {
        let answers = await withTaskGroup(of: (Int, JSONObject).self) { group in
            for i in 0..<200 {
                group.addTask { (i, await agent.send("example_sleep", #"{"ms":1,"correlation_id":\#(i)}"#)) }
            }
            var out: [(Int, JSONObject)] = []
            for await a in group { out.append(a) }
            return out
        }
        #expect(answers.count == 200)
        let wrong = answers.filter { $0.1["correlation_id"] != .number(Double($0.0)) || $0.1["status"] != "ok" }
        #expect(wrong.isEmpty, "\(wrong.prefix(3))")
    }

    @Test("plugins emit events through the host; observers see them")
    func events() async {
        let seen = EventLog()
        agent.services.events.observe { topic, payload in seen.append(topic, payload) }
        _ = await agent.send("example_hello", #"{"name":"evt"}"#)
        #expect(seen.events.contains { $0.0 == "greeting" && $0.1["name"] == "evt" })
    }

    @Test("each plugin's store namespace is its own")
    func storeNamespaces() async throws {
        _ = await agent.send("example_counter", #"{"increment":3}"#)
        _ = await agent.send("example_hello", #"{"name":"ns"}"#)
        let store = agent.services.store
        #expect(try store.get("com.example.counter-c", "count") == 3)
        #expect(try store.get("com.example.greeter-swift", "count/ns") == 1)
        #expect(try store.get("com.example.greeter-swift", "count") == nil)
    }
}

/// A thread-safe list of observed events.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(String, JSONObject)] = []
    func append(_ topic: String, _ payload: JSONObject) { lock.withLock { items.append((topic, payload)) } }
    var events: [(String, JSONObject)] { lock.withLock { items } }
}
