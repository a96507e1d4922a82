import AgentStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import RuntimeModel

/// Reads the Python agent's state folder for the takeover (read only: the folder is never
/// changed, so the site can go back to the Python agent).
enum LegacyFiles {
    /// Whether `path` is a directory.
    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether `folder` holds the Python agent's state: `data/clients.json` or
    /// `runtime_vnics.json`. (This agent's own netmon sidecar shares the folder, for its socket
    /// and lease files, on a site its installer set up: that alone is nothing to take over.)
    static func holdsPythonAgentState(_ folder: String) -> Bool {
        isDirectory(folder)
            && [LegacyState.clientsFile, LegacyState.vnicsFile].contains { access(folder + "/" + $0, F_OK) == 0 }
    }

    /// The bytes of `folder/relative`: nil when the file does not exist; empty bytes when it
    /// exists but cannot be read (which the takeover then reports as unreadable).
    static func read(_ folder: String, _ relative: String) -> [UInt8]? {
        let path = folder + "/" + relative
        if access(path, F_OK) != 0 && errno == ENOENT { return nil }
        return UpgradeFiles.contents(of: path) ?? []
    }

    /// The names of the entries of `folder/relative` (empty when it does not exist).
    static func names(_ folder: String, _ relative: String) -> [String] {
        Directory.names(folder + "/" + relative) ?? []
    }
}
