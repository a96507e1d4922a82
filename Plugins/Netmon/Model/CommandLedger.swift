/// The commands waiting for a reply on one connection, in the order they were sent, and the
/// rules that match replies to them.
///
/// - A reply that carries an id goes to the command with that id (our sidecar echoes ids and
///   may answer out of order). Unknown ids are dropped (a late reply after a timeout).
/// - A reply without an id goes to the oldest command (the upstream sidecar answers in order
///   and echoes nothing).
/// - A command given up on (timeout, cancellation) leaves a placeholder while the peer has not
///   shown that it echoes ids, so its late, id-less reply is swallowed instead of being handed
///   to the next command. Once a reply with an id was seen, given-up commands are just removed.
///
/// Generic over the waiter (a continuation in the plugin, anything in tests). Not thread-safe:
/// keep it behind the connection's lock.
public struct CommandLedger<Waiter> {
    private var pending: [(id: String, waiter: Waiter?)] = []
    /// Whether the peer echoed an id at least once.
    public private(set) var peerEchoesIDs = false
    /// Placeholders kept at most (older ones are dropped: a peer that never answers them
    /// must not grow memory).
    public let maxPlaceholders: Int

    public init(maxPlaceholders: Int = 64) { self.maxPlaceholders = maxPlaceholders }

    /// Commands still waiting (placeholders not counted).
    public var waitingCount: Int { pending.count { $0.waiter != nil } }

    /// Records a sent command.
    public mutating func add(id: String, waiter: Waiter) { pending.append((id, waiter)) }

    /// Matches a reply.
    /// - Returns: the waiter to resume; nil when the reply belongs to no live command.
    public mutating func resolve(replyID: String?) -> Waiter? {
        if let replyID {
            peerEchoesIDs = true
            guard let i = pending.firstIndex(where: { $0.id == replyID }) else { return nil }
            return pending.remove(at: i).waiter
        }
        guard !pending.isEmpty else { return nil }
        return pending.removeFirst().waiter
    }

    /// Gives up on a command (timeout, cancellation).
    /// - Returns: its waiter if it was still waiting (the caller resumes it with the failure).
    public mutating func abandon(id: String) -> Waiter? {
        guard let i = pending.firstIndex(where: { $0.id == id }) else { return nil }
        let waiter = pending[i].waiter
        if peerEchoesIDs {
            pending.remove(at: i)
        } else {
            pending[i].waiter = nil
            let placeholders = pending.count { $0.waiter == nil }
            if placeholders > maxPlaceholders, let first = pending.firstIndex(where: { $0.waiter == nil }) {
                pending.remove(at: first)
            }
        }
        return waiter
    }

    /// Empties the ledger (connection lost or closed).
    /// - Returns: every waiter still waiting, oldest first.
    public mutating func drain() -> [Waiter] {
        let waiters = pending.compactMap(\.waiter)
        pending.removeAll()
        peerEchoesIDs = false
        return waiters
    }
}

extension CommandLedger: Sendable where Waiter: Sendable {}
