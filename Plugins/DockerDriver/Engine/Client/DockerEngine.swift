import AgentJSON
import ContainerEngineSupport
import HTTP1Client
import Synchronization

/// A client of one Docker Engine's HTTP API over its unix socket.
///
/// Every request after the first goes to the versioned prefix `/v<version>/`: the configured
/// override when there is one, else `min(engine's ApiVersion, APIVersion.maximum)`, negotiated
/// by an unversioned `GET /version` on first use and kept until ``version(timeout:)`` looks again.
///
/// Operations are typed (`Operations/`); their results are the normalized JSON shapes of
/// docs/container-driver.md. Every operation has a timeout and fails with
/// ``DockerEngineError`` only. `Sendable`: share one instance; calls may run concurrently.
public final class DockerEngine: Sendable {
    /// The socket path (empty when the client's target is not a unix socket).
    public let socketPath: String
    /// The API version forced by configuration, if any.
    public let apiVersionOverride: APIVersion?
    let http: HTTP1Client
    private let negotiated = Mutex<APIVersion?>(nil)

    /// Largest engine answer buffered (inspect and list bodies are far smaller).
    static let maxBody = 32 << 20

    /// - Parameters:
    ///   - socketPath: the Engine API socket (see ``DockerSocket/resolve(configured:dockerHost:)``).
    ///   - apiVersion: use this version instead of negotiating.
    public convenience init(socketPath: String, apiVersion: APIVersion? = nil) {
        self.init(client: HTTP1Client(target: .unixSocket(path: socketPath)), apiVersion: apiVersion)
    }

    /// An engine behind `client` (its target should be the engine's socket; its event loop group
    /// is where connections live).
    public init(client: HTTP1Client, apiVersion: APIVersion? = nil) {
        if case .unixSocket(let path) = client.target { socketPath = path } else { socketPath = "" }
        self.apiVersionOverride = apiVersion
        self.http = client
    }

    // MARK: version

    /// The API version requests use: the override, or the negotiated one (negotiating now if
    /// this is the first call).
    public func apiVersion(timeout: Duration) async throws(DockerEngineError) -> APIVersion {
        if let apiVersionOverride { return apiVersionOverride }
        if let known = negotiated.withLock({ $0 }) { return known }
        let info = try await engineInfo(timeout: timeout)
        return info.negotiated
    }

    /// `GET /version` (unversioned), decoded; records the negotiated version.
    func engineInfo(timeout: Duration) async throws(DockerEngineError) -> EngineInfo {
        let response = try await send("GET", "/version", timeout: timeout)
        let info = try EngineInfo(decoding: try Self.jsonObject(response), override: apiVersionOverride)
        negotiated.withLock { $0 = info.negotiated }
        return info
    }

    // MARK: requests

    /// One buffered request. `path` starts with `/`; it is prefixed with the API version unless
    /// `versioned` is false. Any status is returned (callers decide what is an error).
    func send(
        _ method: String, _ path: String, query: [(String, String)] = [], json: JSONValue? = nil, versioned: Bool = false,
        timeout: Duration
    ) async throws(DockerEngineError) -> HTTP1Response {
        let deadline = Deadline(after: timeout)
        var target = path + URLEncoding.query(query)
        if versioned { target = (try await apiVersion(timeout: try deadline.remaining())).pathPrefix + target }
        var headers: HTTP1Headers = ["Accept": "application/json"]
        var payload = HTTP1RequestBody.none
        if let json {
            payload = .bytes(JSONWriter.bytes(json))
            headers.add(name: "Content-Type", value: "application/json")
        }
        let request = HTTP1Request(method: method, target: target, headers: headers, body: payload)
        let left = try deadline.remaining()
        do {
            return try await http.send(request, timeout: left, maxBody: Self.maxBody)
        } catch {
            throw EngineDialect.docker.failure(error)
        }
    }

    /// A versioned request that must answer one of `expecting` (else the engine's error).
    func call(
        _ method: String, _ path: String, query: [(String, String)] = [], json: JSONValue? = nil,
        expecting: Set<Int> = [200], timeout: Duration
    ) async throws(DockerEngineError) -> HTTP1Response {
        let r = try await send(method, path, query: query, json: json, versioned: true, timeout: timeout)
        guard expecting.contains(r.status) else { throw EngineDialect.docker.failure(status: r.status, body: r.body) }
        return r
    }

    /// A versioned request answering a JSON document.
    func callJSON(
        _ method: String, _ path: String, query: [(String, String)] = [], json: JSONValue? = nil,
        expecting: Set<Int> = [200], timeout: Duration
    ) async throws(DockerEngineError) -> JSONValue {
        let r = try await call(method, path, query: query, json: json, expecting: expecting, timeout: timeout)
        return try Self.json(r)
    }

    static func json(_ response: HTTP1Response) throws(DockerEngineError) -> JSONValue {
        do {
            return try JSONParser.parse(response.body, maxBytes: maxBody)
        } catch {
            throw DockerEngineError(.engineBadResponse, "the engine's answer is not JSON: \(error)", httpStatus: response.status)
        }
    }

    static func jsonObject(_ response: HTTP1Response) throws(DockerEngineError) -> JSONObject {
        guard response.head.isSuccess else { throw EngineDialect.docker.failure(status: response.status, body: response.body) }
        guard let o = try json(response).objectValue else {
            throw DockerEngineError(.engineBadResponse, "the engine's answer is not a JSON object", httpStatus: response.status)
        }
        return o
    }
}
