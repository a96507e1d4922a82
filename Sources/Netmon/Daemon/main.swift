#if canImport(Glibc)
import Glibc
#endif
import NetmonCore

// autonomy-netmon: the privileged network-monitor sidecar (host network + host PID, root).
// See docs/network-monitor.md.

func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
        if n <= 0 { return }
        off += n
    }
}

let options: NetmonOptions
do {
    options = try NetmonOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    writeAll(2, "autonomy-netmon: \(error)\n\n\(NetmonOptions.usage)")
    exit(2)
}
if options.help {
    writeAll(1, NetmonOptions.usage)
    exit(0)
}
Log.level = options.logLevel

do {
    let netmon = try Netmon(options: options)
    netmon.run()
    exit(0)
} catch {
    Log.error("cannot start: \(error)")
    exit(1)
}
