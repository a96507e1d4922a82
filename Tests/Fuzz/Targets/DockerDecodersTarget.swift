import ContainerEngineSupport
import AgentJSON
import DockerEngine

/// `docker_decoders`: one engine response body through every decoder of the Docker driver
/// (container inspect/list/stats, image inspect, network inspect/list, one event).
///
/// Invariants: a body that is not JSON is refused by the parser's codes; a decoder either
/// answers or throws `engine_bad_response` (Docker's JSON is read leniently: only `Id` and an
/// event's type/action are required); whatever a decoder answers re-encodes and re-parses equal.
enum DockerDecodersTarget {
    static let target = FuzzTarget(name: "docker_decoders", summary: "DockerEngine decoders over one response body") {
        bytes throws(FuzzInvariantViolation) in
        let check = Check(target: "docker_decoders")
        let value: JSONValue
        do throws(JSONError) { value = try JSONParser.parse(bytes) } catch { return .refused(code: "json_" + error.code.rawValue) }
        var answered = 0
        let decoders: [(String, (JSONValue) throws(DockerEngineError) -> JSONValue)] = [
            ("container.inspect", { v throws(DockerEngineError) in .object(try ContainerDecoders.inspect(v)) }),
            ("container.list", { v throws(DockerEngineError) in .array(try ContainerDecoders.list(v)) }),
            ("container.stats", { v throws(DockerEngineError) in .object(try ContainerDecoders.stats(v)) }),
            ("image.inspect", { v throws(DockerEngineError) in .object(try ImageDecoders.inspect(v)) }),
            ("network.inspect", { v throws(DockerEngineError) in .object(try NetworkDecoders.inspect(v)) }),
            ("network.list", { v throws(DockerEngineError) in .array(try NetworkDecoders.list(v)) }),
            ("event", { v throws(DockerEngineError) in
                guard let o = v.objectValue else { throw DockerEngineError(.engineBadResponse, "not an object") }
                return .object(try DockerEvent(decoding: o).payload)
            }),
        ]
        for (name, decode) in decoders {
            do {
                try JSONTarget.roundTrip(try decode(value), check)
                answered += 1
            } catch let error as DockerEngineError {
                try check.that(error.code == .engineBadResponse, "\(name): unexpected error \(error)")
            } catch let violation as FuzzInvariantViolation {
                throw FuzzInvariantViolation("docker_decoders", "\(name): \(violation.message)")
            } catch {
                throw FuzzInvariantViolation("docker_decoders", "\(name): untyped error \(error)")
            }
        }
        return answered > 0 ? .accepted : .refused(code: "engine_bad_response")
    }
}
