import RuntimeModel

/// The queued and running operations per device, in arrival order: what `get_device_status`
/// and `list_devices` show before (and while) the journal says so. Owned by ``OperationJournal``.
actor ActiveOperations {
    private var byDevice: [String: [OperationRecord]] = [:]

    /// Adds a queued operation or updates one (new step or state).
    func begin(_ op: OperationRecord) {
        var list = byDevice[op.deviceID] ?? []
        if let i = list.firstIndex(where: { $0.id == op.id }) { list[i] = op } else { list.append(op) }
        byDevice[op.deviceID] = list
    }

    /// Forgets `op` (it ended).
    func end(_ op: OperationRecord) {
        let list = (byDevice[op.deviceID] ?? []).filter { $0.id != op.id }
        byDevice[op.deviceID] = list.isEmpty ? nil : list
    }

    /// The running operation of `device`, else the next queued one.
    func active(_ device: String) -> OperationRecord? {
        let list = byDevice[device] ?? []
        return list.first { $0.state == .running } ?? list.first
    }

    /// Whether an operation of `device` is queued or running.
    func isActive(_ device: String) -> Bool { byDevice[device] != nil }
}
