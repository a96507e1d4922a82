import CAgentABI
import AgentJSON
#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the ABI's buffer rules: borrowed `agent_bytes` are copied before use, and
/// every buffer this library hands out is `malloc`ed and carries `sdkRelease` as its release
/// function, so the receiver frees it through this library's allocator. SPI for host doubles
/// (AgentPluginTestKit), which follow the same rules on the host side.
@_spi(HostDouble)
public enum Bytes {
    /// Copies borrowed bytes (valid only during the current call) into an array.
    public static func copy(_ b: agent_bytes) -> [UInt8] {
        guard let p = b.ptr, b.len > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: b.len))
    }

    /// Decodes borrowed bytes as UTF-8 text (invalid sequences are repaired).
    public static func string(_ b: agent_bytes) -> String {
        guard let p = b.ptr, b.len > 0 else { return "" }
        return String(decoding: UnsafeBufferPointer(start: p, count: b.len), as: UTF8.self)
    }

    /// Borrowed bytes as text only when they are valid UTF-8 (store keys must not be silently
    /// repaired, or two different byte keys could collide); nil otherwise.
    public static func validString(_ b: agent_bytes) -> String? {
        guard let p = b.ptr, b.len > 0 else { return "" }
        return String(validating: UnsafeBufferPointer(start: p, count: b.len), as: UTF8.self)
    }

    /// Decodes the params of a protocol `invoke`: no bytes are no params (`{}`); bytes that are
    /// not a JSON object answer nil, which the caller refuses with `invalid_argument` (never read
    /// as `{}`).
    public static func invokeParams(_ b: agent_bytes) -> JSONObject? {
        guard b.len > 0 else { return [:] }
        // handled: a parse failure is the nil the caller refuses.
        return (try? JSONParser.parse(copy(b)))?.objectValue
    }

    /// Calls `body` with borrowed bytes over `array` (valid only inside `body`).
    public static func withBorrowed<R>(_ array: [UInt8], _ body: (agent_bytes) throws -> R) rethrows -> R {
        try array.withUnsafeBufferPointer { buf in
            try body(agent_bytes(ptr: buf.baseAddress, len: buf.count))
        }
    }

    /// Calls `body` with borrowed bytes over the UTF-8 of `text`.
    public static func withBorrowed<R>(_ text: String, _ body: (agent_bytes) throws -> R) rethrows -> R {
        try withBorrowed(Array(text.utf8), body)
    }

    /// A malloc'ed owned buffer holding `array`; the receiver releases it with `sdkRelease`.
    public static func owned(_ array: [UInt8]) -> agent_owned_bytes {
        guard let raw = malloc(max(array.count, 1)) else { return agent_owned_none() }
        let p = raw.assumingMemoryBound(to: UInt8.self)
        array.withUnsafeBufferPointer { buf in
            if let base = buf.baseAddress { p.update(from: base, count: buf.count) }
        }
        return agent_owned_bytes(ptr: p, len: array.count, release: sdkRelease, release_ctx: nil)
    }

    /// The owned encoding of a JSON value.
    public static func owned(_ value: JSONValue) -> agent_owned_bytes { owned(JSONWriter.bytes(value)) }

    /// Takes an owned buffer from the other side: copies it out and releases it exactly once.
    public static func take(_ b: agent_owned_bytes) -> [UInt8] {
        defer { agent_owned_release(b) }
        guard let p = b.ptr, b.len > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: b.len))
    }
}

/// Release function for every buffer this SDK allocates.
let sdkRelease: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, Int) -> Void = { _, p, _ in
    free(p)
}
