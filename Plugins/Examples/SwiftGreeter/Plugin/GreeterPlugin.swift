import AgentContracts
import AgentJSON
import AgentPluginKit
import Logging

/// A third-party command plugin written in Swift on AgentPluginKit.
///
/// Topics:
/// - `example_hello` `{name: non-empty string, language?: "en"|"de"|"fr"}` → `{"status":"ok",
///   "greeting": …, "count": n}`; counts greetings per name in the durable store; emits a
///   `greeting` event; `features.example_shout` upper-cases the greeting.
/// - `example_sleep` `{ms: number}` → sleeps (honouring cancellation), for timeout tests.
/// - `example_emit_later` `{delay_ms, count, tag?}` → answers at once, then after `delay_ms`
///   emits `count` events `example_tick` `{tag, seq}` (for the outbound-queue tests).
/// Config: `default_language`; `emit_at_init: n` emits n `example_tick {tag: "init", seq}` while
/// the plugin loads, before the transport has started.
/// - `example_relay_count` `{}` → reads the C counter plugin's count by finding its topic handler
///   in the registry (plugin to plugin, never by linking); `not_found` when it is not loaded.
package struct GreeterPlugin: AgentPlugin {
    package static let id = "com.example.greeter-swift"
    package static let version = "1.0.0"

    let host: PluginHost
    let logger: Logger
    let defaultLanguage: String

    package init(host: PluginHost, config: JSONObject) throws {
        self.host = host
        self.logger = host.logger(label: "greeter")
        let language = config["default_language"]?.stringValue ?? "en"
        guard Greeting.languages.keys.contains(language) else {
            throw PluginError(
                code: "bad_config", message: "default_language '\(language)' is not one of en, de, fr",
                field: "config.default_language")
        }
        self.defaultLanguage = language
        // `emit_at_init: n` emits n `example_tick {tag: "init", seq}` events while loading,
        // before the transport starts (for the tests that such events are not lost).
        let early = Int(config["emit_at_init"]?.numberValue ?? 0)
        for seq in 0..<max(0, min(early, 1000)) {
            try? host.emit("example_tick", ["tag": "init", "seq": .number(Double(seq))])  // harmless: example ticks are best effort
        }
        logger.info("greeter ready", metadata: ["language": "\(language)"])
    }

    package var topics: [Topic] {
        [
            Topic(
                "example_hello",
                contract: ["name": .nonEmptyString, "language": .optional(.string)],
                addDefaults: true,
                handler: hello),
            Topic("example_sleep", contract: ["ms": .number], handler: sleep),
            Topic("example_relay_count", contract: [:], handler: relayCount),
            Topic(
                "example_emit_later", contract: ["delay_ms": .number, "count": .number, "tag": .optional(.string)],
                handler: emitLater),
        ]
    }

    @Sendable func hello(_ request: TopicRequest) async throws -> JSONObject {
        let name = request.message["name"]?.stringValue ?? ""
        let language = request.message["language"]?.stringValue ?? defaultLanguage
        guard let salutation = Greeting.languages[language] else {
            throw PluginError(code: "unsupported_language", message: "language '\(language)' is not one of en, de, fr",
                              field: "language")
        }
        var greeting = "\(salutation), \(name)!"
        if host.featureEnabled("example_shout") { greeting = greeting.uppercased() }
        let key = "count/\(name)"
        // Concurrent greetings of one name must not lose a count: an atomic read-modify-write.
        let count = try host.storeUpdate(key) { old in .number((old?.numberValue ?? 0) + 1) }.numberValue ?? 0
        try? host.emit("greeting", ["name": .string(name), "count": .number(count)])  // harmless: the answer carries the count
        return ["status": "ok", "greeting": .string(greeting), "count": .number(count)]
    }

    @Sendable func sleep(_ request: TopicRequest) async throws -> JSONObject {
        let ms = max(0, request.message["ms"]?.numberValue ?? 0)
        try await Task.sleep(for: .milliseconds(Int(ms)))
        return ["status": "ok", "slept_ms": .number(ms)]
    }
}

extension GreeterPlugin {
    @Sendable func relayCount(_ request: TopicRequest) async throws -> JSONObject {
        guard let counter = host.lookup("agent.topic_handler", name: "example_counter") else {
            throw PluginError(code: "not_found", message: "the example_counter topic is not loaded on this agent")
        }
        let answer = try await counter.handle(topic: "example_counter", ["increment": 0])
        return ["status": "ok", "count": answer["count"] ?? .null, "via": "registry"]
    }
}

extension GreeterPlugin {
    @Sendable func emitLater(_ request: TopicRequest) async throws -> JSONObject {
        let delay = max(0, min(request.message["delay_ms"]?.numberValue ?? 0, 600_000))
        let count = max(0, min(Int(request.message["count"]?.numberValue ?? 0), 10_000))
        let tag = request.message["tag"]?.stringValue ?? ""
        let host = self.host, logger = self.logger
        Task {
            try? await Task.sleep(for: .milliseconds(Int(delay)))  // harmless: an example's delay
            for seq in 0..<count {
                try? host.emit("example_tick", ["tag": .string(tag), "seq": .number(Double(seq))])  // harmless: best effort
            }
            logger.notice("example_emit_later: events emitted", metadata: ["count": "\(count)", "tag": "\(tag)"])
        }
        return ["status": "scheduled", "count": .number(Double(count))]
    }
}

enum Greeting {
    static let languages = ["en": "Hello", "de": "Hallo", "fr": "Bonjour"]
}
