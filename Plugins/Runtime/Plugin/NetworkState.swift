import RuntimeModel

/// What the vPLC plugin remembers about the host network between netmon events: DHCP leases by
/// device and vNIC, and parents that went down or were removed (so their return is acted on).
actor NetworkState {
    private var leases: [String: [String: DHCPLease]] = [:]
    private var lost: Set<String> = []
    private var down: Set<String> = []
    private var lans: [String: (IPv4Network, IPv4?)] = [:]

    func setLease(_ lease: DHCPLease) { leases[lease.device, default: [:]][lease.vnic] = lease }
    func leases(_ device: String) -> [String: DHCPLease] { leases[device] ?? [:] }
    func forgetLeases(_ device: String) { leases[device] = nil }

    /// The last LAN seen on each interface that is up (for the periodic re-check).
    func setLAN(_ parent: String, _ lan: (IPv4Network, IPv4?)) { lans[parent] = lan }
    func knownLANs() -> [(String, IPv4Network, IPv4?)] { lans.map { ($0.key, $0.value.0, $0.value.1) } }

    /// The interface was removed: the MACVLAN links on it are gone with it.
    func markRemoved(_ parent: String) {
        lost.insert(parent)
        lans[parent] = nil
    }
    func markDown(_ parent: String) { down.insert(parent) }

    /// Clears and answers the flags of an interface that is up again.
    func takeFlags(_ parent: String) -> (removed: Bool, wasDown: Bool) {
        (lost.remove(parent) != nil, down.remove(parent) != nil)
    }
}

/// A one-shot gate: `wait()` returns once `open()` was called (at once if it already was).
actor Latch {
    private var opened = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func open() {
        opened = true
        for w in waiters { w.resume() }
        waiters.removeAll()
    }

    func wait() async {
        if opened { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}
