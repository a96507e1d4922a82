import NetmonCore

/// `uevent`: one NETLINK_KOBJECT_UEVENT datagram through the sidecar's ``Uevent/parse(_:)`` and
/// the serial-device classification it feeds.
///
/// Invariants: an accepted event has a non-empty action without `@`, a devpath starting with `/`,
/// non-empty keys without `=` or NUL, values without NUL; re-encoded in the kernel's layout
/// (`ACTION@DEVPATH\0KEY=VALUE\0…`) it parses to an equal event. A refusal is `not_a_uevent`
/// (the parser answers nil).
enum UeventTarget {
    static let target = FuzzTarget(name: "uevent", summary: "netmon sidecar: Uevent.parse over one datagram") {
        bytes throws(FuzzInvariantViolation) in
        let check = Check(target: "uevent")
        guard let e = Uevent.parse(bytes) else { return .refused(code: "not_a_uevent") }
        try check.that(!e.action.isEmpty && !e.action.contains("@") && !e.action.contains("\0"), "bad action '\(e.action)'")
        try check.that(e.devpath.hasPrefix("/") && !e.devpath.contains("\0"), "bad devpath '\(e.devpath)'")
        for (k, v) in e.fields {
            try check.that(!k.isEmpty && !k.contains("=") && !k.contains("\0"), "bad key '\(k)'")
            try check.that(!v.contains("\0"), "a value holds NUL: \(k)")
        }
        var again = Array("\(e.action)@\(e.devpath)".utf8) + [0]
        for k in e.fields.keys.sorted() { again += Array("\(k)=\(e.fields[k] ?? "")".utf8) + [0] }
        try check.that(Uevent.parse(again) == e, "the re-encoded event parses differently")
        // The classification the sidecar applies must not trap on any numbers.
        if let major = e.major, let minor = e.minor { _ = SerialDevice.isSerialName(e.deviceName, major: major, minor: minor) }
        return .accepted
    }
}
