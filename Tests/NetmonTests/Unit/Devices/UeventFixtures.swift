/// Kernel uevent datagrams for the parser tests, and where each came from.
///
/// Recorded (base64 of the exact bytes read from a NETLINK_KOBJECT_UEVENT socket bound to group 1,
/// Python `socket.recv`, on this project's lab machine, kernel 6.18, inside a scratch network
/// namespace `ip netns add uevcap`, while `ip -n uevcap link add ucapv0 type veth peer name
/// ucapv1`, `ip -n uevcap tuntap add dev ucaptun0 mode tun` and their deletion ran; 26 datagrams
/// came, these are four of them):
/// - ``vethAdd``: `add@/devices/virtual/net/ucapv1` (SUBSYSTEM=net, INTERFACE, IFINDEX, SEQNUM)
/// - ``queueAdd``: `add@/devices/virtual/net/ucapv1/queues/rx-0` (SUBSYSTEM=queues)
/// - ``tunAdd``: `add@/devices/virtual/net/ucaptun0`
/// - ``vethRemove``: `remove@/devices/virtual/net/ucapv0`
///
/// Recorded the same way, on the same machine, while `change`, `remove`, `add` were written to
/// `/sys/class/tty/ttyS0/uevent` (the kernel then emits a synthetic uevent of that action for the
/// device, in its own format, with `SYNTH_UUID=0`; the device itself is untouched):
/// - ``ttyS0Change``, ``ttyS0Remove``, ``ttyS0Add``: `…@/devices/pnp0/00:00/00:00:0/00:00:0.0/tty/ttyS0`
///   with SUBSYSTEM=tty, MAJOR=4, MINOR=64, DEVNAME=ttyS0
///
/// Built in the kernel's format (no USB serial adapter exists on the lab machine, and udevadm
/// is absent): ``ttyUSBAdd`` / ``ttyUSBRemove`` / ``ttyACMAdd`` are what `kobject_uevent_env()`
/// (lib/kobject_uevent.c) writes for a tty class device: the `ACTION@DEVPATH` header, then
/// `ACTION`, `DEVPATH`, `SUBSYSTEM`, the device's own `MAJOR`, `MINOR`, `DEVNAME` (what
/// `/sys/class/tty/<name>/uevent` holds: on this machine `ttyS0`'s reads `MAJOR=4 MINOR=64
/// DEVNAME=ttyS0`, used for ``ttySAdd``), and `SEQNUM`; each pair NUL-terminated. Devpaths are
/// those of an FTDI adapter (ttyUSB) and an Arduino (ttyACM) on a PC's xHCI controller.
enum UeventFixtures {
    static let vethAdd = "YWRkQC9kZXZpY2VzL3ZpcnR1YWwvbmV0L3VjYXB2MQBBQ1RJT049YWRkAERFVlBBVEg9L2RldmljZXMvdmlydHVhbC9uZXQvdWNhcHYxAFNVQlNZU1RFTT1uZXQASU5URVJGQUNFPXVjYXB2MQBJRklOREVYPTIAU0VRTlVNPTUxNDgzNwA="
    static let queueAdd = "YWRkQC9kZXZpY2VzL3ZpcnR1YWwvbmV0L3VjYXB2MS9xdWV1ZXMvcngtMABBQ1RJT049YWRkAERFVlBBVEg9L2RldmljZXMvdmlydHVhbC9uZXQvdWNhcHYxL3F1ZXVlcy9yeC0wAFNVQlNZU1RFTT1xdWV1ZXMAU0VRTlVNPTUxNDgzOAA="
    static let tunAdd = "YWRkQC9kZXZpY2VzL3ZpcnR1YWwvbmV0L3VjYXB0dW4wAEFDVElPTj1hZGQAREVWUEFUSD0vZGV2aWNlcy92aXJ0dWFsL25ldC91Y2FwdHVuMABTVUJTWVNURU09bmV0AElOVEVSRkFDRT11Y2FwdHVuMABJRklOREVYPTQAU0VRTlVNPTUxNDg1MQA="
    static let vethRemove = "cmVtb3ZlQC9kZXZpY2VzL3ZpcnR1YWwvbmV0L3VjYXB2MABBQ1RJT049cmVtb3ZlAERFVlBBVEg9L2RldmljZXMvdmlydHVhbC9uZXQvdWNhcHYwAFNVQlNZU1RFTT1uZXQASU5URVJGQUNFPXVjYXB2MABJRklOREVYPTMAU0VRTlVNPTUxNDg1NgA="

