import NIOCore
import NIOPosix

/// The event loops the core's own servers run on (the local door, the metrics endpoint): one
/// small swift-nio group they share. Plugins run their own groups (their copies of NIO are not
/// the host's).
///
/// The daemon makes a ``dedicated(threads:)`` group and shuts it down after its services have
/// stopped; tests and one-shot commands use ``shared``, NIO's process-wide group, which is never
/// shut down.
public struct ServerEventLoops: Sendable {
    /// The group servers bind on and serve their connections on.
    public let group: any EventLoopGroup
    private let owned: Bool

    private init(group: any EventLoopGroup, owned: Bool) {
        self.group = group
        self.owned = owned
    }

    /// NIO's process-wide group (`MultiThreadedEventLoopGroup.singleton`); ``shutdown()`` leaves it.
    public static var shared: ServerEventLoops { ServerEventLoops(group: MultiThreadedEventLoopGroup.singleton, owned: false) }

    /// A group of its own with `threads` threads (the daemon: one is plenty for a door and a
    /// scrape endpoint), to be ended with ``shutdown()`` once nothing serves on it.
    public static func dedicated(threads: Int = 1) -> ServerEventLoops {
        ServerEventLoops(group: MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads)), owned: true)
    }

    /// Ends a dedicated group's threads (nothing for ``shared``). Call after every server on it
    /// has stopped.
    public func shutdown() async {
        guard owned else { return }
        // harmless: a group that is already shut down has no thread left to end
        try? await group.shutdownGracefully()
    }
}
