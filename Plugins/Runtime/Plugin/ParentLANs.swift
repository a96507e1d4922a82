import RuntimeModel

/// What the runtime remembers about the vNICs' parent interfaces between netmon events: the last
/// LAN seen on each one that is up (for the periodic re-check), and the parents that went down or
/// were removed (so their return is acted on). Owned by ``NetworkMover``.
actor ParentLANs {
    private var lost: Set<String> = []
    private var down: Set<String> = []
    private var lans: [String: (IPv4Network, IPv4?)] = [:]

    /// The LAN now on `parent` (it is up).
    func setLAN(_ parent: String, _ lan: (IPv4Network, IPv4?)) { lans[parent] = lan }

    /// The last LAN of every parent that is up: (parent, subnet, gateway).
    func knownLANs() -> [(String, IPv4Network, IPv4?)] { lans.map { ($0.key, $0.value.0, $0.value.1) } }

    /// The interface was removed: the MACVLAN links on it are gone with it.
    func markRemoved(_ parent: String) {
        lost.insert(parent)
        lans[parent] = nil
    }

    /// The interface went down.
    func markDown(_ parent: String) { down.insert(parent) }

    /// Clears and answers the flags of an interface that is up again.
    func takeFlags(_ parent: String) -> (removed: Bool, wasDown: Bool) {
        (lost.remove(parent) != nil, down.remove(parent) != nil)
    }
}
