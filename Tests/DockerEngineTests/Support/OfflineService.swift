import AgentJSON
import DockerEngine
import Foundation

/// The driver service on a socket that does not exist: what parameter checks are tested
/// against, since every one of them must fail before any request is made.
struct OfflineService {
    let service = ContainerDriverService(settings: DriverSettings(socketPath: "/tmp/det-absent-\(UUID().uuidString.prefix(6)).sock"))

    /// The error `method` fails with, or nil when it succeeds.
    func failure(_ method: String, _ params: JSONObject) async -> DockerEngineError? {
        do {
            _ = try await service.invoke(method: method, params: params)
            return nil
        } catch {
            return error
        }
    }
}
