import AgentJSON
import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The local operator door: a unix socket (mode 0600, peers checked with SO_PEERCRED: root
/// only unless configured otherwise) that speaks the same contracts as the cloud, so a
/// technician can commission and repair a site with no cloud link (`orchestrator-agent ctl`).
/// Wire format: ``DoorMessage``. Every command is dispatched with origin
/// ``CommandOrigin/local(uid:pid:)`` and so lands in the audit trail like a cloud command.
///
/// One thread accepts; each connection (at most ``maxConnections``) is served on a thread of
/// its own, requests in order. ``close()`` stops accepting, ends every connection and removes
/// the socket file.
public final class LocalDoor: Sendable {
    /// Connections served at once; one more is answered `busy` and closed.
    public static let maxConnections = 16

    public let path: String
    let dispatcher: Dispatcher
    let logger: Logger
    let allowedUIDs: Set<uid_t>
    private let listenFD: Int32
    private let state = Mutex<(stopped: Bool, connections: Set<Int32>)>((false, []))

    /// Opens the door at `path`. A stale socket file (nobody answering) is replaced; a live one
    /// means another agent serves it and is refused.
    /// - Throws: ``AgentCoreError`` `door_unavailable`.
    public init(path: String, dispatcher: Dispatcher, logger: Logger, allowedUIDs: Set<uid_t> = [0]) throws(AgentCoreError) {
        self.path = path
        self.dispatcher = dispatcher
        self.logger = logger
        self.allowedUIDs = allowedUIDs
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
        let fd = UnixSocket.listen(path: path, mode: 0o600)
        guard fd >= 0 else {
            throw AgentCoreError(.doorUnavailable, "cannot listen on '\(path)': \(String(cString: strerror(-fd)))")
        }
        listenFD = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops the door: no new connections, open ones ended, socket file removed.
    public func close() {
        let fds = state.withLock { s -> Set<Int32>? in
            guard !s.stopped else { return nil }
            s.stopped = true
            return s.connections
        }
        guard let fds else { return }
        shutdown(listenFD, Int32(SHUT_RDWR))
        for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) }
        unlink(path)
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if state.withLock({ $0.stopped }) { break }
                logger.error("local door: accept failed: \(String(cString: strerror(errno)))")
                usleep(100_000)
                continue
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            admit(fd)
        }
        Glibc.close(listenFD)
    }

    private func admit(_ fd: Int32) {
        guard let peer = UnixSocket.peer(fd), allowedUIDs.contains(peer.uid) else {
            let who = UnixSocket.peer(fd).map { "uid \($0.uid)" } ?? "an unknown peer"
            logger.warning("local door: refused \(who)")
            _ = UnixSocket.send(fd, DoorMessage.error(DoorError(id: .null, "forbidden", "the local door is for root only; \(who) is not allowed")))
            UnixSocket.closeAfterReply(fd)
            return
        }
        let admitted = state.withLock { s -> Bool in
            guard !s.stopped, s.connections.count < Self.maxConnections else { return false }
            s.connections.insert(fd)
            return true
        }
        guard admitted else {
            _ = UnixSocket.send(fd, DoorMessage.error(DoorError(id: .null, "busy", "too many local door connections")))
            UnixSocket.closeAfterReply(fd)
            return
        }
        let connection = DoorConnection(fd: fd, origin: .local(uid: peer.uid, pid: peer.pid), door: self)
        let thread = Thread { [self] in
            connection.serve()
            state.withLock { _ = $0.connections.remove(fd) }
            Glibc.close(fd)
        }
        thread.start()
    }
}
