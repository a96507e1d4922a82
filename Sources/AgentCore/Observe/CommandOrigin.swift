/// Who sent a command: the cloud (through the transport), a local operator (through the local
/// door's unix socket) or the in-process CLI (`orchestrator-agent invoke`).
public enum CommandOrigin: Sendable, Equatable, CustomStringConvertible {
    /// The cloud; `peer` is the subject CN of the cloud's certificate as the transport reported
    /// it (or the configured host when the transport did not say).
    case cloud(peer: String)
    /// A local operator on the door socket, identified by the kernel (SO_PEERCRED).
    case local(uid: UInt32, pid: Int32)
    /// `orchestrator-agent invoke` in its own process (no daemon involved).
    case cli(uid: UInt32)

    /// `cloud:<cn>`, `local:uid=<uid>,pid=<pid>` or `cli:uid=<uid>` (the audit log's `who`).
    public var description: String {
        switch self {
        case .cloud(let peer): return "cloud:\(peer)"
        case .local(let uid, let pid): return "local:uid=\(uid),pid=\(pid)"
        case .cli(let uid): return "cli:uid=\(uid)"
        }
    }
}
