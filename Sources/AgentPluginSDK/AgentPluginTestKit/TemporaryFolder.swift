#if canImport(Glibc)
import Glibc
#endif

/// Removal of a folder the host made (the store's: files only, no subfolders).
enum TemporaryFolder {
    static func remove(_ path: String) {
        guard let dir = opendir(path) else { return }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            // harmless: a file that cannot be removed leaves a folder in /tmp, nothing else
            _ = unlink(path + "/" + name)
        }
        closedir(dir)
        _ = rmdir(path)
    }
}
