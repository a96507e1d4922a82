import AgentJSON

/// The operations every engine's client offers alike: what ``CommonDriverMethods`` maps the
/// protocol's common methods onto (docs/container-driver.md). Each returns the normalized shapes
/// and fails with the protocol's codes.
public protocol ContainerEngineClient: Sendable {
    /// The engine's version object (`engine.version`).
    func version(timeout: Duration) async throws(ContainerEngineError) -> JSONObject
    /// Succeeds when the engine answers.
    func ping(timeout: Duration) async throws(ContainerEngineError)
    /// `image.inspect`.
    func inspectImage(_ ref: String, timeout: Duration) async throws(ContainerEngineError) -> JSONObject
    /// `image.pull`; `progress` receives the engine's progress lines.
    func pullImage(_ ref: String, timeout: Duration, progress: @Sendable (JSONObject) -> Void) async throws(ContainerEngineError)
        -> JSONObject
    /// `image.import` of a root filesystem archive as `repo:tag`.
    func importImage(tarPath: String, repo: String, tag: String, timeout: Duration) async throws(ContainerEngineError) -> JSONObject
    /// `container.create`.
    func createContainer(_ spec: ContainerSpec, timeout: Duration) async throws(ContainerEngineError) -> JSONObject
    /// `container.start`; false when it already ran.
    func startContainer(_ id: String, timeout: Duration) async throws(ContainerEngineError) -> Bool
    /// `container.stop`; false when it was not running.
    func stopContainer(_ id: String, graceSeconds: Int, timeout: Duration) async throws(ContainerEngineError) -> Bool
    /// `container.restart`.
    func restartContainer(_ id: String, graceSeconds: Int, timeout: Duration) async throws(ContainerEngineError)
    /// `container.remove`; false when there was none.
    func removeContainer(_ id: String, force: Bool, timeout: Duration) async throws(ContainerEngineError) -> Bool
    /// `container.inspect`.
    func inspectContainer(_ id: String, timeout: Duration) async throws(ContainerEngineError) -> JSONObject
    /// `container.list` by labels (`key` or `key=value`), optionally on one network.
    func listContainers(labels: [String], network: String?, all: Bool, timeout: Duration) async throws(ContainerEngineError)
        -> [JSONValue]
    /// `container.stats`.
    func containerStats(_ id: String, timeout: Duration) async throws(ContainerEngineError) -> JSONObject
    /// `container.rename`.
    func renameContainer(_ id: String, to name: String, timeout: Duration) async throws(ContainerEngineError)
    /// `network.create`; the new network's id.
    func createNetwork(_ spec: NetworkSpec, timeout: Duration) async throws(ContainerEngineError) -> String
    /// `network.inspect`.
    func inspectNetwork(_ id: String, timeout: Duration) async throws(ContainerEngineError) -> JSONObject
    /// `network.list` by labels and driver.
    func listNetworks(labels: [String], driver: String?, timeout: Duration) async throws(ContainerEngineError) -> [JSONValue]
    /// `network.remove`; false when there was none.
    func removeNetwork(_ id: String, timeout: Duration) async throws(ContainerEngineError) -> Bool
    /// `network.connect` with the endpoint's addresses.
    func connectNetwork(_ network: String, container: String, endpoint: EndpointSpec, timeout: Duration)
        async throws(ContainerEngineError)
    /// `network.disconnect`.
    func disconnectNetwork(_ network: String, container: String, force: Bool, timeout: Duration) async throws(ContainerEngineError)
}
