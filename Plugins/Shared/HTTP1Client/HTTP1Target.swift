/// Where an ``HTTP1Client`` connects.
public enum HTTP1Target: Sendable, Equatable, CustomStringConvertible {
    /// A unix domain socket at this filesystem path (e.g. `/var/run/docker.sock`).
    case unixSocket(path: String)
    /// A TCP endpoint (a host name or an IPv4/IPv6 literal, and a port).
    case tcp(host: String, port: Int)

    /// The `Host` header value used when the caller gives none: `localhost` for a unix socket
    /// (what Docker's own clients send), `host:port` for TCP (IPv6 literals bracketed).
    public var defaultHostHeader: String {
        switch self {
        case .unixSocket: return "localhost"
        case .tcp(let host, let port):
            let h = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            return "\(h):\(port)"
        }
    }

    public var description: String {
        switch self {
        case .unixSocket(let path): return "unix://\(path)"
        case .tcp(let host, let port): return "tcp://\(host):\(port)"
        }
    }
}
