#if canImport(Glibc)
import Glibc
#endif
import AgentJSON
import CNetlink
import NetmonCore
import NetmonProtocol

/// The sidecar's socket clients: accepts them (peer-checked), reads their lines, runs their
/// requests through `execute` (ordered ones one at a time per client, in arrival order; concurrent
/// ones at once), and queues and writes what goes out to one client or to all. Lives on the loop
/// thread, like everything it calls.
///
/// Owns: the connected clients and their ids. The listening socket is the ``Netmon``'s.
final class ClientTable {
    /// Runs one request for a client and calls its argument with the reply, on the loop thread.
    typealias Execute = (NetmonRequest, ClientConnection, @escaping (JSONValue) -> Void) -> Void

    private let loop: EventLoop
    private let listenFd: Int32
    /// The uid allowed besides root.
    private let agentUID: UInt32?
    /// What a new client is told first: the `network_discovery` and `device_discovery` events.
    private let greeting: () -> [JSONValue]
    private let execute: Execute
    private var clients: [Int32: ClientConnection] = [:]
    private var nextClientID: UInt64 = 0

    init(loop: EventLoop, listenFd: Int32, agentUID: UInt32?, greeting: @escaping () -> [JSONValue], execute: @escaping Execute) {
        self.loop = loop
        self.listenFd = listenFd
        self.agentUID = agentUID
        self.greeting = greeting
        self.execute = execute
    }

    /// Starts accepting clients on the listening socket.
    func startAccepting() {
        loop.register(listenFd, events: Int16(POLLIN)) { [unowned self] _ in self.acceptClients() }
    }

    /// How many clients are connected.
    var count: Int { clients.count }

    // MARK: accept

    private func acceptClients() {
        while true {
            let fd = cnl_accept(listenFd)
            if fd < 0 {
                if fd == -ECONNABORTED { continue }
                if fd != -EAGAIN { Log.warning("accept: \(errnoText(fd))") }
                return
            }
            guard let uid = SocketServer.peerUID(fd), uid == 0 || uid == agentUID else {
                let uid = SocketServer.peerUID(fd) ?? UInt32.max
                Log.warning("refused a client with uid \(uid)")
                var line = JSONWriter.bytes(Reply.peerRefused(uid: uid))
                line.append(UInt8(ascii: "\n"))
                _ = line.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
                close(fd)
                continue
            }
            nextClientID += 1
            let c = ClientConnection(id: nextClientID, fd: fd, uid: uid)
            clients[fd] = c
            loop.register(fd, events: Int16(POLLIN)) { [unowned self, unowned c] revents in self.clientEvent(c, revents) }
            Log.info("client \(c.id) connected (uid \(uid)); \(clients.count) connected")
            for event in greeting() { send(to: c, event) }
        }
    }

    // MARK: I/O

    private func clientEvent(_ c: ClientConnection, _ revents: Int16) {
        if revents & Int16(POLLOUT) != 0 { flush(c) }
        if c.closed { return }
        if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { readClient(c) }
    }

    private func readClient(_ c: ClientConnection) {
        var chunk = [UInt8](repeating: 0, count: 16384)
        // A few reads per round, so one chatty client cannot starve the others.
        for _ in 0..<8 {
            let n = chunk.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, 0) }
            if n == 0 {
                closeClient(c, reason: "closed by peer")
                return
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno != EAGAIN { closeClient(c, reason: errnoText(errno)) }
                return
            }
            for item in c.framer.feed(chunk[0..<n]) {
                switch item {
                case .tooLong:
                    let e = NetmonError(.lineTooLong, "Line exceeds \(c.framer.maxLineBytes) bytes")
                    submitOrdered(.rejected(RejectedRequest(id: nil, error: e)), to: c)
                case .line(let line):
                    guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { continue }  // blank line
                    received(line, from: c)
                }
                if c.closed { return }
            }
        }
    }

    private func received(_ line: [UInt8], from c: ClientConnection) {
        switch CommandParser.parse(line) {
        case .success(let request) where request.isConcurrent:
            execute(request, c) { [unowned self] reply in self.send(to: c, reply) }
        case .success(let request):
            submitOrdered(.request(request), to: c)
        case .failure(let rejected) where rejected.id != nil:
            send(to: c, Reply.rejected(rejected))
        case .failure(let rejected):
            submitOrdered(.rejected(rejected), to: c)
        }
    }

    // MARK: ordered requests

    private func submitOrdered(_ item: ClientConnection.Ordered, to c: ClientConnection) {
        if let start = c.sequencer.submit(item) {
            c.ready.append(start)
            pump(c)
        }
    }

    private func pump(_ c: ClientConnection) {
        guard !c.pumping else { return }
        c.pumping = true
        defer { c.pumping = false }
        while !c.ready.isEmpty && !c.closed {
            let item = c.ready.removeFirst()
            switch item {
            case .rejected(let r):
                send(to: c, Reply.rejected(r))
                orderedFinished(c)
            case .request(let request):
                execute(request, c) { [unowned self] reply in
                    self.send(to: c, reply)
                    self.orderedFinished(c)
                }
            }
        }
    }

    private func orderedFinished(_ c: ClientConnection) {
        guard !c.closed, let next = c.sequencer.finished() else { return }
        c.ready.append(next)
        pump(c)
    }

    // MARK: output

    /// Queues one line for `c` and writes what the socket takes now. A client whose queue would
    /// pass the bound is dropped.
    func send(to c: ClientConnection, _ value: JSONValue) {
        guard !c.closed else { return }
        guard c.output.append(line: JSONWriter.bytes(value)) else {
            closeClient(c, reason: "not reading (more than \(c.output.limit) bytes queued)")
            return
        }
        flush(c)
    }

    /// Sends `value` to every client.
    func broadcast(_ value: JSONValue) {
        guard !clients.isEmpty else { return }
        let line = JSONWriter.bytes(value)
        for c in Array(clients.values) where !c.closed {
            guard c.output.append(line: line) else {
                closeClient(c, reason: "not reading (more than \(c.output.limit) bytes queued)")
                continue
            }
            flush(c)
        }
    }

    private func flush(_ c: ClientConnection) {
        var failed: Int32 = 0
        while !c.output.isEmpty && failed == 0 {
            var wrote = 0
            c.output.drain { raw in
                let n = Glibc.send(c.fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
                if n < 0 {
                    if errno != EAGAIN && errno != EINTR { failed = errno }
                    return 0
                }
                wrote = n
                return n
            }
            if wrote == 0 { break }
        }
        if failed != 0 {
            closeClient(c, reason: errnoText(failed))
            return
        }
        loop.update(c.fd, events: Int16(POLLIN) | (c.output.isEmpty ? 0 : Int16(POLLOUT)))
    }

    /// Unregisters and closes `c` (logged with `reason` when there is one). Idempotent.
    func closeClient(_ c: ClientConnection, reason: String?) {
        guard !c.closed else { return }
        c.closed = true
        loop.unregister(c.fd)
        close(c.fd)
        clients[c.fd] = nil
        if let reason { Log.info("client \(c.id) disconnected: \(reason)") }
    }

    /// Closes every client (shutdown), silently.
    func closeAll() {
        for c in Array(clients.values) { closeClient(c, reason: nil) }
    }
}
