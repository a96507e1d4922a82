import AgentStore
#if canImport(Glibc)
import Glibc
#endif

/// Removal of a folder the host made (the store's: files only, no subfolders).
enum TemporaryFolder {
    static func remove(_ path: String) {
        for name in Directory.names(path) ?? [] {
            // harmless: a file that cannot be removed leaves a folder in /tmp, nothing else
            _ = unlink(path + "/" + name)
        }
        _ = rmdir(path)
    }
}
