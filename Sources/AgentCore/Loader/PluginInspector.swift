#if canImport(Glibc)
import Glibc
#endif
import CAgentABI

/// Checks a plugin file without initialising it: the same file rules and handshake as the
/// loader (`plugins verify`, `plugins pin`). The library is mapped into the calling process
/// (never into the daemon) but its `init` is never called.
public enum PluginInspector {
    /// The SHA-256 (lower-case hex) of the file at `path`, without mapping it.
    public static func sha256(path: String) throws(PluginRefusal) -> String {
        try PluginFile.sha256(path: path)
    }

    /// Inspects `path`. With `expectedSHA256` the pin is checked; with `expectedID` the id is.
    /// - Returns: a record whose state is `.loaded` when every check passed (meaning "loadable").
    public static func inspect(
        path: String, expectedSHA256: String? = nil, expectedID: String? = nil, allowedOwners: Set<uid_t> = [0, geteuid()]
    ) -> PluginRecord {
        var record = PluginRecord(id: expectedID ?? "?", path: path, state: .loaded)
        do throws(PluginRefusal) {
            let file = try PluginFile.open(path: path, allowedOwners: allowedOwners)
            record.sha256 = file.sha256
            if let expectedSHA256, expectedSHA256.lowercased() != file.sha256 {
                file.close()
                throw PluginRefusal(.hashMismatch, "sha256 is \(file.sha256), expected \(expectedSHA256)")
            }
            let handle = try file.map()
            guard let symbol = dlsym(handle, AGENT_PLUGIN_ENTRY_V1_NAME) else {
                throw PluginRefusal(.missingEntry, "no \(AGENT_PLUGIN_ENTRY_V1_NAME) symbol")
            }
            let entry = unsafeBitCast(symbol, to: agent_plugin_entry_v1_fn.self)
            guard let descriptor = entry(AGENT_ABI_MAJOR, AGENT_ABI_MINOR) else {
                throw PluginRefusal(.badDescriptor, "entry returned no descriptor")
            }
            if let idPtr = UnsafeRawPointer(descriptor).loadUnaligned(as: UInt32.self) == AGENT_ABI_MAGIC
                ? descriptor.pointee.plugin_id : nil
            {
                record.id = String(cString: idPtr)
            }
            try PluginLoader.validate(descriptor, expectedID: expectedID ?? record.id, record: &record)
        } catch {
            record.state = .refused(error)
        }
        return record
    }
}
