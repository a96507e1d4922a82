import Foundation

/// Collects a child's output (a pipe's read end) in the background, until end of file.
///
/// A plain thread does blocking `read(2)`s on the descriptor; it holds the `FileHandle` until end of
/// file, so the descriptor cannot be closed (and its number reused) while it is read. It does not use
/// `FileHandle.readabilityHandler`: that registers the descriptor with libdispatch's epoll loop, and a
/// pipe closed while registered once crashed the whole test process in the manager thread
/// (`_dispatch_event_loop_drain`) during an agent-restart test.
final class LogCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            let fd = handle.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    lock.withLock { bytes += buffer[0..<n] }
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    break  // end of file (the child and every copy of the write end are gone) or an error
                }
            }
            withExtendedLifetime(handle) {}
        }
        thread.name = "log-collector"
        thread.start()
    }

    /// Everything read so far.
    var contents: String { String(decoding: lock.withLock { bytes }, as: UTF8.self) }

    /// Whether `needle` appears in the output within `seconds`.
    func waitFor(_ needle: String, seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if contents.contains(needle) { return true }
            try? await Task.sleep(for: .milliseconds(20))  // sleep-audit: poll (the interval of a wait with a deadline)
        }
        return contents.contains(needle)
    }
}
