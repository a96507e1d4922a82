import ContainerEngineSupport
import AgentJSON

/// Docker image JSON → the normalized shapes of docs/container-driver.md.
public enum ImageDecoders {
    /// `GET /images/{ref}/json` → the `image.inspect` result.
    public static func inspect(_ docker: JSONValue) throws(DockerEngineError) -> JSONObject {
        let o = try EngineDialect.docker.object(docker, what: "image")
        return [
            "id": .string(try EngineDialect.docker.requiredString("Id", in: o, what: "image")),
            "repo_tags": .array(o.strings("RepoTags")), "size": .number(o.number("Size")), "created": .string(o.string("Created")),
            "config": configWithLabels(o.object("Config")),
        ]
    }

    /// The image's defaults: ``ContainerDecoders/processConfig(_:)`` plus `labels`.
    static func configWithLabels(_ config: JSONObject) -> JSONValue {
        var out = ContainerDecoders.processConfig(config).objectValue ?? [:]
        out["labels"] = config.stringMap("Labels")
        return .object(out)
    }
}
