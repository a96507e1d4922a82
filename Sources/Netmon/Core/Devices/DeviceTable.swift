/// The sidecar's serial devices by node path, and what changed when it is updated. Pure.
public struct DeviceTable: Sendable, Equatable {
    /// One change to broadcast as `device_change`.
    public enum Change: Sendable, Equatable {
        case add(SerialDevice)
        case remove(SerialDevice)
    }

    public private(set) var devices: [String: SerialDevice] = [:]

    public init() {}

    /// The devices sorted by path.
    public var sorted: [SerialDevice] { devices.values.sorted { $0.path < $1.path } }

    /// Adds or replaces a device. A new path, or a known one whose identity changed (another
    /// device on the same node), is an `add`; the same device again is no change.
    public mutating func add(_ device: SerialDevice) -> [Change] {
        if let old = devices[device.path], old == device { return [] }
        devices[device.path] = device
        return [.add(device)]
    }

    /// Removes the device at `path`; nothing when unknown.
    public mutating func remove(path: String) -> [Change] {
        guard let old = devices.removeValue(forKey: path) else { return [] }
        return [.remove(old)]
    }

    /// Replaces the scanned devices with `scan` (injected ones stay): removes what is gone,
    /// adds what is new or changed.
    public mutating func replaceScanned(with scan: [SerialDevice]) -> [Change] {
        var changes: [Change] = []
        let paths = Set(scan.map(\.path))
        for old in sorted where !old.injected && !paths.contains(old.path) { changes += remove(path: old.path) }
        for d in scan.sorted(by: { $0.path < $1.path }) { changes += add(d) }
        return changes
    }
}
