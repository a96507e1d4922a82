/// Names and labels of the Docker objects the agent makes (spec §5.1, §5.2), and the input
/// name rules that keep them valid.
public enum Naming {
    /// Label on every object the agent makes.
    public static let managedLabel = "io.autonomy.managed"
    /// Label with the device id (containers, internal networks).
    public static let deviceLabel = "io.autonomy.device"
    /// Label with the vNIC name (on the container, as `io.autonomy.vnic.<name>=<network>`).
    public static let vnicLabelPrefix = "io.autonomy.vnic."
    /// Label with the hash of the create request (idempotency and re-adoption).
    public static let specLabel = "io.autonomy.spec"
    /// Label with the parent interface (MACVLAN networks).
    public static let parentLabel = "io.autonomy.parent"
    /// Label with the object's role: `vplc`, `internal`, `macvlan`.
    public static let roleLabel = "io.autonomy.role"

    /// The pseudo device id of agent-wide operations (self-destruct).
    public static let orchestratorID = "__orchestrator__"

    /// The one-shot container that replaces the agent's own (`upgrade_orchestrator`).
    public static let upgraderContainer = "orchestrator_upgrader"
    /// The netmon sidecar's container (the installer's name).
    public static let netmonContainer = "autonomy_netmon"
    /// The agent's own container name when the site does not say (`agent_container`).
    public static let defaultAgentContainer = "orchestrator_agent"

    /// `<device>_internal`: the vPLC's internal bridge (agent ↔ runtime).
    public static func internalNetwork(_ device: String) -> String { "\(device)_internal" }

    /// `macvlan_<parent>_<a.b.c.d>_<prefix>` (spec §5.2).
    public static func macvlanNetwork(parent: String, subnet: IPv4Network) -> String {
        "macvlan_\(parent)_\(subnet.base)_\(subnet.prefix)"
    }

    /// Docker container names: `[A-Za-z0-9][A-Za-z0-9_.-]*`, here at most 64 characters, and not
    /// the orchestrator's pseudo id.
    public static func isValidDeviceID(_ s: String) -> Bool {
        guard let first = s.first, s.count <= 64, first.isASCII, first.isLetter || first.isNumber else { return false }
        return s != orchestratorID && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }

    /// Linux interface names: 1–15 of `[A-Za-z0-9_.-]`.
    public static func isValidInterfaceName(_ s: String) -> Bool {
        (1...15).contains(s.count) && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }

    /// vNIC names: 1–32 of `[A-Za-z0-9_.-]`.
    public static func isValidVNICName(_ s: String) -> Bool {
        (1...32).contains(s.count) && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }

    /// Image references (`repo[:tag]`, `repo@sha256:…`, `sha256:<id>`): 1–255 of
    /// `[A-Za-z0-9._/:@-]`, starting with a letter or digit.
    public static func isValidImageReference(_ s: String) -> Bool {
        guard let f = s.first, f.isASCII, f.isLetter || f.isNumber, s.utf8.count <= 255 else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._/:@-".contains($0)) }
    }

    /// Image tags: 1–128 of `[A-Za-z0-9_.-]`, not starting with `.` or `-`.
    public static func isValidTag(_ s: String) -> Bool {
        guard let f = s.first, f != ".", f != "-", s.count <= 128 else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }
}
