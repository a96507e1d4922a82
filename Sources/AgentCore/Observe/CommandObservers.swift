import AgentJSON
import Synchronization

/// One answered command, as the dispatcher hands it to observers (audit log, metrics).
public struct CommandRecord: Sendable {
    public let origin: CommandOrigin
    public let topic: String
    /// The message as received (after parsing; `nil` when it was not JSON).
    public let message: JSONValue?
    /// The response sent back.
    public let response: JSONObject
    /// Time from receipt to response, in seconds.
    public let seconds: Double
    /// The topic's contract says it only reads (``Contract/readOnly``).
    public let readOnly: Bool

    public init(origin: CommandOrigin, topic: String, message: JSONValue?, response: JSONObject, seconds: Double, readOnly: Bool = false) {
        self.readOnly = readOnly
        self.origin = origin
        self.topic = topic
        self.message = message
        self.response = response
        self.seconds = seconds
    }

    /// `success` or the error `code` of the response (`unknown_topic`, `validation_error`, …).
    public var result: String {
        if response["status"]?.stringValue == "error" { return response["code"]?.stringValue ?? "error" }
        return "success"
    }
}

/// Observers of answered commands. Each is called once per command, after the response is
/// built and before it is returned to the sender, on the dispatching task; it must return
/// quickly and must not throw (an observer that needs I/O does it synchronously and briefly,
/// like the audit log's append).
public final class CommandObservers: Sendable {
    public typealias Observer = @Sendable (CommandRecord) -> Void
    private let observers = Mutex<[Observer]>([])

    public init() {}

    /// Adds an observer for the life of the process.
    public func observe(_ observer: @escaping Observer) { observers.withLock { $0.append(observer) } }

    func notify(_ record: CommandRecord) {
        for o in observers.withLock({ $0 }) { o(record) }
    }
}

/// Observers of the transport's connection-state reports (`connected`, `disconnected`,
/// `error`, …) with their detail object.
public final class LinkObservers: Sendable {
    public typealias Observer = @Sendable (_ kind: String, _ detail: JSONObject) -> Void
    private let observers = Mutex<[Observer]>([])

    public init() {}

    /// Adds an observer for the life of the process.
    public func observe(_ observer: @escaping Observer) { observers.withLock { $0.append(observer) } }

    func notify(kind: String, detail: JSONObject) {
        for o in observers.withLock({ $0 }) { o(kind, detail) }
    }
}
