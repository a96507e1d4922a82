import AgentJSON
import AgentStore
import Foundation
import Testing

@Suite struct CorruptFileTests {
    let dir = TempDir()

    @Test(arguments: [
        "{\"format\":1,\"namespace\":\"bad\",\"entries\":{\"a\":1",
        "not json",
        "{\"format\":2,\"namespace\":\"bad\",\"entries\":{}}",
        "{\"format\":1,\"namespace\":\"other\",\"entries\":{}}",
        "{\"format\":1,\"namespace\":\"bad\",\"entries\":[]}",
    ])
    func corruptFileIsReportedAndLeftUntouched(contents: String) throws {
        try FileManager.default.createDirectory(atPath: dir.path, withIntermediateDirectories: true)
        let path = dir.file("bad.json")
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        let store = try DurableStore(directory: dir.path)

        let readError = storeError { _ = try store.get("bad", "a") }
        #expect(readError?.code == .corrupt)
        #expect(readError?.path == path)
        #expect(storeError { try store.put("bad", "a", 2) }?.code == .corrupt)
        #expect(storeError { _ = try store.list("bad") }?.code == .corrupt)
        #expect(fileBytes(path) == Array(contents.utf8))

        try store.put("good", "a", 1)
        #expect(try store.get("good", "a") == .number(1))
    }
}
