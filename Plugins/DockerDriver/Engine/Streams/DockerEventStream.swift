import ContainerEngineSupport
import AgentJSON
import HTTP1Client

/// The events of one `GET /events` connection, decoded (see ``DockerEngine/events(_:timeout:)``).
///
/// Iterate it once. It ends when the engine ends the response (a clean end of an endless
/// stream: the caller should reconnect) and throws ``DockerEngineError`` when the connection
/// breaks (`engine_unreachable`) or a line is not an event (`engine_bad_response`). Stopping
/// the iteration closes the connection.
public struct DockerEventStream: AsyncSequence, Sendable {
    public typealias Element = DockerEvent
    public typealias Failure = DockerEngineError

    let body: AsyncThrowingStream<[UInt8], any Error>

    public func makeAsyncIterator() -> Iterator { Iterator(body: body.makeAsyncIterator()) }

    /// The iterator; not `Sendable`, use it from one task.
    public struct Iterator: AsyncIteratorProtocol {
        var body: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
        var splitter = JSONStreamSplitter()
        var pending: [DockerEvent] = []

        public mutating func next() async throws(DockerEngineError) -> DockerEvent? {
            while pending.isEmpty {
                let chunk: [UInt8]?
                do {
                    chunk = try await body.next()
                } catch {
                    throw EngineDialect.docker.failure(HTTPClientError.from(error))
                }
                guard let chunk else {
                    if splitter.hasPartialDocument {
                        throw DockerEngineError(.engineUnreachable, "the event stream ended in the middle of an event")
                    }
                    return nil
                }
                for document in try splitter.append(chunk) {
                    // handled: an event that is not a JSON object throws engine_bad_response
                    guard let o = (try? JSONParser.parse(document))?.objectValue else {
                        throw DockerEngineError(.engineBadResponse, "an event is not a JSON object")
                    }
                    pending.append(try DockerEvent(decoding: o))
                }
            }
            return pending.removeFirst()
        }
    }
}
