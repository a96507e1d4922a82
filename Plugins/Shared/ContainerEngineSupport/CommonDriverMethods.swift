import AgentJSON

/// The protocol's methods that every engine answers the same way (docs/container-driver.md):
/// their parameters read and checked, the engine's client called, the result shaped. Each
/// driver's service answers these through here and adds its engine's own methods.
public enum CommonDriverMethods {
    /// The methods answered here.
    public static let names = [
        "engine.version", "engine.ping", "image.inspect", "image.pull", "image.import", "container.create", "container.start",
        "container.stop", "container.restart", "container.remove", "container.inspect", "container.list", "container.stats",
        "container.rename", "network.create", "network.inspect", "network.list", "network.remove", "network.connect",
        "network.disconnect",
    ]

    /// Answers `method` when it is one of ``names``; nil for any other method.
    /// - Parameter log: receives the image pull's progress lines, for a debug log.
    /// - Throws: `bad_params` naming the field, or the engine's error.
    public static func invoke(
        _ method: String, _ p: DriverParams<ContainerEngineError>, on engine: some ContainerEngineClient, timeout: Duration,
        log: @escaping @Sendable (String) -> Void
    ) async throws(ContainerEngineError) -> JSONValue? {
        switch method {
        case "engine.version": return .object(try await engine.version(timeout: timeout))
        case "engine.ping":
            try await engine.ping(timeout: timeout)
            return ["ok": true]
        case "image.inspect": return .object(try await engine.inspectImage(try p.string("ref"), timeout: timeout))
        case "image.pull":
            let ref = try p.string("ref")
            return .object(try await engine.pullImage(ref, timeout: timeout) { line in log("pull \(ref): \(JSONWriter.string(.object(line)))") })
        case "image.import":
            return .object(
                try await engine.importImage(
                    tarPath: try p.string("tar_path"), repo: try p.string("repo"), tag: try p.string("tag"), timeout: timeout))
        case let m where m.hasPrefix("container."): return try await container(m, p, engine, timeout: timeout)
        case let m where m.hasPrefix("network."): return try await network(m, p, engine, timeout: timeout)
        default: return nil
        }
    }

    private static func container(
        _ method: String, _ p: DriverParams<ContainerEngineError>, _ engine: some ContainerEngineClient, timeout: Duration
    ) async throws(ContainerEngineError) -> JSONValue? {
        switch method {
        case "container.create": return .object(try await engine.createContainer(try ContainerSpec(params: p), timeout: timeout))
        case "container.start": return ["changed": .bool(try await engine.startContainer(try p.string("id"), timeout: timeout))]
        case "container.stop", "container.restart":
            let id = try p.string("id")
            let grace = try p.int("timeout_s", default: 10, in: 0...3600)
            // The engine answers only after the grace period, so the call may need longer.
            let callTimeout = p.object["timeout_ms"] == nil ? max(timeout, .seconds(grace + 15)) : timeout
            if method == "container.restart" {
                try await engine.restartContainer(id, graceSeconds: grace, timeout: callTimeout)
                return [:]
            }
            return ["changed": .bool(try await engine.stopContainer(id, graceSeconds: grace, timeout: callTimeout))]
        case "container.remove":
            let removed = try await engine.removeContainer(try p.string("id"), force: try p.bool("force", default: true), timeout: timeout)
            return ["removed": .bool(removed)]
        case "container.inspect": return .object(try await engine.inspectContainer(try p.string("id"), timeout: timeout))
        case "container.list":
            guard p.object["labels"]?.objectValue != nil else { throw .badParams("labels", "'labels' must be an object") }
            return .array(
                try await engine.listContainers(
                    labels: try p.labelFilter("labels"), network: try p.optionalString("network"), all: try p.bool("all", default: true),
                    timeout: timeout))
        case "container.stats": return .object(try await engine.containerStats(try p.string("id"), timeout: timeout))
        case "container.rename":
            try await engine.renameContainer(try p.string("id"), to: try p.string("name"), timeout: timeout)
            return [:]
        default: return nil
        }
    }

    private static func network(
        _ method: String, _ p: DriverParams<ContainerEngineError>, _ engine: some ContainerEngineClient, timeout: Duration
    ) async throws(ContainerEngineError) -> JSONValue? {
        switch method {
        case "network.create": return ["id": .string(try await engine.createNetwork(try NetworkSpec(params: p), timeout: timeout))]
        case "network.inspect": return .object(try await engine.inspectNetwork(try p.string("id"), timeout: timeout))
        case "network.list":
            return .array(
                try await engine.listNetworks(labels: try p.labelFilter("labels"), driver: try p.optionalString("driver"), timeout: timeout))
        case "network.remove": return ["removed": .bool(try await engine.removeNetwork(try p.string("id"), timeout: timeout))]
        case "network.connect":
            let endpoint = try EndpointSpec(params: p)
            try await engine.connectNetwork(endpoint.network, container: try p.string("container"), endpoint: endpoint, timeout: timeout)
            return [:]
        case "network.disconnect":
            try await engine.disconnectNetwork(
                try p.string("network"), container: try p.string("container"), force: try p.bool("force", default: false),
                timeout: timeout)
            return [:]
        default: return nil
        }
    }
}
