import NIOCore
import NIOPosix

/// The event loops the core's own servers run on (the local door, the metrics endpoint): the
/// process's one swift-nio group, NIO's singleton. swift-nio is linked once in the process
/// (libAgentShared.so), so the first-party plugins that use `MultiThreadedEventLoopGroup.singleton`
/// (the cloud link, the netmon listener, the Docker and vPLC plugins' HTTP clients) share the same
/// group; a plugin may still make a group of its own (docs/architecture.md, "One event loop group").
public struct ServerEventLoops: Sendable {
    /// The group servers bind on and serve their connections on.
    public let group: any EventLoopGroup

    /// NIO's process-wide group (`MultiThreadedEventLoopGroup.singleton`), never shut down.
    public static var shared: ServerEventLoops { ServerEventLoops(group: MultiThreadedEventLoopGroup.singleton) }

    /// Event loop threads of the daemon's group: one is plenty for an edge agent's sockets.
    public static let daemonThreads = 1

    /// Sizes the process's group to `threads` event loops. Call once, first thing in the daemon,
    /// before anything (the core or a plugin) touches the group: NIO stops the process when its
    /// size is set twice or after the group was made.
    public static func sizeProcessGroup(threads: Int = daemonThreads) {
        NIOSingletons.groupLoopCountSuggestion = max(1, threads)
    }
}
