#if canImport(Glibc)
import Glibc
#endif
import AgentJSON
import CNetlink
import NetmonCore

/// The serial-device side of the sidecar: a NETLINK_KOBJECT_UEVENT socket (the kernel's group)
/// read on the loop, the ``DeviceTable`` it keeps, and the `device_change` events it sends.
///
/// - At start: a scan of `<sysfs>/class/tty`.
/// - A `tty` uevent for a serial name (`add`/`change`: read the device from sysfs; `remove`:
///   drop it) changes the table; every change is broadcast. One second after an `add` the
///   device is read again, since `/dev/serial/by-id` links are made by udev after the kernel's
///   event (a changed identity is sent as another `add`).
/// - Lost uevents (ENOBUFS) trigger a rescan. `discover_devices` rescans too.
/// - Without a uevent socket (the kernel or a sandbox refused it) the sidecar still runs: the
///   table is the start-up scan plus `discover_devices` rescans, and the failure is logged and
///   shown in `get_status` (`uevents.socket: false`).
/// Lives on the loop thread.
final class SerialWatcher {
    struct Counters {
        var uevents = 0
        var ttyEvents = 0
        var enobufs = 0
    }

    private let loop: EventLoop
    let reader: SerialDeviceReader
    /// -1 when the socket could not be opened.
    private let socketFd: Int32
    private let broadcast: (JSONValue) -> Void
    private var buffer = [UInt8](repeating: 0, count: 16384)
    private(set) var table = DeviceTable()
    private(set) var counters = Counters()

    init(loop: EventLoop, reader: SerialDeviceReader, broadcast: @escaping (JSONValue) -> Void) {
        self.loop = loop
        self.reader = reader
        self.broadcast = broadcast
        let fd = cnl_uevent_open(1 << 20, 1)
        if fd < 0 { Log.error("uevent socket: \(errnoText(fd)); serial devices are only seen at start and by discover_devices") }
        socketFd = fd < 0 ? -1 : fd
        // Subscribed first, then scanned, so no device falls between the two.
        _ = table.replaceScanned(with: reader.scan())
        if socketFd >= 0 { loop.register(socketFd, events: Int16(POLLIN)) { [unowned self] _ in self.readable() } }
    }

    deinit { if socketFd >= 0 { close(socketFd) } }

    /// The devices, sorted by path.
    var devices: [SerialDevice] { table.sorted }

    /// Scans sysfs again and broadcasts what changed.
    func rescan() {
        send(table.replaceScanned(with: reader.scan()))
    }

    /// Puts a device into the table as a hot-plug would (`test_add_device`).
    func inject(_ device: SerialDevice) { send(table.add(device)) }

    /// Removes a device as an unplug would (`test_remove_device`); false when unknown.
    func eject(path: String) -> Bool {
        let changes = table.remove(path: path)
        send(changes)
        return !changes.isEmpty
    }

    /// `get_status`'s `uevents` counters.
    var statusJSON: JSONObject {
        [
            "socket": .bool(socketFd >= 0), "received": .number(Double(counters.uevents)), "tty": .number(Double(counters.ttyEvents)),
            "enobufs": .number(Double(counters.enobufs)), "devices": .number(Double(table.devices.count)),
        ]
    }

    private func readable() {
        var lost = false
        while true {
            var sender: UInt32 = 0
            let n = buffer.withUnsafeMutableBytes { cnl_uevent_recv(socketFd, $0.baseAddress, $0.count, &sender) }
            if n == -Int(EAGAIN) { break }
            if n == -Int(ENOBUFS) {
                lost = true
                continue
            }
            if n < 0 {
                Log.warning("uevent socket: \(errnoText(Int32(n)))")
                break
            }
            // Only the kernel (port 0) speaks on this group; anything else is not trusted.
            guard sender == 0, let event = Uevent.parse(buffer[0..<n]) else { continue }
            counters.uevents += 1
            handle(event)
        }
        if lost {
            counters.enobufs += 1
            Log.warning("uevents lost (ENOBUFS); rescanning serial devices")
            rescan()
        }
    }

    private func handle(_ event: Uevent) {
        guard event.subsystem == "tty" else { return }
        let name = event.deviceName
        guard let major = event.major, let minor = event.minor,
            SerialDevice.isSerialName(name, major: major, minor: minor)
        else { return }
        counters.ttyEvents += 1
        Log.debug("uevent \(event.action) \(event.devpath)")
        switch event.action {
        case "add", "change", "move", "bind":
            guard let device = reader.device(named: name, major: major, minor: minor) else { return }
            send(table.add(device))
            if event.action == "add" {
                loop.schedule(afterMs: 1000) { [weak self] in
                    guard let self, self.table.devices[device.path] != nil,
                        let again = self.reader.device(named: name, major: major, minor: minor)
                    else { return }
                    self.send(self.table.add(again))
                }
            }
        case "remove":
            send(table.remove(path: reader.devRoot + "/" + name))
        default:
            break
        }
    }

    private func send(_ changes: [DeviceTable.Change]) {
        guard !changes.isEmpty else { return }
        let ts = Clock.timestamp()
        for c in changes {
            Log.info("device_change: \(c)")
            broadcast(NetmonEvents.deviceChange(c, timestamp: ts))
        }
    }
}