    static let ttyS0Change = "Y2hhbmdlQC9kZXZpY2VzL3BucDAvMDA6MDAvMDA6MDA6MC8wMDowMDowLjAvdHR5L3R0eVMwAEFDVElPTj1jaGFuZ2UAREVWUEFUSD0vZGV2aWNlcy9wbnAwLzAwOjAwLzAwOjAwOjAvMDA6MDA6MC4wL3R0eS90dHlTMABTVUJTWVNURU09dHR5AFNZTlRIX1VVSUQ9MABNQUpPUj00AE1JTk9SPTY0AERFVk5BTUU9dHR5UzAAU0VRTlVNPTUzOTYxMwA="
    static let ttyS0Remove = "cmVtb3ZlQC9kZXZpY2VzL3BucDAvMDA6MDAvMDA6MDA6MC8wMDowMDowLjAvdHR5L3R0eVMwAEFDVElPTj1yZW1vdmUAREVWUEFUSD0vZGV2aWNlcy9wbnAwLzAwOjAwLzAwOjAwOjAvMDA6MDA6MC4wL3R0eS90dHlTMABTVUJTWVNURU09dHR5AFNZTlRIX1VVSUQ9MABNQUpPUj00AE1JTk9SPTY0AERFVk5BTUU9dHR5UzAAU0VRTlVNPTUzOTYxNAA="
    static let ttyS0Add = "YWRkQC9kZXZpY2VzL3BucDAvMDA6MDAvMDA6MDA6MC8wMDowMDowLjAvdHR5L3R0eVMwAEFDVElPTj1hZGQAREVWUEFUSD0vZGV2aWNlcy9wbnAwLzAwOjAwLzAwOjAwOjAvMDA6MDA6MC4wL3R0eS90dHlTMABTVUJTWVNURU09dHR5AFNZTlRIX1VVSUQ9MABNQUpPUj00AE1JTk9SPTY0AERFVk5BTUU9dHR5UzAAU0VRTlVNPTUzOTYxNQA="

    static let usbPath = "/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0"
    static let ttyUSBAdd = kernel(
        "add", usbPath, ["SUBSYSTEM=tty", "MAJOR=188", "MINOR=0", "DEVNAME=ttyUSB0", "SEQNUM=4711"])
    static let ttyUSBRemove = kernel(
        "remove", usbPath, ["SUBSYSTEM=tty", "MAJOR=188", "MINOR=0", "DEVNAME=ttyUSB0", "SEQNUM=4722"])
    static let ttyACMAdd = kernel(
        "add", "/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/tty/ttyACM0",
        ["SUBSYSTEM=tty", "MAJOR=166", "MINOR=0", "DEVNAME=ttyACM0", "SEQNUM=4712"])
    static let ttySAdd = kernel(
        "add", "/devices/pnp0/00:00/00:00:0/00:00:0.0/tty/ttyS0", ["SUBSYSTEM=tty", "MAJOR=4", "MINOR=64", "DEVNAME=ttyS0", "SEQNUM=12"])
    static let tty5Add = kernel("add", "/devices/virtual/tty/tty5", ["SUBSYSTEM=tty", "MAJOR=4", "MINOR=5", "DEVNAME=tty5", "SEQNUM=13"])

    /// A datagram as `kobject_uevent_env()` lays it out.
    static func kernel(_ action: String, _ devpath: String, _ fields: [String]) -> [UInt8] {
        var bytes = Array("\(action)@\(devpath)".utf8) + [0]
        for f in ["ACTION=\(action)", "DEVPATH=\(devpath)"] + fields { bytes += Array(f.utf8) + [0] }
        return bytes
    }

    static func decode(_ base64: String) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var table = [UInt8](repeating: 255, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        var out: [UInt8] = []
        var acc: UInt32 = 0
        var bits = 0
        for c in base64.utf8 where c != UInt8(ascii: "=") {
            acc = acc << 6 | UInt32(table[Int(c)])
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xff))
            }
        }
        return out
    }
}
