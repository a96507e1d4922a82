#if canImport(Glibc)
import Glibc
#endif

extension MetricsHTTPServer {
    /// A listening TCP socket on `address:port` (IPv4 or IPv6 literal).
    /// - Returns: the descriptor and the port bound.
    /// - Throws: ``AgentCoreError`` `config_invalid` naming `metrics.address` or `metrics.port`.
    static func listen(address: String, port: UInt16) throws(AgentCoreError) -> (Int32, UInt16) {
        var storage = sockaddr_storage()
        let length: socklen_t
        let family: Int32
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            family = AF_INET
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { raw in
                let sin = raw.baseAddress?.assumingMemoryBound(to: sockaddr_in.self)
                sin?.pointee.sin_family = sa_family_t(AF_INET)
                sin?.pointee.sin_port = port.bigEndian
                sin?.pointee.sin_addr = v4
            }
        } else if inet_pton(AF_INET6, address, &v6) == 1 {
            family = AF_INET6
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { raw in
                let sin6 = raw.baseAddress?.assumingMemoryBound(to: sockaddr_in6.self)
                sin6?.pointee.sin6_family = sa_family_t(AF_INET6)
                sin6?.pointee.sin6_port = port.bigEndian
                sin6?.pointee.sin6_addr = v6
            }
        } else {
            throw AgentCoreError(.configInvalid, "'metrics.address' '\(address)' is not an IP address", field: "metrics.address")
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket", address, port) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else {
            let error = failure("listen", address, port)
            close(fd)
            throw error
        }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        let portBE = withUnsafeBytes(of: &actual) { raw -> UInt16 in
            // sin_port and sin6_port sit at the same offset (after the family).
            raw.load(fromByteOffset: MemoryLayout<sa_family_t>.size, as: UInt16.self)
        }
        return (fd, UInt16(bigEndian: portBE))
    }

    private static func failure(_ what: String, _ address: String, _ port: UInt16) -> AgentCoreError {
        AgentCoreError(
            .configInvalid,
            "the metrics endpoint cannot \(what) on \(address):\(port): \(String(cString: strerror(errno))); choose a free port in metrics.port",
            field: "metrics.port")
    }
}
