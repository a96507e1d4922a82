import AgentCore

/// Runs blocking work (socket I/O with poll deadlines, file reads, dlopen) on a thread of its own,
/// so that waiting on it never holds a thread of Swift's small cooperative pool — which the cloud
/// probe's transport and its tasks need.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DetachedThread.start { continuation.resume(returning: body()) }
        }
    }
}
