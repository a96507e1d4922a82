import AgentContracts
import AgentCore
import HostMetrics
import NetmonCache
import RuntimeModel

/// The message contracts the plugins and the core declare, by topic: the very values they
/// declare their topics with (each plugin's contracts live in its model module, which a test
/// module may link; the plugin itself it may not).
enum DeclaredContracts {
    /// Topic name → contract, in a stable order.
    static let byTopic: [(topic: String, contract: Contract)] = [
        ("create_new_runtime", RuntimeContracts.create),
        ("delete_device", RuntimeContracts.device),
        ("run_command", RuntimeContracts.runCommand),
        ("get_consumption_device", RuntimeContracts.consumption),
        ("get_consumption_orchestrator", ConsumptionContracts.orchestrator),
        ("upgrade_orchestrator", RuntimeContracts.upgrade),
        ("get_host_interfaces", NetmonContracts.hostInterfaces),
        ("get_serial_devices", NetmonContracts.serialDevices),
        ("set_site_toggles", AgentConfigTopics.setSiteTogglesContract),
    ]
}
