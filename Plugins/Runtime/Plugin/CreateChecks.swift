import AgentJSON
import AgentPluginKit
import RuntimeModel

/// What a `create_new_runtime` is checked against before its ack, beyond the message itself:
/// the networks it would make (``ContainerPlan``, with the WiFi parents the listener knows) and
/// the host NICs other vPLCs hold (``DedicatedClaims``). Owns no state.
struct CreateChecks: Sendable {
    let store: RuntimeStore
    let netmon: any NetmonClient
    let create: CreateOperation

    /// The claims first (a NIC another vPLC holds is the reason, whatever else is wrong), then
    /// the plan, then the listener's view of the dedicated NIC.
    /// - Throws: the claims', the plan's or the store's error.
    func check(_ spec: DeviceSpec) async throws(RuntimeError) {
        var holders = try store.records().map { r in
            DedicatedClaims.Holder(device: r.deviceID, dedicated: r.spec["dedicated_interface"]?.stringValue, parents: r.vnics.map(\.parent))
        }
        for op in try store.operations() where op.kind == .create && op.state.isActive {
            if let request = op.request, let h = DedicatedClaims.Holder(spec: request) { holders.append(h) }
        }
        try DedicatedClaims.check(spec, against: holders)
        let lans = await create.knownLANs(spec)
        let wifiParents = await netmon.wifiParents(spec.vnics.map(\.parentInterface))
        _ = try ContainerPlan(spec: spec, settings: create.settings.planSettings, lanOf: { lans[$0] }, wifiParents: wifiParents)
        if let nic = spec.dedicatedInterface, netmon.isAvailable,
            try store.record(spec.deviceID)?.spec["dedicated_interface"]?.stringValue != nic  // its own NIC is in its container now
        {
            // harmless: without the listener's table the cache rules cannot be checked (upstream's gap); the move reports its own failure
            guard let table = try? await netmon.interfaceTable(), table["connected"]?.boolValue != false else { return }
            let entries = (table["interfaces"]?.arrayValue ?? []).compactMap(\.objectValue)
            guard !entries.isEmpty else { return }
            try DedicatedClaims.checkInterface(nic, entry: entries.first { $0["interface"]?.stringValue == nic })
        }
    }
}
