import Foundation

/// A temporary directory laid out like a host root (`proc/…` plus mount-point folders).
struct FakeHostRoot: ~Copyable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("hostmetrics-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path + "/proc/1", withIntermediateDirectories: true)
    }

    /// Writes `text` to `relative` (e.g. `proc/stat`), creating parent folders.
    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Creates the folder `relative` (e.g. a mount point).
    func makeDirectory(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: path + "/" + relative, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
