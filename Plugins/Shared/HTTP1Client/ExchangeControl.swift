import NIOCore
import Synchronization

/// The thread-safe handle on one exchange's channel, used to abort it from outside the event
/// loop (task cancellation, a dropped body stream, a failed request write).
final class ExchangeControl: Sendable {
    private struct State {
        var channel: (any Channel)?
        var aborted: HTTPClientError?
    }
    private let state = Mutex(State())

    /// Records the connected channel; returns the abort error instead when the exchange was
    /// aborted before the connection was made (the caller must then close the channel).
    func attach(_ channel: any Channel) -> HTTPClientError? {
        state.withLock { s in
            if let e = s.aborted { return e }
            s.channel = channel
            return nil
        }
    }

    /// Aborts the exchange with `error` (the first abort wins; later ones and aborts after the
    /// response completed do nothing).
    func abort(_ error: HTTPClientError) {
        let channel: (any Channel)? = state.withLock { s in
            if s.aborted == nil { s.aborted = error }
            return s.channel
        }
        channel?.pipeline.fireUserInboundEventTriggered(AbortExchange(error: error))
    }
}
