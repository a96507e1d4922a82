import ContainerEngineSupport
import AgentJSON

/// What `GET /version` says about the engine, and the API version the driver uses with it.
struct EngineInfo: Sendable {
    let engineVersion: String
    let apiVersion: APIVersion
    let minAPIVersion: String
    let os: String
    let arch: String
    /// `override` when configured, else `min(apiVersion, APIVersion.maximum)`.
    let negotiated: APIVersion

    init(decoding o: JSONObject, override: APIVersion?) throws(DockerEngineError) {
        guard let text = o["ApiVersion"]?.stringValue, let api = APIVersion(text) else {
            throw DockerEngineError(.engineBadResponse, "GET /version has no usable ApiVersion")
        }
        apiVersion = api
        engineVersion = o["Version"]?.stringValue ?? ""
        minAPIVersion = o["MinAPIVersion"]?.stringValue ?? ""
        os = o["Os"]?.stringValue ?? ""
        arch = o["Arch"]?.stringValue ?? ""
        negotiated = override ?? min(api, APIVersion.maximum)
    }

    /// The `engine.version` result.
    var json: JSONObject {
        [
            "api_version": .string(negotiated.description), "engine_api_version": .string(apiVersion.description),
            "engine_version": .string(engineVersion),
            "min_api_version": .string(minAPIVersion), "os": .string(os), "arch": .string(arch),
        ]
    }
}
