#if canImport(Glibc)
import Glibc
#endif
import AgentJSON
import NetmonCore
import NetmonProtocol

/// Which host NIC this sidecar moved into which container (`move_nic_to_container` /
/// `check_nic_in_container` with `container_name`), so that the agent can report `dedicated_to`
/// for it (docs/networking.md, "Dedicated NICs"). Sent to every client as a `dedicated_nics`
/// event when it changes and after the greeting. Entries go with `return_nic_to_host` or when
/// the container's process is gone. Loop thread only.
final class DedicatedNics {
    struct Entry: Equatable {
        let container: String
        let pid: Int32
    }

    private var entries: [String: Entry] = [:]
    private let broadcast: (JSONValue) -> Void

    init(broadcast: @escaping (JSONValue) -> Void) { self.broadcast = broadcast }

    /// `interface` now lives in the namespace of `pid`, dedicated to `container`.
    func moved(_ interface: String, to container: String, pid: Int32) {
        let entry = Entry(container: container, pid: pid)
        guard entries[interface] != entry else { return }
        entries[interface] = entry
        broadcast(event())
    }

    /// `interface` is back on the host.
    func returned(_ interface: String) {
        guard entries.removeValue(forKey: interface) != nil else { return }
        broadcast(event())
    }

    /// The `dedicated_nics` event: `{"nics": [{"interface", "container_name", "container_pid"}], "timestamp"}`
    /// (entries whose container process is gone are dropped first).
    func event() -> JSONValue {
        entries = entries.filter { kill($0.value.pid, 0) == 0 || errno == EPERM }
        let nics: [JSONValue] = entries.sorted { $0.key < $1.key }.map { name, e in
            ["interface": .string(name), "container_name": .string(e.container), "container_pid": .number(Double(e.pid))]
        }
        return ["type": .string(NetmonWire.Event.dedicatedNics), "data": ["nics": .array(nics), "timestamp": .string(Clock.timestamp())]]
    }

    /// Whether any NIC is recorded (the greeting sends the event only then).
    var isEmpty: Bool { entries.isEmpty }
}
