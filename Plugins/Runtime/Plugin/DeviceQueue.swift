/// Serialises the mutating operations of each device: create, delete, start, stop, restart and
/// network re-attach of one vPLC run one after another, in arrival order; different devices run
/// in parallel.
actor DeviceQueue {
    private var tails: [String: Task<Void, Never>] = [:]
    private var pending: [String: Int] = [:]

    /// Runs `work` after everything queued before it for `device`; returns at once.
    func enqueue(_ device: String, _ work: @escaping @Sendable () async -> Void) {
        let previous = tails[device]
        pending[device, default: 0] += 1
        tails[device] = Task {
            await previous?.value
            await work()
            await self.done(device)
        }
    }

    /// Waits until nothing is queued or running for `device`.
    func drain(_ device: String) async {
        await tails[device]?.value
    }

    /// Whether something is queued or running for `device`.
    func isBusy(_ device: String) -> Bool { (pending[device] ?? 0) > 0 }

    private func done(_ device: String) {
        pending[device, default: 1] -= 1
        if pending[device] == 0 {
            pending[device] = nil
            tails[device] = nil
        }
    }
}
