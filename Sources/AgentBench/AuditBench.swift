import AgentCore
import AgentJSON
#if canImport(Glibc)
import Glibc
#endif

/// Cost of the audit trail per command: `AuditLog.append` (flock, read head, hash chain,
/// O_APPEND write, fdatasync, head rewrite) of a typical record, timed per call in a fresh
/// folder under `scratch`; and as the same-run baseline, a bare `write` + `fdatasync` of a line
/// of the same length to a plain file in the same folder (what any durable line costs on this disk).
/// - Returns: (append, baseline), microseconds; nil when the folder cannot be made.
func measureAudit(scratch: String, iterations: Int) -> (append: Summary, baseline: Summary, lineBytes: Int)? {
    let dir = scratch + "/audit-bench"
    // handled: bench tooling; nil skips the audit rows
    guard let log = try? AuditLog(directory: dir) else { return nil }
    let message: JSONValue = ["device_id": "plc-1", "correlation_id": 42]
    let response: JSONObject = ["status": "success", "action": "get_device_status", "correlation_id": 42]
    let record = CommandRecord(origin: .local(uid: 0, pid: 4242), topic: "get_device_status", message: message, response: response, seconds: 0.001)
    for _ in 0..<min(50, iterations) { log.append(record) }  // warm-up: file made, head written
    var samples = [Double](repeating: 0, count: iterations)
    for i in 0..<iterations {
        let t0 = monotonicNanoseconds()
        log.append(record)
        samples[i] = Double(monotonicNanoseconds() &- t0) / 1000
    }
    let lineBytes = (fileSize(dir + "/audit.log") ?? 0) / max(1, iterations + min(50, iterations))
    let line = [UInt8](repeating: UInt8(ascii: "x"), count: max(1, lineBytes - 1)) + [UInt8(ascii: "\n")]
    let fd = open(dir + "/plain.log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var base = [Double](repeating: 0, count: iterations)
    for i in 0..<iterations {
        let t0 = monotonicNanoseconds()
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fdatasync(fd)
        base[i] = Double(monotonicNanoseconds() &- t0) / 1000
    }
    return (Summary(samples), Summary(base), lineBytes)
}

private func fileSize(_ path: String) -> Int? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return Int(st.st_size)
}
