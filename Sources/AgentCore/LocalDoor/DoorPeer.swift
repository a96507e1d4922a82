import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Who is on the other end of a door connection, as the kernel recorded it at connect
/// (SO_PEERCRED): the uid decides, the pid goes into the audit trail.
struct DoorPeer: Sendable, Equatable {
    let uid: uid_t
    let pid: pid_t

    /// Linux `struct ucred`: `{pid_t pid; uid_t uid; gid_t gid;}`, three 32-bit fields (Glibc's
    /// Swift module hides the struct behind _GNU_SOURCE).
    private struct Credentials: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// The peer of `channel`; nil when the kernel does not say (not a unix socket).
    static func of(_ channel: any Channel) -> EventLoopFuture<DoorPeer?> {
        guard let provider = channel as? any SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        let read: EventLoopFuture<Credentials> = provider.unsafeGetSocketOption(
            level: NIOBSDSocket.OptionLevel(rawValue: SOL_SOCKET), name: NIOBSDSocket.Option(rawValue: SO_PEERCRED))
        return read.map { DoorPeer(uid: $0.uid, pid: $0.pid) }.recover { _ in nil }
    }
}
