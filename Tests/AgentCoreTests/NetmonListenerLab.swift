import AgentCore
import AgentJSON
import CAgentABI
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
final class FakeNetmonSidecar: @unchecked Sendable {
    typealias Responder = @Sendable (_ command: JSONObject, _ client: Client) -> Void

    let path: String
    let pythonStyle: Bool
    private let lock = NSLock()
    private var listenFD: Int32 = -1
    private var clients: [Client] = []
    private var commandLog: [JSONObject] = []
    private var greeting: [JSONObject]
    private let responder: Responder
    private let acceptDone = DispatchSemaphore(value: 0)

    /// Binds `path` (removing a stale file) and starts accepting.
    init(path: String, interfaces: [JSONObject], pythonStyle: Bool = false, responder: Responder? = nil) throws {
        self.path = path
        self.pythonStyle = pythonStyle
        self.greeting = interfaces
        self.responder = responder ?? { command, client in FakeNetmonSidecar.reply(to: command, [:], on: client) }
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LabError("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw LabError("socket path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw LabError("bind/listen \(path): errno \(errno)")
        }
        listenFD = fd
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.start()
    }

    deinit { stop() }

    /// The commands received so far, in order.
    var commands: [JSONObject] { lock.withLock { commandLog } }

    /// Connected clients.
    var clientCount: Int { lock.withLock { clients.count } }

    /// Sends an event `{"type", "data"}` to every client.
    func broadcast(_ type: String, _ data: JSONObject) {
        for c in lock.withLock({ clients }) { c.send(["type": .string(type), "data": .object(data)]) }
    }

    /// Answers `command` with `{"id"?, "success": true, "echo": <command name>, ...extra}` (no id
    /// in python style; `extra` may override `success`).
    static func reply(to command: JSONObject, _ extra: JSONObject, on client: Client) {
        var out = JSONObject()
        if !client.pythonStyle, let id = command["id"] { out["id"] = id }
        out["success"] = true
        out["echo"] = command["command"] ?? .null
        for (k, v) in extra.entries { out[k] = v }
        client.send(out)
    }

    /// Stops accepting, closes every client and removes the socket file (idempotent).
    func stop() {
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
    final class Client: @unchecked Sendable {
        let fd: Int32
        let pythonStyle: Bool
        private let lock = NSLock()
        private var closed = false

        init(fd: Int32, pythonStyle: Bool) {
            self.fd = fd
            self.pythonStyle = pythonStyle
        }

        func send(_ object: JSONObject) {
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

        func close() {
            lock.withLock {
                guard !closed else { return }
                closed = true
                shutdown(fd, Int32(SHUT_RDWR))
                Glibc.close(fd)
            }
        }
    }
}

/// Calls the `agent.netmon` implementation in an agent's registry through its C vtable, the way
/// another plugin's SDK would.
struct NetmonProbe: @unchecked Sendable {
    let vtable: UnsafePointer<agent_netmon_v1>
    let instance: UnsafeMutableRawPointer?

    init(_ agent: Agent) throws {
        guard let entry = agent.services.registry.lookup(AGENT_PROTOCOL_NETMON) else {
            throw LabError("no agent.netmon registered")
        }
        vtable = UnsafeRawPointer(entry.vtable).assumingMemoryBound(to: agent_netmon_v1.self)
        instance = entry.instance
    }

    /// Invokes `method`; answers the status and the result (or error) object.
    func invoke(_ method: String, _ params: JSONObject = [:]) async -> (status: Int32, body: JSONObject) {
        await withCheckedContinuation { (c: CheckedContinuation<(status: Int32, body: JSONObject), Never>) in
            let box = Unmanaged.passRetained(ProbeCall(c))
            let m = Array(method.utf8)
            let p = JSONWriter.bytes(.object(params))
            let status = m.withUnsafeBufferPointer { mb in
                p.withUnsafeBufferPointer { pb in
                    vtable.pointee.invoke?(
                        instance, 1, agent_bytes(ptr: mb.baseAddress, len: mb.count), agent_bytes(ptr: pb.baseAddress, len: pb.count),
                        probeDone, box.toOpaque()) ?? Int32(AGENT_E_UNSUPPORTED)
                }
            }
            if status != Int32(AGENT_OK) {
                box.release()
                c.resume(returning: (status, [:]))
            }
        }
    }

    /// Subscribes; events land in the returned log until ``NetmonEventLog/cancel()``.
    func subscribe() throws -> NetmonEventLog {
        let log = NetmonEventLog()
        var id: UInt64 = 0
        let ctx = Unmanaged.passRetained(log)
        guard let subscribe = vtable.pointee.subscribe, let unsubscribe = vtable.pointee.unsubscribe,
            subscribe(instance, probeEvent, ctx.toOpaque(), &id) == Int32(AGENT_OK)
        else {
            ctx.release()
            throw LabError("subscribe refused")
        }
        let target = NetmonProbePointer(instance)
        let subscription = id
        log.onCancel = {
            unsubscribe(target.value, subscription)
            ctx.release()
        }
        return log
    }
}

struct NetmonProbePointer: @unchecked Sendable {
    let value: UnsafeMutableRawPointer?
    init(_ value: UnsafeMutableRawPointer?) { self.value = value }
}

/// The events one probe subscription received, in order.
final class NetmonEventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(kind: String, payload: JSONObject)] = []
    fileprivate var onCancel: (@Sendable () -> Void)?

