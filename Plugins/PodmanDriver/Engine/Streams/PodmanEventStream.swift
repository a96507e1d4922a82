import AgentJSON
import ContainerEngineSupport
import HTTP1Client

/// The events of one `GET /events` connection, decoded. Iterate it once; it ends when the
/// service ends the response and throws ``PodmanEngineError`` when the connection breaks or a
/// line is not an event.
public struct PodmanEventStream: AsyncSequence, Sendable {
    public typealias Element = PodmanEvent
    public typealias Failure = PodmanEngineError

    let body: AsyncThrowingStream<[UInt8], any Error>

    public func makeAsyncIterator() -> Iterator { Iterator(body: body.makeAsyncIterator()) }

    /// The iterator; use it from one task.
    public struct Iterator: AsyncIteratorProtocol {
        var body: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
        var splitter = LineSplitter()
        var pending: [PodmanEvent] = []

        public mutating func next() async throws(PodmanEngineError) -> PodmanEvent? {
            while pending.isEmpty {
                let chunk: [UInt8]?
                do {
                    chunk = try await body.next()
                } catch {
                    throw EngineDialect.podman.failure(HTTPClientError.from(error))
                }
                guard let chunk else {
                    if splitter.hasPartialLine { throw PodmanEngineError(.engineUnreachable, "the event stream ended in the middle of an event") }
                    return nil
                }
                for line in try splitter.append(chunk) {
                    // handled: an event that is not a JSON object throws engine_bad_response
                    guard let o = (try? JSONParser.parse(line))?.objectValue else {
                        throw PodmanEngineError(.engineBadResponse, "an event is not a JSON object")
                    }
                    pending.append(try PodmanEvent(decoding: o))
                }
            }
            return pending.removeFirst()
        }
    }
}

extension PodmanEngine {
    /// Opens the Docker-compatible `GET /events` (streaming) with `filter` (`type`, `event`,
    /// `label`, as Docker's) and returns once the head arrived.
    /// - Parameter timeout: for connecting and the head only.
    public func events(_ filter: JSONObject, timeout: Duration) async throws(PodmanEngineError) -> PodmanEventStream {
        var query: [(String, String)] = []
        if filter.count > 0 { query.append(("filters", JSONWriter.string(.object(filter)))) }
        let request = HTTP1Request(
            method: "GET", target: Self.compatPrefix + "/events" + URLEncoding.query(query), headers: ["Accept": "application/json"])
        let response: HTTP1StreamingResponse
        do {
            response = try await http.stream(request, headTimeout: timeout)
        } catch {
            throw EngineDialect.podman.failure(error)
        }
        guard response.head.isSuccess else {
            // harmless: without the error body the status alone still gives the typed error
            let body = (try? await response.collect(maxBody: 1 << 20)) ?? []
            throw EngineDialect.podman.failure(status: response.head.status, body: body)
        }
        return PodmanEventStream(body: response.body)
    }
}
