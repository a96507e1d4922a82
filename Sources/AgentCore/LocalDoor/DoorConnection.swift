import AgentJSON
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One local-door connection: reads request lines, answers each in order, and (after a request
/// with `events: true`) forwards emitted events until the peer goes away. An event that the
/// peer does not read at once ends the connection: a stuck client must not stall the emitters.
final class DoorConnection: Sendable {
    let fd: Int32
    let origin: CommandOrigin
    let door: LocalDoor
    private let writeLock = Mutex<Bool>(true)  // false once the connection is given up
    private let subscription = Mutex<UInt64?>(nil)

    init(fd: Int32, origin: CommandOrigin, door: LocalDoor) {
        self.fd = fd
        self.origin = origin
        self.door = door
    }

    func serve() {
        defer {
            if let id = subscription.withLock({ $0 }) { door.dispatcher.services.events.unobserve(id) }
            writeLock.withLock { $0 = false }
        }
        var buffer: [UInt8] = []
        while true {
            let chunk = UnixSocket.receive(fd)
            if chunk.isEmpty { return }
            buffer += chunk
            while let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                if !line.isEmpty, !handle(line) { return }
            }
            if buffer.count > DoorMessage.maxLineBytes {
                _ = write(DoorMessage.error(DoorError(id: .null, "line_too_long", "a request line is at most \(DoorMessage.maxLineBytes) bytes")))
                return
            }
        }
    }

    /// Answers one line; false when the connection should end.
    private func handle(_ line: [UInt8]) -> Bool {
        let request: DoorMessage.Request
        switch DoorMessage.parse(line) {
        case .failure(let e): return write(DoorMessage.error(e))
        case .success(let r): request = r
        }
        if request.events { subscribe() }
        let response = dispatchAndWait(request)
        return write(DoorMessage.reply(id: request.id, response: response))
    }

    /// Runs the dispatch on the concurrency pool and blocks this (dedicated) thread until done.
    private func dispatchAndWait(_ request: DoorMessage.Request) -> JSONObject {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<JSONObject>(JSONObject())
        let dispatcher = door.dispatcher
        let origin = origin
        Task {
            let response = await dispatcher.dispatch(topic: request.topic, message: request.message, origin: origin)
            result.withLock { $0 = response }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 }
    }

    private func subscribe() {
        subscription.withLock { sub in
            guard sub == nil else { return }
            sub = door.dispatcher.services.events.observe { [self] topic, payload in
                if !write(DoorMessage.event(topic: topic, payload: payload), nonBlocking: true) {
                    shutdown(fd, Int32(SHUT_RDWR))
                }
            }
        }
    }

    private func write(_ bytes: [UInt8], nonBlocking: Bool = false) -> Bool {
        writeLock.withLock { open in
            guard open else { return false }
            if !UnixSocket.send(fd, bytes, nonBlocking: nonBlocking) { open = false }
            return open
        }
    }
}
