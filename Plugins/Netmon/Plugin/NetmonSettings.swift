import AgentJSON
import NetmonProtocol

/// The listener's site settings (`plugins.load[].config` of `io.autonomy.netmon`).
struct NetmonSettings: Sendable, Equatable {
    /// The sidecar's unix socket.
    var socketPath = NetmonWire.defaultSocketPath
    /// How long a command waits for its reply.
    var commandTimeoutMilliseconds = 15_000
    /// The first reconnect delay; it doubles after each failed attempt up to ``maxReconnectMilliseconds``.
    var reconnectMilliseconds = 500

    /// The longest reconnect delay: 5 s (or `reconnect_ms` when that is larger).
    var maxReconnectMilliseconds: Int { max(5_000, reconnectMilliseconds) }

    /// Reads the config object; absent keys keep their defaults, unknown keys are ignored.
    /// - Throws: ``NetmonError`` `bad_config` naming the key (`field` = `config.<key>`).
    init(config: JSONObject) throws(NetmonError) {
        func bad(_ key: String, _ why: String) -> NetmonError {
            NetmonError(.badConfig, "\(key): \(why)", field: "config.\(key)")
        }
        func int(_ key: String, _ range: ClosedRange<Int>, _ value: inout Int) throws(NetmonError) {
            guard let v = config[key] else { return }
            guard let n = v.numberValue, n == n.rounded(), n >= Double(range.lowerBound), n <= Double(range.upperBound) else {
                throw bad(key, "must be an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            value = Int(n)
        }
        if let v = config["socket"] {
            // sun_path holds 108 bytes including the terminating NUL.
            guard let s = v.stringValue, s.hasPrefix("/"), s.utf8.count < 108, !s.utf8.contains(0) else {
                throw bad("socket", "must be an absolute path of at most 107 bytes")
            }
            socketPath = s
        }
        try int("command_timeout_ms", 100...600_000, &commandTimeoutMilliseconds)
        try int("reconnect_ms", 10...60_000, &reconnectMilliseconds)
    }
}
