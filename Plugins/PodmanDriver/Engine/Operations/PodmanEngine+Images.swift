import AgentJSON
import ContainerEngineSupport
import HTTP1Client

extension PodmanEngine {
    /// `image.inspect` (normalized: `{id, repo_tags, size, created, config}`).
    public func inspectImage(_ ref: String, timeout: Duration) async throws(PodmanEngineError) -> JSONObject {
        let o = try EngineDialect.podman.object(
            try await callJSON("GET", "/images/\(URLEncoding.imageReference(ref))/json", timeout: timeout), what: "image")
        var config = ContainerDecoders.processConfig(o.object("Config")).objectValue ?? [:]
        config["labels"] = o.object("Config").stringMap("Labels")
        return [
            "id": .string(ContainerDecoders.imageID(try EngineDialect.podman.requiredString("Id", in: o, what: "image"))),
            "repo_tags": .array(o.strings("RepoTags")), "size": .number(o.number("Size")), "created": .string(o.string("Created")),
            "config": .object(config),
        ]
    }

    /// `image.pull` (libpod `POST /images/pull`): reads the report lines to the end.
    /// - Returns: `{id, status}` (the last `stream` line as status).
    /// - Throws: `engine_error` with the message of an `error` line.
    public func pullImage(_ ref: String, timeout: Duration, progress: @Sendable (JSONObject) -> Void = { _ in })
        async throws(PodmanEngineError) -> JSONObject
    {
        let r = try await call("POST", "/images/pull", query: [("reference", ref), ("policy", "always")], timeout: timeout)
        var id: JSONValue = .null
        var status = ""
        for line in r.body.split(separator: UInt8(ascii: "\n")) {
            // handled: a line that is not a JSON object is reported as engine_bad_response
            guard let o = (try? JSONParser.parse(Array(line)))?.objectValue else {
                throw PodmanEngineError(.engineBadResponse, "a pull report line is not a JSON object")
            }
            progress(o)
            if let e = o.optionalString("error") { throw PodmanEngineError(.engineError, e, httpStatus: r.status) }
            if let s = o.optionalString("stream") { status = s.trimmingCharacters(in: " \n") }
            if let i = o.optionalString("id") { id = .string(ContainerDecoders.imageID(i)) }
        }
        return ["id": id, "status": .string(status)]
    }

    /// `image.import`: an image from a root filesystem tar (libpod `POST /images/import`),
    /// streaming the file. - Returns: `{id}`.
    public func importImage(tarPath: String, repo: String, tag: String, timeout: Duration) async throws(PodmanEngineError) -> JSONObject {
        let o = try await postArchive(
            tarPath, to: "/images/import" + URLEncoding.query([("reference", "\(repo):\(tag)")]), what: "import answer", timeout: timeout)
        return ["id": .string(ContainerDecoders.imageID(try EngineDialect.podman.requiredString("Id", in: o, what: "import answer")))]
    }
}

extension String {
    /// Without leading and trailing characters of `set`.
    func trimmingCharacters(in set: String) -> String {
        let drop: (Character) -> Bool = { set.contains($0) }
        guard let first = firstIndex(where: { !drop($0) }), let last = lastIndex(where: { !drop($0) }) else { return "" }
        return String(self[first...last])
    }
}

extension PodmanEngine {
    /// `image.load`: the images of an image archive (`docker save` / `podman save`, docker or
    /// OCI archive), streamed to libpod's `POST /images/load`, under the names the archive holds.
    /// - Returns: `{names: [String]}`.
    public func loadImage(tarPath: String, timeout: Duration) async throws(PodmanEngineError) -> JSONObject {
        let o = try await postArchive(tarPath, to: "/images/load", what: "load answer", timeout: timeout)
        return ["names": .array(o.strings("Names"))]
    }

    /// Streams the archive at `tarPath` to libpod's `path` and reads the answer's object.
    private func postArchive(_ tarPath: String, to path: String, what: String, timeout: Duration) async throws(PodmanEngineError)
        -> JSONObject
    {
        let file = try FileChunks(path: tarPath, failure: PodmanEngineError.self)
        let request = HTTP1Request(
            method: "POST", target: Self.libpodPrefix + path, headers: ["Accept": "application/json", "Content-Type": "application/x-tar"],
            body: .stream(length: file.length, chunks: HTTP1BodyStream(file)))
        let r: HTTP1Response
        do {
            r = try await http.send(request, timeout: timeout, maxBody: Self.maxBody)
        } catch {
            throw EngineDialect.podman.failure(error)
        }
        guard r.head.isSuccess else { throw EngineDialect.podman.failure(status: r.status, body: r.body) }
        return try EngineDialect.podman.object(try Self.json(r), what: what)
    }
}
