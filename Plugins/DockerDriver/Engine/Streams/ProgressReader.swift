import ContainerEngineSupport
import AgentJSON

/// Reads the JSON progress stream of `POST /images/create` (pull and import): one object per
/// line such as `{"status":"Downloading","progressDetail":{…},"id":"…"}`. Docker reports a
/// failure that happens after the 200 head as a line with `error` / `errorDetail`.
public struct ProgressReader: Sendable {
    private var splitter = JSONStreamSplitter()
    /// The `status` of the last line that had one (`Status: Downloaded newer image for …` after a
    /// pull, the new image id after an import).
    public private(set) var lastStatus: String?
    /// The number of lines read.
    public private(set) var lines = 0

    public init() {}

    /// Feeds a chunk; returns its complete lines (for progress logging).
    /// - Throws: `engine_error` with the stream's message on an error line; `engine_bad_response`
    ///   for bytes that are not JSON objects.
    public mutating func append(_ chunk: [UInt8]) throws(DockerEngineError) -> [JSONObject] {
        var out: [JSONObject] = []
        for document in try splitter.append(chunk) {
            // handled: a line that is not a JSON object throws engine_bad_response
            guard let line = (try? JSONParser.parse(document))?.objectValue else {
                throw DockerEngineError(.engineBadResponse, "a progress line is not a JSON object")
            }
            lines += 1
            if line["error"] != nil || line["errorDetail"] != nil {
                let message =
                    line.object("errorDetail").optionalString("message") ?? line.optionalString("error") ?? "the engine reported an error"
                throw DockerEngineError(.engineError, message, httpStatus: 200)
            }
            if let status = line.optionalString("status") { lastStatus = status }
            out.append(line)
        }
        return out
    }

    /// Checks the stream ended cleanly.
    /// - Throws: `engine_bad_response` when it stopped inside a line.
    public func finish() throws(DockerEngineError) {
        if splitter.hasPartialDocument {
            throw DockerEngineError(.engineBadResponse, "the progress stream ended in the middle of a line")
        }
    }
}
