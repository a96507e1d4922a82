import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// The host NIC given whole to a vPLC (`dedicated_interface`, spec §5.7): moved into the
/// container's network namespace after every start, given back to the host before a planned
/// stop, restart or delete. Owns no state: the NIC's name is the device's (record or spec label).
struct DedicatedNIC: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let netmon: any NetmonClient
    let store: RuntimeStore

    /// The host NIC given whole to `device`, if any.
    /// Read from the record; from the container's spec label when there is none yet (a create
    /// running) or it cannot be read (logged): the label holds what the create asked for.
    func name(of device: String, inspect: JSONObject?) -> String? {
        if case .success(let record?) = store.recordForPass(device, "dedicated_nic") { return record.spec["dedicated_interface"]?.stringValue }
        let text = inspect?["labels"]?.objectValue?["io.autonomy.spec.json"]?.stringValue
        // harmless: a label that does not parse names no dedicated NIC (not made by this agent's create)
        return text.flatMap { try? JSONParser.parse($0).objectValue?["dedicated_interface"]?.stringValue }
    }

    /// Moves the dedicated NIC into the container's network namespace (after every start: a
    /// new namespace each time). Already there → nothing. A failure is logged.
    func attach(_ device: String, nic: String, pid: Double) async {
        // container_name: the sidecar reports which vPLC holds the NIC (`dedicated_to`).
        let fields: JSONObject = ["host_interface": .string(nic), "container_pid": .number(pid), "container_name": .string(device)]
        // harmless: when the check fails the move below runs anyway and logs its own failure
        if let reply = try? await netmon.command("check_nic_in_container", fields), reply["present"]?.boolValue == true { return }
        do {
            _ = try await netmon.command("move_nic_to_container", fields)
            host.log(.notice, "dedicated NIC moved into the vPLC", metadata: ["device": device, "nic": nic])
        } catch {
            host.log(.error, "could not move the dedicated NIC", metadata: ["device": device, "nic": nic, "error": error.description])
        }
    }

    /// Gives the dedicated NIC back to the host before a planned stop, restart or delete (a
    /// physical NIC would return by itself when the namespace dies; a virtual one would be lost).
    /// Nothing without a listener, a running container or a dedicated NIC; failures are logged.
    func giveBack(_ device: String) async {
        guard netmon.isAvailable else { return }
        let found: JSONObject?
        do throws(RuntimeError) { found = try await engine.inspect(device) } catch {
            // A virtual NIC left in the namespace dies with it: say so.
            host.log(
                .error, "could not inspect a vPLC before giving its dedicated NIC back",
                metadata: ["code": error.code, "device": device, "error": error.message])
            return
        }
        guard let inspect = found, let nic = name(of: device, inspect: inspect),
            let pid = inspect["state"]?.objectValue?["pid"]?.numberValue, pid > 0
        else { return }
        do {
            _ = try await netmon.command("return_nic_to_host", ["host_interface": .string(nic), "container_pid": .number(pid)])
        } catch {
            host.log(.warning, "could not return the dedicated NIC", metadata: ["device": device, "nic": nic, "error": error.description])
        }
    }
}
