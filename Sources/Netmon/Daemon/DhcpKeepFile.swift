import Glibc
import NetmonCore

/// `<lease dir>/.<container>_<vnic>.keep`: the address the udhcpc hook keeps on the link at the
/// client's first `deconfig` (the hook then removes the file). Best effort: without it the client
/// starts as any other (the address is flushed until the server answers).
struct DhcpKeepFile {
    /// The folder the supervisor's lease files live in.
    let leaseDir: String
    /// The vNIC whose client the file is for.
    let key: DhcpKey

    /// The file's path.
    var path: String { "\(leaseDir)/.\(key.container)_\(key.vnic).keep" }

    /// Writes `ip` for the next client's start; a failure is logged, never thrown.
    func write(_ ip: IPv4) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            Log.warning("dhcp \(key): cannot write \(path): \(errnoText(-errno)); the address is flushed at the client's start")
            return
        }
        let text = Array((ip.description + "\n").utf8)
        let written = text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if written != text.count { Log.warning("dhcp \(key): short write to \(path)") }
    }

    /// Removes an earlier client's file that was never consumed (the new client keeps nothing).
    func remove() { unlink(path) }
}
