import AgentJSON
import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Who gets in at the local door: a new connection's peer must be an allowed uid (SO_PEERCRED;
/// else one `forbidden` error line) and the door must have room (else `busy`). An admitted one
/// gets the line framing and a ``DoorConnection``, with reads on demand and the peer's end seen
/// as a half-close (the lines it sent before are still answered).
struct DoorAdmission: Sendable {
    let dispatcher: Dispatcher
    let logger: Logger
    let allowedUIDs: Set<uid_t>
    let connections: DoorConnections

    /// The child channel initializer of the door's server.
    func admit(_ channel: any Channel) -> EventLoopFuture<Void> {
        DoorPeer.of(channel).flatMap { peer in
            guard let peer, allowedUIDs.contains(peer.uid) else {
                let who = peer.map { "uid \($0.uid)" } ?? "an unknown peer"
                logger.warning("local door: refused \(who)")
                return refuse(channel, DoorError(id: .null, "forbidden", "the local door is for root only; \(who) is not allowed"))
            }
            guard connections.admit(channel) else {
                return refuse(channel, DoorError(id: .null, "busy", "too many local door connections"))
            }
            return channel.eventLoop.makeCompletedFuture {
                let options = channel.syncOptions
                try options?.setOption(.autoRead, value: false)
                try options?.setOption(.allowRemoteHalfClosure, value: true)
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DoorLineDecoder()))
                try channel.pipeline.syncOperations.addHandler(
                    DoorConnection(origin: .local(uid: peer.uid, pid: peer.pid), dispatcher: dispatcher, door: connections))
            }
        }
    }

    /// Writes one error line and closes so that the peer can still read it: the write side is
    /// shut first and the connection closes when the peer has gone (or a moment later), since
    /// closing with unread input would make the kernel reset the peer before it read the line.
    private func refuse(_ channel: any Channel, _ error: DoorError) -> EventLoopFuture<Void> {
        channel.writeAndFlush(channel.allocator.buffer(bytes: DoorMessage.error(error))).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        }
        return channel.eventLoop.makeSucceededVoidFuture()
    }
}
