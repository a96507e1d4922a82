import Synchronization

/// The ordered outbound frames of one connection, written by a single writer task so that
/// pongs, acks and events never interleave mid-frame and keep their order.
///
/// Each frame may carry a waiter (a `send` that returns once the frame is written). When the
/// connection ends, ``close()`` hands back the frames that were never written, so queued events
/// can be kept for the next connection and waiters can be failed instead of hanging.
final class SessionOutbox: Sendable {
    struct Frame: Sendable {
        let text: String
        /// Set for events that should survive a reconnect (AGENT_SEND_QUEUE).
        let requeue: (topic: String, payloadJSON: String)?
        /// Called once: true when written, false when the connection ended first.
        let waiter: (@Sendable (Bool) -> Void)?
    }

    private struct State {
        var frames: [Frame] = []
        var closed = false
        var wake: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Appends a frame; false when the outbox is closed (the caller then fails or re-queues).
    @discardableResult
    func push(_ frame: Frame) -> Bool {
        let (accepted, wake) = state.withLock { s -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !s.closed else { return (false, nil) }
            s.frames.append(frame)
            let w = s.wake
            s.wake = nil
            return (true, w)
        }
        wake?.resume()
        return accepted
    }

    /// Waits for frames and takes them all (empty when closed).
    func take() async -> [Frame] {
        while true {
            let ready: [Frame]? = state.withLock { s in
                if !s.frames.isEmpty {
                    let out = s.frames
                    s.frames.removeAll()
                    return out
                }
                return s.closed ? [] : nil
            }
            if let ready { return ready }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if !s.frames.isEmpty || s.closed { return true }
                    s.wake = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        }
    }

    /// Closes the outbox for new frames but keeps those already in it: the writer takes them,
    /// then finds the outbox closed (``take()`` answers empty) and ends. Used for a polite close:
    /// the close packets are the last frames.
    func finish() {
        let wake = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.closed = true
            let w = s.wake
            s.wake = nil
            return w
        }
        wake?.resume()
    }

    /// Closes the outbox and returns the frames never taken.
    func close() -> [Frame] {
        let (left, wake) = state.withLock { s -> ([Frame], CheckedContinuation<Void, Never>?) in
            s.closed = true
            let out = s.frames
            s.frames.removeAll()
            let w = s.wake
            s.wake = nil
            return (out, w)
        }
        wake?.resume()
        return left
    }
}
