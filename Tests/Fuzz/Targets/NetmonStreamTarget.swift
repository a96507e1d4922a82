import AgentJSON
import NetmonCache
import NetmonProtocol

/// `netmon_stream`: what the listener plugin does with the sidecar's byte stream
/// (`LineChannelHandler`): ``LineFramer`` lines → ``NetmonMessage/parse(_:)`` → events applied
/// to the ``InterfaceCache`` → the `get_host_interfaces` answer.
///
/// Invariants: framing does not depend on how the stream is chunked; every cached entry is
/// stored under its own name, and a down entry has no addresses and no gateway; an entry
/// survives its own JSON form; the host-interfaces answer lists the cache sorted by name and
/// re-encodes. Nothing here refuses (bad lines are skipped), so every input is `accepted`.
enum NetmonStreamTarget {
    static let target = FuzzTarget(name: "netmon_stream", summary: "netmon listener: LineFramer, NetmonMessage, InterfaceCache") {
        bytes throws(FuzzInvariantViolation) in
        let check = Check(target: "netmon_stream")
        var whole = LineFramer(maxLineBytes: 512)
        let once = whole.feed(bytes)
        var chunked = LineFramer(maxLineBytes: 512)
        var pieces: [LineFramer.Item] = []
        var start = 0
        var step = 1
        while start < bytes.count {
            let end = min(bytes.count, start + step)
            pieces += chunked.feed(bytes[start..<end])
            start = end
            step = step % 7 + 1 + Int(bytes[end - 1] & 3)
        }
        try check.that(once == pieces, "framing depends on chunking")
        try check.that(whole.pendingBytes == chunked.pendingBytes, "pending bytes depend on chunking")

        var framer = LineFramer()
        var cache = InterfaceCache()
        for item in framer.feed(bytes) {
            guard case .line(let line) = item else { continue }
            switch NetmonMessage.parse(line) {
            case .event(let type, let data): cache.apply(type: type, data: data)
            case .reply, .invalid: break
            }
        }
        for (name, entry) in cache.entries {
            try check.that(name == entry.name, "entry '\(entry.name)' stored under '\(name)'")
            try check.that(entry.isUp || (entry.addresses.isEmpty && entry.gateway == nil), "down entry '\(name)' keeps addresses")
            try check.that(InterfaceEntry(info: entry.json) == entry, "entry '\(name)' changed through its JSON form")
        }
        guard let report = try? HostInterfacesReport.build(from: cache, options: .init(includeVirtual: true)) else {
            try check.that(cache.isEmpty, "no host-interfaces answer for a non-empty cache")
            return .accepted
        }
        let names = (report["interfaces"]?.arrayValue ?? []).compactMap { $0.objectValue?["name"]?.stringValue }
        try check.that(names == cache.sorted.map(\.name), "answer does not list the cache sorted by name")
        try JSONTarget.roundTrip(.object(report), check)
        return .accepted
    }
}
