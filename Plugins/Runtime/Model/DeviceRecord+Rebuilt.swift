import AgentJSON

extension DeviceRecord {
    /// The record of a container this agent made earlier, rebuilt from the container (the
    /// driver's inspect) and its create request (`spec`, stored on it as a label): each vNIC's
    /// network is its `io.autonomy.vnic.<name>` label (empty without one), its MAC and address
    /// the container's endpoint on that network (else the spec's MAC, else empty; no address).
    /// Desired state `running`, no restarts; the container id is the inspect's.
    public static func rebuilt(container: JSONObject, spec: DeviceSpec, createdAt: String) -> DeviceRecord {
        let labels = container["labels"]?.objectValue ?? [:]
        let nets = container["networks"]?.objectValue ?? [:]
        var vnics: [DeviceRecord.VNIC] = []
        for v in spec.vnics {
            let network = labels[Naming.vnicLabelPrefix + v.name]?.stringValue ?? ""
            let n = nets[network]?.objectValue
            vnics.append(
                DeviceRecord.VNIC(
                    name: v.name, network: network, parent: v.parentInterface, mode: v.mode.rawValue,
                    mac: n?["mac_address"]?.stringValue ?? v.mac ?? "", ip: n?["ip_address"]?.stringValue))
        }
        var record = DeviceRecord(
            deviceID: spec.deviceID, spec: spec.json, fingerprint: spec.fingerprint, vnics: vnics, createdAt: createdAt)
        record.containerID = container["id"]?.stringValue
        return record
    }
}
