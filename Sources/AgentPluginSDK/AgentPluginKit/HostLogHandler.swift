import Logging

/// A swift-log `LogHandler` that forwards every line to the host's `log` callback.
///
/// Plugins carry their own copy of swift-log, which the host never bootstraps; this handler is
/// how their `Logger`s reach the agent's log. Obtain one through ``PluginHost/logger(label:)``.
public struct HostLogHandler: LogHandler {
    let host: PluginHost
    let label: String
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init(host: PluginHost, label: String) {
        self.host = host
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var flat: [String: String] = ["logger": label]
        for (k, v) in metadata { flat[k] = "\(v)" }
        if let extra = event.metadata { for (k, v) in extra { flat[k] = "\(v)" } }
        host.log(event.level, "\(event.message)", metadata: flat)
    }
}
