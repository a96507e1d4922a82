import AgentJSON
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// The local operator door: a unix socket (mode 0600, peers checked with SO_PEERCRED: root
/// only unless configured otherwise) that speaks the same contracts as the cloud, so a
/// technician can commission and repair a site with no cloud link (`orchestrator-agent ctl`).
/// Wire format: ``DoorMessage``. Every command is dispatched with origin
/// ``CommandOrigin/local(uid:pid:)`` and so lands in the audit trail like a cloud command.
///
/// A swift-nio server on the core's ``ServerEventLoops``: each admitted connection (at most
/// ``maxConnections``) is a ``DoorConnection``, requests answered in order. A `Service`: in the
/// daemon's `ServiceGroup` it serves until graceful shutdown; ``close()`` (or the end of
/// ``run()``) stops accepting, ends every connection and removes the socket file.
public final class LocalDoor: Sendable {
    /// Connections served at once; one more is answered `busy` and closed.
    public static let maxConnections = 16

    public let path: String
    private let listener: any Channel
    private let connections: DoorConnections

    /// Opens the door at `path` and serves it on `loops` (bound when this returns; call it off
    /// the event loops). A stale socket file (nobody answering) is replaced; a live one means
    /// another agent serves it and is refused.
    /// - Throws: ``AgentCoreError`` `door_unavailable`.
    public init(
        path: String, dispatcher: Dispatcher, logger: Logger, allowedUIDs: Set<uid_t> = [0], loops: ServerEventLoops = .shared
    ) throws(AgentCoreError) {
        self.path = path
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else {
                throw AgentCoreError(.doorUnavailable, "'\(path)' exists and is not a socket; remove it or choose local_door.socket")
            }
            let probe = UnixSocket.connect(path: path)
            if probe >= 0 {
                Glibc.close(probe)
                throw AgentCoreError(.doorUnavailable, "another agent already answers on '\(path)'")
            }
            unlink(path)
        }
        // Bound and chmod-ed before it listens: nobody connects while the mode is still the umask's.
        let fd = UnixSocket.listen(path: path, mode: 0o600)
        guard fd >= 0 else {
            throw AgentCoreError(.doorUnavailable, "cannot listen on '\(path)': \(String(cString: strerror(-fd)))")
        }
        let connections = DoorConnections(limit: Self.maxConnections)
        let bootstrap = ServerBootstrap(group: loops.group)
            .serverChannelOption(.backlog, value: 16)
            .childChannelInitializer { channel in
                DoorAdmission(dispatcher: dispatcher, logger: logger, allowedUIDs: allowedUIDs, connections: connections).admit(channel)
            }
        do { listener = try bootstrap.withBoundSocket(fd).wait() } catch {
            Glibc.close(fd)
            unlink(path)
            throw AgentCoreError(.doorUnavailable, "cannot serve '\(path)': \(error)")
        }
        self.connections = connections
    }

    /// Stops the door: no new connections, open ones ended, requests in flight cancelled, socket
    /// file removed. Idempotent; the listening socket is closed when it returns (off the event
    /// loops).
    public func close() {
        guard let open = connections.stop() else { return }
        for channel in open.channels { channel.close(promise: nil) }
        if listener.eventLoop.inEventLoop { listener.close(promise: nil) } else {
            // harmless: a listener that is already closed has nothing left to close
            try? listener.close().wait()
        }
        unlink(path)
    }

    /// ``close()`` for async callers, which also waits for the cancelled requests: after it the
    /// door needs its event loop no more.
    func closed() async {
        guard let open = connections.stop() else { return }
        for channel in open.channels { channel.close(promise: nil) }
        // harmless: a listener that is already closed has nothing left to close
        try? await listener.close().get()
        unlink(path)
        for request in open.requests { await request.value }
    }
}

extension LocalDoor: Service {
    /// Serves until graceful shutdown or cancellation, then closes.
    public func run() async throws {
        // harmless: shut down gracefully or cancelled, the door closes either way
        try? await gracefulShutdown()
        await closed()
    }
}
