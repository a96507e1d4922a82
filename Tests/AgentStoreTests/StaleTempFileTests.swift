import AgentJSON
import AgentStore
import Foundation
import Testing

@Suite struct StaleTempFileTests {
    let dir = TempDir()

    @Test func staleTempFilesAreRemovedAtOpen() throws {
        do {
            let store = try DurableStore(directory: dir.path)
            try store.put("ns", "a", 1)
            try store.put("x.json.tmp-1-2", "kept", true)  // a namespace whose name looks like a temp
        }
        for name in ["ns.json.tmp-4242-1", "other.json.tmp-1-99"] {
            try Data("{\"torn".utf8).write(to: URL(fileURLWithPath: dir.file(name)))
        }
        #expect(directoryNames(dir.path).count == 4)

        let store = try DurableStore(directory: dir.path)
        #expect(directoryNames(dir.path) == ["ns.json", "x.json.tmp-1-2.json"])
        #expect(try store.get("ns", "a") == .number(1))
        #expect(try store.get("x.json.tmp-1-2", "kept") == true)
    }

    @Test func successfulWritesLeaveNoTempFiles() throws {
        let store = try DurableStore(directory: dir.path)
        for i in 0..<20 { try store.put("ns", "k\(i)", .number(Double(i))) }
        #expect(directoryNames(dir.path) == ["ns.json"])
    }
}
