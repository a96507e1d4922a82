import ContainerEngineSupport
import AgentJSON
import AgentPluginKit
import DockerEngine

/// The ``UpgraderProvider`` of the plugin (`agent.upgrader`): the ``UpgraderService`` over this
/// plugin's own container-driver methods, with its errors turned into ``PluginError``s.
struct DockerUpgrader: UpgraderProvider {
    let service: UpgraderService

    /// - Parameters:
    ///   - driver: the engine methods the swap steps call.
    ///   - log: the swap's progress lines.
    init(driver: ContainerDriverService, log: @escaping @Sendable (String) -> Void) {
        let swapper = ContainerSwapper(call: { method, params throws(DockerEngineError) in
            try await driver.invoke(method: method, params: params)
        }, log: log)
        service = UpgraderService(swapper: swapper)
    }

    func invoke(method: String, params: JSONObject) async throws(PluginError) -> JSONValue {
        do {
            return try await service.invoke(method: method, params: params)
        } catch {
            throw PluginError(error)
        }
    }
}
