import AgentJSON
import ContainerEngineSupport
import HTTP1Client

extension DockerEngine {
    /// `image.inspect` (normalized, see ``ImageDecoders/inspect(_:)``).
    public func inspectImage(_ ref: String, timeout: Duration) async throws(DockerEngineError) -> JSONObject {
        try ImageDecoders.inspect(try await callJSON("GET", "/images/\(URLEncoding.imageReference(ref))/json", timeout: timeout))
    }

    /// `image.pull`: pulls `ref` (`repo[:tag]`, `repo@digest`; no tag means `latest`), reading
    /// the progress stream until it ends. `progress` sees every line.
    /// - Returns: `{id, status}`: the image id (inspected after the pull) and the last status line.
    /// - Throws: the engine's error when it refuses at once; `engine_error` with the stream's
    ///   message when an error line arrives later.
    public func pullImage(
        _ ref: String, timeout: Duration, progress: @Sendable (JSONObject) -> Void = { _ in }
    ) async throws(DockerEngineError) -> JSONObject {
        let deadline = Deadline(after: timeout)
        let (repo, tag) = Self.splitReference(ref)
        var query = [("fromImage", repo)]
        if let tag { query.append(("tag", tag)) }
        let reader = try await readProgress(
            "/images/create", query: query, body: .none, contentType: nil, deadline: deadline, progress: progress)
        let id = try await inspectImage(ref, timeout: try deadline.remaining())["id"] ?? .null
        return ["id": id, "status": .string(reader.lastStatus ?? "")]
    }

    /// `image.import`: creates an image from a root filesystem tar (`docker import`), streaming
    /// the file.
    /// - Returns: `{id}`.
    public func importImage(
        tarPath: String, repo: String, tag: String, timeout: Duration
    ) async throws(DockerEngineError) -> JSONObject {
        let deadline = Deadline(after: timeout)
        let file = try FileChunks(path: tarPath, failure: DockerEngineError.self)
        let reader = try await readProgress(
            "/images/create", query: [("fromSrc", "-"), ("repo", repo), ("tag", tag)],
            body: .stream(length: file.length, chunks: HTTP1BodyStream(file)), contentType: "application/x-tar", deadline: deadline,
            progress: { _ in })
        guard let id = reader.lastStatus, id.hasPrefix("sha256:") else {
            throw DockerEngineError(.engineBadResponse, "the import stream did not end with the new image id")
        }
        return ["id": .string(id)]
    }

    /// Runs a request whose 200 answer is a progress stream and reads it to the end.
    private func readProgress(
        _ path: String, query: [(String, String)], body: HTTP1RequestBody, contentType: String?, deadline: Deadline,
        progress: @Sendable (JSONObject) -> Void
    ) async throws(DockerEngineError) -> ProgressReader {
        let version = try await apiVersion(timeout: try deadline.remaining())
        var headers: HTTP1Headers = ["Accept": "application/json"]
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        let request = HTTP1Request(
            method: "POST", target: version.pathPrefix + path + URLEncoding.query(query), headers: headers, body: body)
        let left = try deadline.remaining()
        var reader = ProgressReader()
        do {
            let response = try await http.stream(request, headTimeout: left, totalTimeout: left)
            guard response.head.isSuccess else {
                throw EngineDialect.docker.failure(status: response.head.status, body: try await response.collect(maxBody: 1 << 20))
            }
            for try await chunk in response.body {
                for line in try reader.append(chunk) { progress(line) }
            }
            try reader.finish()
        } catch let error as DockerEngineError {
            throw error
        } catch {
            throw EngineDialect.docker.failure(HTTPClientError.from(error))
        }
        return reader
    }

    /// `"repo:tag"` → (`repo`, `tag`); `"repo"` → (`repo`, `latest`); a digest reference is
    /// passed whole with no tag. A `:` before the last `/` is a registry port, not a tag.
    static func splitReference(_ ref: String) -> (repo: String, tag: String?) {
        if ref.contains("@") { return (ref, nil) }
        let lastSlash = ref.lastIndex(of: "/")
        if let colon = ref.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            return (String(ref[..<colon]), String(ref[ref.index(after: colon)...]))
        }
        return (ref, "latest")
    }
}
