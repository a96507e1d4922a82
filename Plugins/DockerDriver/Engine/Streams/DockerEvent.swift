import ContainerEngineSupport
import AgentJSON

/// One engine event, normalized: kind `"<type>.<action>"` (e.g. `container.die`) and payload
/// `{id, name, action, type, attributes, time}` (docs/container-driver.md, Events).
public struct DockerEvent: Sendable, Equatable {
    /// `"<type>.<action>"`. Actions that carry a detail after a colon (`exec_start: sh -c …`,
    /// `health_status: healthy`) contribute only the part before it; the payload keeps all.
    public let kind: String
    /// `{id, name, action, type, attributes, time}`.
    public let payload: JSONObject

    public init(kind: String, payload: JSONObject) {
        self.kind = kind
        self.payload = payload
    }

    /// Decodes one object of `GET /events`, e.g.
    /// `{"Type":"container","Action":"die","Actor":{"ID":"…","Attributes":{"name":"plc1","exitCode":"0",…}},"time":…}`.
    /// Old engines' `status`/`id`/`from` fields are used when `Action`/`Actor` are missing.
    /// - Throws: `engine_bad_response` when it has no type or action.
    public init(decoding o: JSONObject) throws(DockerEngineError) {
        let actor = o.object("Actor")
        let attributes = actor.stringMap("Attributes")
        let type = o.optionalString("Type") ?? (o["id"] != nil ? "container" : "")
        let action = o.optionalString("Action") ?? o.string("status")
        guard !type.isEmpty, !action.isEmpty else {
            throw DockerEngineError(.engineBadResponse, "an event has no Type or Action")
        }
        let id = actor.optionalString("ID") ?? o.string("id")
        let verb = action.split(separator: ":", maxSplits: 1).first.map { String($0) } ?? action
        kind = "\(type).\(verb)"
        payload = [
            "id": .string(id), "name": .string(attributes.objectValue?["name"]?.stringValue ?? ""),
            "action": .string(action), "type": .string(type), "attributes": attributes, "time": .number(o.number("time")),
        ]
    }
}
