import AgentJSON
import CAgentABI  // its header brings <sys/time.h>: the `timeval` initializer below is found there
#if canImport(Glibc)
import Glibc
#endif

/// The client side of the local door (`orchestrator-agent ctl`, tests).
public final class DoorClient {
    private let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to the door at `path`.
    /// - Throws: ``AgentCoreError`` `door_unavailable` when nobody answers there.
    public init(path: String) throws(AgentCoreError) {
        let fd = UnixSocket.connect(path: path)
        guard fd >= 0 else {
            throw AgentCoreError(
                .doorUnavailable, "no agent answers on '\(path)': \(String(cString: strerror(-fd))) (is the daemon running? are you root?)")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends one command and returns the response object (what the cloud would get).
    /// - Throws: ``AgentCoreError`` `door_unavailable` when the door refuses (`forbidden`, `busy`,
    ///   …) or the connection ends.
    public func call(topic: String, message: JSONValue, events: Bool = false) throws(AgentCoreError) -> JSONObject {
        let request: JSONValue = ["id": 1, "topic": .string(topic), "message": message, "events": .bool(events)]
        guard UnixSocket.send(fd, JSONWriter.bytes(request) + [UInt8(ascii: "\n")]) else {
            throw AgentCoreError(.doorUnavailable, "the door closed the connection")
        }
        while let line = nextLine() {
            guard let obj = line.objectValue else { continue }
            if let response = obj["response"]?.objectValue { return response }
            if let err = obj["error"]?.objectValue {
                throw AgentCoreError(
                    .doorUnavailable, "\(err["code"]?.stringValue ?? "error"): \(err["message"]?.stringValue ?? "refused")")
            }
        }
        throw AgentCoreError(.doorUnavailable, "the door closed the connection before answering")
    }

    /// After a `call(…, events: true)`: reads events until an `operation_update` for
    /// `operation` reaches `succeeded`, `failed` or `rolled_back`, or `timeoutSeconds` pass.
    /// - Returns: the final status, or `timeout` / `closed`.
    public func follow(operation: String, timeoutSeconds: Int, onUpdate: (JSONObject) -> Void) -> String {
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        while let line = nextLine() {
            guard let obj = line.objectValue, obj["event"]?.stringValue == "operation_update",
                let payload = obj["payload"]?.objectValue, payload["operation_id"]?.stringValue == operation
            else { continue }
            onUpdate(payload)
            if let status = payload["status"]?.stringValue, ["succeeded", "failed", "rolled_back"].contains(status) {
                return status
            }
        }
        return errno == EAGAIN || errno == EWOULDBLOCK ? "timeout" : "closed"
    }

    private func nextLine() -> JSONValue? {
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                if let v = try? JSONParser.parse(line) { return v }  // harmless: the door writes JSON lines; a stray one is skipped
                continue
            }
            let chunk = UnixSocket.receive(fd)
            if chunk.isEmpty { return nil }
            buffer += chunk
        }
    }
}
