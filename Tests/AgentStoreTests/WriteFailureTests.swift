import AgentJSON
import AgentStore
import Foundation
import Testing

/// Root ignores permission bits, so the failure is simulated by swapping the store directory for
/// a regular file: every write then fails with ENOTDIR, like a vanished or broken mount.
@Suite struct WriteFailureTests {
    let root = TempDir()

    @Test func failedWritesKeepTheOldState() throws {
        let fm = FileManager.default
        let dir = root.path + "/store"
        let moved = root.path + "/store.saved"
        let store = try DurableStore(directory: dir)
        try store.put("ns", "a", "old")
        let fileBefore = fileBytes(dir + "/ns.json")

        try fm.moveItem(atPath: dir, toPath: moved)
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: dir))
        let putError = storeError { try store.put("ns", "a", "new") }
        let applyError = storeError { try store.apply("ns", [.delete(key: "a"), .put(key: "b", value: 1)]) }
        let deleteError = storeError { try store.delete("ns", "a") }
        #expect(putError?.code == .io)
        #expect(putError?.errno == ENOTDIR)
        #expect(putError?.path?.hasPrefix(dir + "/ns.json") == true)
        #expect(applyError?.code == .io)
        #expect(deleteError?.code == .io)
        #expect(try store.get("ns", "a") == "old")
        #expect(try store.list("ns") == ["a"])

        try fm.removeItem(atPath: dir)
        try fm.moveItem(atPath: moved, toPath: dir)
        #expect(fileBytes(dir + "/ns.json") == fileBefore)
        #expect(directoryNames(dir) == ["ns.json"])
        #expect(try DurableStore(directory: dir).get("ns", "a") == "old")
        try store.put("ns", "a", "new")  // the same instance recovers once the directory is back
        #expect(try DurableStore(directory: dir).get("ns", "a") == "new")
    }
}
