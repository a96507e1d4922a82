import AgentJSON
import AgentPluginTestKit
import RuntimeTopics
import Testing

/// The vPLC plugin on the test kit: a fake engine with the runtime image, a fake netmon that
/// knows the plant LAN on `eth0`, a transport that says connected, the plugin in daemon mode
/// with short lifecycle periods. No root, no Docker, no network.
struct RuntimeTestBed {
    static let image = "ghcr.io/autonomy-logic/openplc-runtime:latest"
    static let lan = FakeNetmon.interface("eth0", address: "192.168.50.10", prefix: 24, subnet: "192.168.50.0/24", gateway: "192.168.50.1")

    let host: TestHost
    let engine = FakeContainerEngine(images: [Self.image])
    let netmon = FakeNetmon()
    let transport = FakeTransport()

    static let settings: JSONObject = [
        "restart_delay_ms": 20, "health_interval_ms": 200, "usage_interval_ms": 60_000, "legacy_state_dir": "",
    ]

    init(host: TestHost) {
        self.host = host
        netmon.set(Self.lan)
        host.register(containerDriver: engine)
        host.register(netmon: netmon)
        host.register(transport: transport)
    }

    static func daemonConfig() -> JSONObject { ["agent": ["mode": "daemon", "version": "test"]] }

    /// Loads the plugin (again: as after an agent restart, on the same store).
    @discardableResult
    func loadRuntime(_ extra: JSONObject = [:]) throws -> LoadedPlugin {
        var config = Self.settings
        for (k, v) in extra.entries { config[k] = v }
        return try host.load(RuntimePlugin.self, config: config)
    }

    /// A create request with one static vNIC on the LAN.
    static func create(_ device: String, ip: String = "192.168.50.21", correlation: Int? = nil) -> JSONObject {
        var m: JSONObject = [
            "container_name": .string(device),
            "vnic_configs": [["name": "lan", "parent_interface": "eth0", "network_mode": "static", "ip": .string(ip)]],
        ]
        if let correlation { m["correlation_id"] = .number(Double(correlation)) }
        return m
    }

    /// Sends a long operation, checks its ack and answers its `operation_update` end event.
    func operate(_ topic: String, _ message: JSONObject, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> (ack: JSONObject, end: JSONObject)
    {
        let ack = await host.call(topic, message)
        let id = try #require(ack["operation_id"]?.stringValue, "\(ack)", sourceLocation: sourceLocation)
        let end = try await host.event("operation_update") { e in
            e["operation_id"]?.stringValue == id && ["succeeded", "failed", "rolled_back"].contains(e["status"]?.stringValue ?? "")
        }
        return (ack, end.payload)
    }
}
