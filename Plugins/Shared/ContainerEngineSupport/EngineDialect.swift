import AgentJSON
import HTTP1Client

/// How one engine speaks where the engines differ: the name its messages give it, the refusals
/// it hides in an HTTP 500's `cause`, and its spelling of the fields the normalized shapes of
/// docs/container-driver.md carry in Docker's spelling. Each driver defines its one dialect; the
/// shared readers, decoders and error mapping take it.
public struct EngineDialect: Sendable {
    /// The engine as messages name it: `Docker engine`, `Podman service`.
    public let name: String
    /// HTTP 500 answers whose `cause` says what they are, with the code Docker's status would give.
    public let causes: [String: ContainerEngineError.Code]
    /// The engine's capability name → Docker's (`CAP_NET_ADMIN` → `NET_ADMIN`).
    public let capability: @Sendable (String) -> String
    /// The engine's ulimit name → Docker's (`RLIMIT_RTPRIO` → `rtprio`).
    public let ulimitName: @Sendable (String) -> String
    /// The engine's image id → Docker's (`sha256:` prefixed).
    public let imageID: @Sendable (String) -> String
    /// Whether a string `Cmd`/`Entrypoint` that is empty means unset (Podman) rather than a
    /// one-element list (Docker's old engines).
    public let emptyCommandIsUnset: Bool

    /// A dialect; the spelling hooks default to Docker's own (no change).
    public init(
        name: String, causes: [String: ContainerEngineError.Code] = [:],
        capability: @escaping @Sendable (String) -> String = { $0 },
        ulimitName: @escaping @Sendable (String) -> String = { $0 },
        imageID: @escaping @Sendable (String) -> String = { $0 },
        emptyCommandIsUnset: Bool = false
    ) {
        self.name = name
        self.causes = causes
        self.capability = capability
        self.ulimitName = ulimitName
        self.imageID = imageID
        self.emptyCommandIsUnset = emptyCommandIsUnset
    }

    /// Maps a transport failure: no connection or a broken one → `engine_unreachable`, deadline →
    /// `engine_timeout`, an undecodable or oversized answer → `engine_bad_response`.
    public func failure(_ error: HTTPClientError) -> ContainerEngineError {
        let text = error.cause.map { "\(error.message): \($0)" } ?? error.message
        switch error.code {
        case .connectFailed, .connectionClosed: return ContainerEngineError(.engineUnreachable, "\(name) unreachable: \(text)")
        case .timeout: return ContainerEngineError(.engineTimeout, "the \(name) did not answer in time: \(text)")
        case .cancelled: return ContainerEngineError(.cancelled, "the call was cancelled")
        case .requestBodyFailed: return ContainerEngineError(.engineError, "sending the request failed: \(text)")
        default: return ContainerEngineError(.engineBadResponse, "the \(name)'s answer is unusable: \(text)")
        }
    }

    /// Maps an error answer: the status picks the code (404, 409, 400, 403, else `engine_error`),
    /// or for a 5xx a known `cause` (``causes``); the body's `message` (or the body text) becomes
    /// the message.
    public func failure(status: Int, body: [UInt8]) -> ContainerEngineError {
        // harmless: an error body that is not JSON becomes the message as text (below)
        let object = (try? JSONParser.parse(body))?.objectValue
        var code: ContainerEngineError.Code
        switch status {
        case 404: code = .engineNotFound
        case 409: code = .engineConflict
        case 400: code = .engineBadRequest
        case 403: code = .engineForbidden
        default: code = .engineError
        }
        if status >= 500, let cause = object?["cause"]?.stringValue, let known = causes[cause] { code = known }
        var message = object?["message"]?.stringValue
        if message == nil {
            let text = String(decoding: body.prefix(512), as: UTF8.self).trimmingSpace
            message = text.isEmpty ? "the \(name) answered HTTP \(status)" : text
        }
        return ContainerEngineError(code, message ?? "", httpStatus: status)
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    var trimmingSpace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
