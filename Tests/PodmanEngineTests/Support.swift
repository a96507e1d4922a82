import AgentJSON
import Foundation
import LabSupport
import Synchronization
import Testing

@testable import PodmanEngine

/// Shared pieces of the lab suites.
enum PodmanLabTest {
    /// A name unique to this run: `pet-<what>-<6 hex>`.
    static func unique(_ what: String) -> String { "pet-\(what)-\(UUID().uuidString.prefix(6).lowercased())" }

    /// The driver service on `lab`'s Podman service, as the plugin builds it.
    static func service(_ lab: DockerLab) -> ContainerDriverService {
        ContainerDriverService(settings: DriverSettings(socketPath: lab.socketPath))
    }
}

extension ContainerDriverService {
    /// Removes containers and networks made by a test (what fails is reported, not hidden).
    func cleanUp(containers: [String] = [], networks: [String] = []) async {
        for c in containers {
            if let e = await failure("container.remove", ["id": .string(c), "force": true]) { Issue.record("cleanup of \(c): \(e)") }
        }
        for n in networks {
            if let e = await failure("network.remove", ["id": .string(n)]) { Issue.record("cleanup of \(n): \(e)") }
        }
    }
}

/// Collects `(kind, payload)` callbacks of a subscription.
final class EventLog: Sendable {
    private let entries = Mutex<[(kind: String, payload: JSONObject)]>([])

    var callback: @Sendable (String, JSONObject) -> Void { { kind, payload in self.entries.withLock { $0.append((kind, payload)) } } }

    var kinds: [String] { entries.withLock { $0.map(\.kind) } }

    /// The first entry of `kind` whose payload `id` or `name` is `subject` (any when nil).
    func first(_ kind: String, subject: String? = nil) -> JSONObject? {
        entries.withLock { list in
            list.first { e in
                e.kind == kind && (subject == nil || e.payload["name"]?.stringValue == subject || e.payload["id"]?.stringValue == subject)
            }?.payload
        }
    }

    /// Waits for such an entry (30 s at most).
    func wait(_ kind: String, subject: String? = nil) async -> JSONObject? {
        _ = await eventually(timeout: .seconds(30)) { first(kind, subject: subject) != nil }
        return first(kind, subject: subject)
    }
}
