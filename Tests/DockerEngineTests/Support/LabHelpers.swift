import AgentJSON
import DockerEngine
import Foundation
import LabSupport
import Synchronization
import Testing

/// Shared pieces of the lab suites.
enum LabTest {
    /// A name unique to this run: `det-<what>-<6 hex>` (Docker names allow `[a-zA-Z0-9_.-]`).
    static func unique(_ what: String) -> String { "det-\(what)-\(UUID().uuidString.prefix(6).lowercased())" }

    /// The driver service on `lab`'s engine, as the plugin builds it (negotiated version).
    static func service(_ lab: DockerLab, apiVersion: APIVersion? = nil) -> ContainerDriverService {
        ContainerDriverService(settings: DriverSettings(socketPath: lab.socketPath, apiVersion: apiVersion))
    }

    /// Polls `condition` every 50 ms until it holds or `seconds` pass.
    static func eventually(_ seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < end {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))  // sleep-audit: poll (the interval of a wait with a deadline)
        }
        return try await condition()
    }
}

extension ContainerDriverService {
    /// Best-effort removal of containers and networks made by a test.
    func cleanUp(containers: [String] = [], networks: [String] = []) async {
        for c in containers { _ = try? await invoke(method: "container.remove", params: ["id": .string(c), "force": true]) }
        for n in networks { _ = try? await invoke(method: "network.remove", params: ["id": .string(n)]) }
    }
}

/// Collects `(kind, payload)` callbacks of a subscription.
final class EventLog: Sendable {
    private let entries = Mutex<[(kind: String, payload: JSONObject)]>([])

    var callback: @Sendable (String, JSONObject) -> Void { { kind, payload in self.entries.withLock { $0.append((kind, payload)) } } }

    var kinds: [String] { entries.withLock { $0.map(\.kind) } }
    var count: Int { entries.withLock { $0.count } }

    /// The first entry of `kind` whose payload `id` or `name` is `subject` (any when nil).
    func first(_ kind: String, subject: String? = nil) -> JSONObject? {
        entries.withLock { list in
            list.first { e in
                e.kind == kind
                    && (subject == nil || e.payload["name"]?.stringValue == subject || e.payload["id"]?.stringValue == subject)
            }?.payload
        }
    }

    /// Polls for such an entry.
    func wait(_ kind: String, subject: String? = nil, seconds: Double = 30) async -> JSONObject? {
        _ = await LabTest.eventually(seconds) { first(kind, subject: subject) != nil }
        return first(kind, subject: subject)
    }
}
