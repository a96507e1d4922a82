#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Delivers callbacks until closed, with the guarantee an event subscription needs: once
/// ``close()`` returns, no callback runs and none will start.
///
/// Callbacks are serialized. ``close()`` waits for a callback in progress on another thread;
/// called from inside a callback (an unsubscribe from the event handler) it does not wait for
/// itself, and no further callback starts once that one returns.
public final class CallbackGate: Sendable {
    public init() {}

    private let delivery = Mutex<Void>(())
    private let closed = Atomic<Bool>(false)
    private let deliveringThread = Atomic<UInt>(0)

    /// Runs `body` unless the gate is closed.
    public func deliver(_ body: () -> Void) {
        delivery.withLock { _ in
            guard !closed.load(ordering: .acquiring) else { return }
            deliveringThread.store(Self.currentThread, ordering: .releasing)
            body()
            deliveringThread.store(0, ordering: .releasing)
        }
    }

    /// Closes the gate (idempotent).
    public func close() {
        closed.store(true, ordering: .releasing)
        if deliveringThread.load(ordering: .acquiring) == Self.currentThread { return }
        delivery.withLock { _ in }  // waits out a callback running on another thread
    }

    /// Whether ``close()`` was called.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    private static var currentThread: UInt { UInt(bitPattern: Int(bitPattern: pthread_self())) }
}
