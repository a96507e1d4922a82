import ContainerEngineSupport
import AgentJSON
import DockerEngine

/// `docker_stream`: a chunked engine stream (`GET /events`, `POST /images/create` progress)
/// through ``JSONStreamSplitter``, each document through ``DockerEvent``, and the whole through
/// ``ProgressReader``.
///
/// Invariants: the documents do not depend on how the stream is chunked; each starts with `{`
/// or `[`, ends with `}` or `]` and is a slice of the input; refusals are `engine_bad_response`
/// (or `engine_error` for a progress error line); a decoded event re-encodes.
enum DockerStreamTarget {
    static let target = FuzzTarget(name: "docker_stream", summary: "DockerEngine streams: splitter, events, progress") {
        bytes throws(FuzzInvariantViolation) in
        let check = Check(target: "docker_stream")
        let known: Set<String> = ["engine_bad_response", "engine_error"]
        var whole = JSONStreamSplitter()
        let once: [[UInt8]]
        do throws(DockerEngineError) { once = try whole.append(bytes) } catch { return try check.refused(error.code.rawValue, known: known, "\(error)") }
        var chunked = JSONStreamSplitter()
        var pieces: [[UInt8]] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + 1 + Int(bytes[start] % 13))
            do { pieces += try chunked.append(Array(bytes[start..<end])) } catch {
                throw FuzzInvariantViolation("docker_stream", "chunked feeding failed where one chunk did not: \(error)")
            }
            start = end
        }
        try check.that(once == pieces, "documents depend on chunking")
        try check.that(whole.hasPartialDocument == chunked.hasPartialDocument, "partial state depends on chunking")
        for doc in once {
            try check.that([0x7B, 0x5B].contains(doc.first) && [0x7D, 0x5D].contains(doc.last), "document is not bracketed")
            guard let object = (try? JSONParser.parse(doc))?.objectValue else { continue }
            do { try JSONTarget.roundTrip(.object(try DockerEvent(decoding: object).payload), check) } catch let e as DockerEngineError {
                try check.that(e.code == .engineBadResponse, "event: unexpected error \(e)")
            } catch let v as FuzzInvariantViolation { throw v } catch { throw FuzzInvariantViolation("docker_stream", "\(error)") }
        }
        var progress = ProgressReader()
        do throws(DockerEngineError) {
            _ = try progress.append(bytes)
            try progress.finish()
        } catch { return try check.refused(error.code.rawValue, known: known, "\(error)") }
        return .accepted
    }
}
