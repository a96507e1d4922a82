import Logging

/// The agent's swift-log `LogHandler`: renders each record in a ``LogFormat`` and hands it to a
/// shared ``LogSink``.
///
/// A value type like every `LogHandler`: changing the level or metadata of one `Logger` (a
/// plugin's logger gets its own level from `logging.plugins`) never affects another. The
/// `plugin` metadata key is written as its own field (`[id]` in plain, `"plugin"` in JSON); the
/// logger's own value (set by the host) wins over one a plugin passes with a record.
public struct AgentLogHandler: LogHandler {
    /// The logger's label (written in JSON records).
    public let label: String
    /// Where rendered records go (shared by every copy).
    public let sink: LogSink
    /// How records are rendered.
    public let format: LogFormat
    /// Records below this level are dropped by `Logger` before they reach the handler.
    public var logLevel: Logger.Level = .info
    /// Metadata added to every record of this logger (a record's own metadata wins).
    public var metadata: Logger.Metadata = [:]
    /// Supplies more metadata at log time (e.g. task-local values); below the record's own.
    public var metadataProvider: Logger.MetadataProvider?

    /// A handler writing `format` records to `sink`, filtering below `level`.
    public init(label: String, sink: LogSink, format: LogFormat, level: Logger.Level = .info) {
        self.label = label
        self.sink = sink
        self.format = format
        self.logLevel = level
    }

    /// One key of ``metadata``.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Renders and writes one record (called by `Logger` for records at or above ``logLevel``).
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = .string("\(error)") }
        // The logger's own `plugin` (set by the host) wins over one passed with the record.
        let plugin = (metadata["plugin"] ?? merged["plugin"]).map { "\($0)" }
        merged["plugin"] = nil
        let record = LogRecord(
            time: LogTimestamp.now(), level: event.level, label: label, plugin: plugin,
            message: event.message.description, metadata: merged)
        sink.write(format.render(record))
    }
}
