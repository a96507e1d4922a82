import AgentJSON

/// The in-memory world of ``FakeContainerEngine``: images, networks, containers.
struct FakeEngineState: Sendable {
    struct Endpoint: Sendable {
        var network: String
        var staticIP: String?
        var staticMAC: String?
        /// Assigned at start, cleared at stop (as the engine does).
        var ip = ""
        var mac = ""
    }

    struct Container: Sendable {
        var id: String
        var name: String
        var image: String
        var imageID: String
        var labels: JSONObject
        var config: JSONObject
        var hostConfig: JSONObject
        var endpoints: [Endpoint]
        var status = "created"
        var pid = 0
        var exitCode = 0
        var startedAt = "0001-01-01T00:00:00Z"
        var finishedAt = "0001-01-01T00:00:00Z"
        var restartCount = 0
        /// `container.device_node`: container path → host path (gone with the process, as a
        /// mount namespace is).
        var deviceNodes: [String: String] = [:]
        var running: Bool { status == "running" }
    }

    struct Network: Sendable {
        var id: String
        var name: String
        var driver: String
        var isInternal: Bool
        var labels: JSONObject
        var options: JSONObject
        var subnet: String?
        var gateway: String?
        var ipRange: String?
    }

    struct Image: Sendable {
        var id: String
        var config: JSONObject
    }

    var images: [String: Image] = [:]
    var networks: [Network] = []
    var containers: [Container] = []
    var serial = 0
    var nextPID = 40_000
    /// Failures to answer instead of running a method: method → (code, message), used once.
    var faults: [String: [(code: String, message: String)]] = [:]

    mutating func newID() -> String {
        serial += 1
        let hex = String(serial, radix: 16)
        return String(repeating: "0", count: 64 - hex.count) + hex
    }

    func containerIndex(_ ref: String) -> Int? {
        containers.firstIndex { $0.id == ref || $0.name == ref || (ref.count >= 12 && $0.id.hasPrefix(ref)) }
    }

    func networkIndex(_ ref: String) -> Int? {
        networks.firstIndex { $0.id == ref || $0.name == ref }
    }

    /// The next free address of `network`'s subnet (skipping the gateway and addresses in use).
    func freeAddress(on network: Network) -> String? {
        guard let subnet = network.subnet, let (base, prefix) = IPv4Text.parseCIDR(subnet), prefix <= 30 else { return nil }
        let size = UInt32(1) << (32 - UInt32(prefix))
        var used = Set(containers.flatMap { c in c.endpoints.filter { $0.network == network.name }.flatMap { [$0.ip, $0.staticIP ?? ""] } })
        if let g = network.gateway { used.insert(g) } else { used.insert(IPv4Text.format(base + 1)) }
        for offset in 2..<(size - 1) {
            let candidate = IPv4Text.format(base + offset)
            if !used.contains(candidate) { return candidate }
        }
        return nil
    }
}

/// Dotted-quad helpers for the fake engine's address assignment.
enum IPv4Text {
    static func parse(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".")
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for p in parts {
            guard let n = UInt32(p), n < 256 else { return nil }
            value = value << 8 | n
        }
        return value
    }

    static func parseCIDR(_ text: String) -> (UInt32, Int)? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let ip = parse(String(parts[0])), let prefix = Int(parts[1]), (0...32).contains(prefix) else {
            return nil
        }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - UInt32(prefix))
        return (ip & mask, prefix)
    }

    static func format(_ value: UInt32) -> String {
        "\(value >> 24 & 255).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }
}
