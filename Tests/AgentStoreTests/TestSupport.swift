import AgentStore
import Foundation

/// A fresh directory under the system temp dir, removed when the value is released.
final class TempDir {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("agent-store-tests-\(UUID().uuidString)").path
    }

    /// `path/<name>`.
    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The ``StoreError`` `body` throws, or nil when it succeeds (or throws something else).
func storeError(_ body: () throws -> Void) -> StoreError? {
    do {
        try body()
        return nil
    } catch {
        return error as? StoreError
    }
}

/// The bytes of the file at `path`, or nil when it cannot be read.
func fileBytes(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { [UInt8]($0) }
}

/// The permission bits of `path` (e.g. 0o600), or nil when it does not exist.
func permissions(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
}

/// The names in directory `path`, sorted.
func directoryNames(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}
