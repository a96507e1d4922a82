import AgentJSON
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A fake netmon sidecar for the listener tests: a unix-socket NDJSON server on its own
/// threads (plain Glibc sockets; nothing runs on Swift's cooperative pool).
///
/// On accept it sends `network_discovery` (with ``interfaces``) and `device_discovery`, then
/// reads command lines and hands each to `responder`, which answers with ``Client/send(_:)``
/// (at once or later, from any thread). `pythonStyle` mimics the upstream Python sidecar: the
/// replies of ``reply(to:_:on:)`` carry no `id`.
public final class FakeNetmonSidecar: @unchecked Sendable {
    public typealias Responder = @Sendable (_ command: JSONObject, _ client: Client) -> Void

    public let path: String
    public let pythonStyle: Bool
    private let lock = NSLock()
    private var listenFD: Int32 = -1
    private var clients: [Client] = []
    private var commandLog: [JSONObject] = []
    private var greeting: [JSONObject]
    private let responder: Responder
    private let acceptDone = DispatchSemaphore(value: 0)

    /// Binds `path` (removing a stale file) and starts accepting.
    public init(path: String, interfaces: [JSONObject], pythonStyle: Bool = false, responder: Responder? = nil) throws {
        self.path = path
        self.pythonStyle = pythonStyle
        self.greeting = interfaces
        self.responder = responder ?? { command, client in FakeNetmonSidecar.reply(to: command, [:], on: client) }
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DockerLabError("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw DockerLabError("socket path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw DockerLabError("bind/listen \(path): errno \(errno)")
        }
        listenFD = fd
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.start()
    }

    deinit { stop() }

    /// The commands received so far, in order.
    public var commands: [JSONObject] { lock.withLock { commandLog } }

    /// Connected clients.
    public var clientCount: Int { lock.withLock { clients.count } }

    /// Sends an event `{"type", "data"}` to every client.
    public func broadcast(_ type: String, _ data: JSONObject) {
        for c in lock.withLock({ clients }) { c.send(["type": .string(type), "data": .object(data)]) }
    }

    /// Answers `command` with `{"id"?, "success": true, "echo": <command name>, ...extra}` (no id
    /// in python style; `extra` may override `success`).
    public static func reply(to command: JSONObject, _ extra: JSONObject, on client: Client) {
        var out = JSONObject()
        if !client.pythonStyle, let id = command["id"] { out["id"] = id }
        out["success"] = true
        out["echo"] = command["command"] ?? .null
        for (k, v) in extra.entries { out[k] = v }
        client.send(out)
    }

    /// Stops accepting, closes every client and removes the socket file (idempotent).
    public func stop() {
        let (fd, all) = lock.withLock { () -> (Int32, [Client]) in
            let fd = listenFD
            listenFD = -1
            defer { clients = [] }
            return (fd, clients)
        }
        guard fd >= 0 else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        acceptDone.wait()
        close(fd)
        unlink(path)
        for c in all { c.close() }
    }

    private func acceptLoop(_ fd: Int32) {
        defer { acceptDone.signal() }
        while true {
            let cfd = accept(fd, nil, nil)
            if cfd < 0 {
                if errno == EINTR { continue }
                return
            }
            let client = Client(fd: cfd, pythonStyle: pythonStyle)
            let open = lock.withLock { () -> Bool in
                guard listenFD >= 0 else { return false }
                clients.append(client)
                return true
            }
            guard open else {
                client.close()
                return
            }
            let interfaces = lock.withLock { greeting }
            client.send([
                "type": "network_discovery",
                "data": ["interfaces": .array(interfaces.map { .object($0) }), "timestamp": "2026-11-26T06:30:00.000Z"],
            ])
            client.send(["type": "device_discovery", "data": ["devices": [], "timestamp": "2026-11-26T06:30:00.000Z"]])
            let thread = Thread { [self] in readLoop(client) }
            thread.start()
        }
    }

    private func readLoop(_ client: Client) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(client.fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            buffer.append(contentsOf: chunk[0..<n])
            while let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                guard let command = (try? JSONParser.parse(line))?.objectValue else { continue }
                lock.withLock { commandLog.append(command) }
                responder(command, client)
            }
        }
        client.close()
    }

    /// One accepted connection. `send` is thread-safe and never raises SIGPIPE.
    public final class Client: @unchecked Sendable {
        let fd: Int32
        public let pythonStyle: Bool
        private let lock = NSLock()
        private var closed = false

        init(fd: Int32, pythonStyle: Bool) {
            self.fd = fd
            self.pythonStyle = pythonStyle
        }

        public func send(_ object: JSONObject) {
            var bytes = JSONWriter.bytes(.object(object))
            bytes.append(UInt8(ascii: "\n"))
            lock.withLock {
                guard !closed else { return }
                var offset = 0
                while offset < bytes.count {
                    let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { return }
                    offset += n
                }
            }
        }

        public func close() {
            lock.withLock {
                guard !closed else { return }
                closed = true
                shutdown(fd, Int32(SHUT_RDWR))
                Glibc.close(fd)
            }
        }
    }
}