    var kinds: [String] { lock.withLock { items.map(\.kind) } }
    var events: [(kind: String, payload: JSONObject)] { lock.withLock { items } }

    fileprivate func append(_ kind: String, _ payload: JSONObject) { lock.withLock { items.append((kind, payload)) } }

    /// Unsubscribes (no event is recorded after it returns).
    func cancel() {
        let stop = lock.withLock { () -> (@Sendable () -> Void)? in
            defer { onCancel = nil }
            return onCancel
        }
        stop?()
    }
}

private final class ProbeCall: @unchecked Sendable {
    let continuation: CheckedContinuation<(status: Int32, body: JSONObject), Never>
    init(_ c: CheckedContinuation<(status: Int32, body: JSONObject), Never>) { continuation = c }
}

private func copyAndRelease(_ body: agent_owned_bytes) -> [UInt8] {
    let bytes = body.ptr.map { Array(UnsafeBufferPointer(start: $0, count: body.len)) } ?? []
    body.release?(body.release_ctx, body.ptr, body.len)
    return bytes
}

private let probeDone: @convention(c) (UnsafeMutableRawPointer?, Int32, agent_owned_bytes) -> Void = { ctx, status, body in
    let bytes = copyAndRelease(body)
    guard let ctx else { return }
    let call = Unmanaged<ProbeCall>.fromOpaque(ctx).takeRetainedValue()
    call.continuation.resume(returning: (status, (try? JSONParser.parse(bytes))?.objectValue ?? [:]))
}

private let probeEvent: @convention(c) (UnsafeMutableRawPointer?, agent_bytes, agent_bytes) -> Void = { ctx, kind, payload in
    guard let ctx else { return }
    let log = Unmanaged<NetmonEventLog>.fromOpaque(ctx).takeUnretainedValue()
    let k = kind.ptr.map { String(decoding: UnsafeBufferPointer(start: $0, count: kind.len), as: UTF8.self) } ?? ""
    let p = payload.ptr.map { Array(UnsafeBufferPointer(start: $0, count: payload.len)) } ?? []
    log.append(k, (try? JSONParser.parse(p))?.objectValue ?? [:])
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass (generous deadlines only).
func netmonEventually(_ seconds: Double = 15, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))  // sleep-audit: poll (the interval of a wait with a deadline)
    }
    return await condition()
}
