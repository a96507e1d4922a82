import AgentJSON
import ContainerEngineSupport
import HTTP1Client

/// A client of one Podman service's HTTP API (`podman system service`) over its unix socket.
///
/// Requests go to the libpod API under ``libpodPrefix`` (Podman's own: SpecGenerator creates,
/// per-network static IPs and MACs, macvlan networks with a parent), and to the
/// Docker-compatible endpoints under ``compatPrefix`` only where those fit better: a network's
/// attached containers and the event stream (Docker's event vocabulary, which the protocol
/// uses). There is no version negotiation: the libpod API is versioned by its path, and 4.0.0
/// is what Podman 4.x serves.
///
/// Operations are typed (`Operations/`); their results are the normalized JSON shapes of
/// docs/container-driver.md. Every operation has a timeout and fails with
/// ``PodmanEngineError`` only. `Sendable`: share one instance; calls may run concurrently.
public final class PodmanEngine: Sendable {
    /// The path prefix of libpod endpoints.
    public static let libpodPrefix = "/v4.0.0/libpod"
    /// The path prefix of Docker-compatible endpoints.
    public static let compatPrefix = "/v4.0.0"
    /// Largest answer buffered (inspect and list bodies are far smaller).
    static let maxBody = 32 << 20

    /// The socket path (empty when the client's target is not a unix socket).
    public let socketPath: String
    let http: HTTP1Client

    /// A Podman service at `socketPath`.
    public convenience init(socketPath: String) {
        self.init(client: HTTP1Client(target: .unixSocket(path: socketPath)))
    }

    /// A Podman service behind `client`.
    public init(client: HTTP1Client) {
        if case .unixSocket(let path) = client.target { socketPath = path } else { socketPath = "" }
        http = client
    }

    /// One buffered request to `prefix + path`. Any status is returned (callers decide).
    func send(
        _ method: String, _ path: String, prefix: String = libpodPrefix, query: [(String, String)] = [], json: JSONValue? = nil,
        rawJSON: [UInt8]? = nil, timeout: Duration
    ) async throws(PodmanEngineError) -> HTTP1Response {
        var headers: HTTP1Headers = ["Accept": "application/json"]
        var payload = HTTP1RequestBody.none
        if let bytes = rawJSON ?? json.map(JSONWriter.bytes) {
            payload = .bytes(bytes)
            headers.add(name: "Content-Type", value: "application/json")
        }
        let request = HTTP1Request(method: method, target: prefix + path + URLEncoding.query(query), headers: headers, body: payload)
        do {
            return try await http.send(request, timeout: timeout, maxBody: Self.maxBody)
        } catch {
            throw EngineDialect.podman.failure(error)
        }
    }

    /// A request that must answer one of `expecting` (else the engine's error).
    func call(
        _ method: String, _ path: String, prefix: String = libpodPrefix, query: [(String, String)] = [], json: JSONValue? = nil,
        rawJSON: [UInt8]? = nil, expecting: Set<Int> = [200], timeout: Duration
    ) async throws(PodmanEngineError) -> HTTP1Response {
        let r = try await send(method, path, prefix: prefix, query: query, json: json, rawJSON: rawJSON, timeout: timeout)
        guard expecting.contains(r.status) else { throw EngineDialect.podman.failure(status: r.status, body: r.body) }
        return r
    }

    /// A request answering a JSON document.
    func callJSON(
        _ method: String, _ path: String, prefix: String = libpodPrefix, query: [(String, String)] = [], json: JSONValue? = nil,
        rawJSON: [UInt8]? = nil, expecting: Set<Int> = [200], timeout: Duration
    ) async throws(PodmanEngineError) -> JSONValue {
        let r = try await call(method, path, prefix: prefix, query: query, json: json, rawJSON: rawJSON, expecting: expecting, timeout: timeout)
        return try Self.json(r)
    }

    static func json(_ response: HTTP1Response) throws(PodmanEngineError) -> JSONValue {
        do {
            return try JSONParser.parse(response.body, maxBytes: maxBody)
        } catch {
            throw PodmanEngineError(.engineBadResponse, "the Podman service's answer is not JSON: \(error)", httpStatus: response.status)
        }
    }

    /// `filters` as the JSON query value Podman expects (`{"label": ["a=b"]}`); nil when empty.
    static func filters(_ pairs: [(String, [String])]) -> (String, String)? {
        var f = JSONObject()
        for (key, values) in pairs where !values.isEmpty { f[key] = .array(values.map(JSONValue.string)) }
        return f.count == 0 ? nil : ("filters", JSONWriter.string(.object(f)))
    }
}
