import Synchronization

/// A value shared by the tasks and event-loop handlers of one connection (a flag, a status seen
/// by one handler and read by the code that set the pipeline up).
final class SharedValue<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ initial: Value) { value = Mutex(initial) }

    func withLock<R>(_ body: (inout Value) -> R) -> R { value.withLock { body(&$0) } }

    /// The value now.
    var current: Value { value.withLock { $0 } }
}
